"""The geography every domain shares, stored: the population grid of a city or county."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from yingji.core.models import Region


class PopulationGrid(models.Model):
    """People per cell of a regular lon/lat grid (~1 km) over a region, with each cell's county.

    Stored as arrays of `rows × cols` cells, row 0 at the south edge: little-endian float32 people
    (whole persons), int32 index into `county_codes` and into `township_codes` (−1: none). Built by
    population.py, which documents how each county's population is spread over its settlements.
    """

    region = models.OneToOneField(Region, on_delete=models.CASCADE, related_name="population_grid")
    west = models.FloatField()
    south = models.FloatField()
    cell_lon = models.FloatField()
    cell_lat = models.FloatField()
    rows = models.PositiveIntegerField()
    cols = models.PositiveIntegerField()
    county_codes = models.JSONField(default=list)
    people = models.BinaryField()
    county_index = models.BinaryField()
    # The township of each cell and the cell of each village's settlement ({code: cell}): where a
    # township- or village-coded warning area lies when the region data has no boundary for it.
    township_codes = models.JSONField(default=list)
    township_index = models.BinaryField(default=b"")
    village_cells = models.JSONField(default=dict)
    total_people = models.FloatField(default=0)
    method = models.TextField("方法说明", blank=True)
    built_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "人口网格"
        verbose_name_plural = "人口网格"

    def __str__(self) -> str:
        return f"{self.region_id} {self.rows}×{self.cols}"


class RoadGraph(models.Model):
    """The road network that travel times are searched on (geography/roads): one row, replaced whole.

    Stored as arrays like the population grid (decision 0032): little-endian float64 node longitudes
    and latitudes; per edge int32 end nodes, float64 length in km (straight, before the winding
    factor), int16 index into `classes` (−1: no class) and float32 maxspeed in km/h (NaN: none).
    Speeds come from the settings when the network is built, so a changed speed needs no reload.
    """

    name = models.CharField("名称", max_length=200)
    source = models.TextField("来源", blank=True)
    winding_factor = models.FloatField("曲折系数")
    node_count = models.PositiveIntegerField("节点数")
    edge_count = models.PositiveIntegerField("路段数")
    total_km = models.FloatField("总里程（千米）")
    classes = models.JSONField(default=list)
    lon = models.BinaryField()
    lat = models.BinaryField()
    edge_a = models.BinaryField()
    edge_b = models.BinaryField()
    edge_km = models.BinaryField()
    edge_class = models.BinaryField()
    edge_maxspeed = models.BinaryField()
    loaded_at = models.DateTimeField("载入时间", default=timezone.now)

    class Meta:
        verbose_name = "路网"
        verbose_name_plural = "路网"

    def __str__(self) -> str:
        return f"{self.name}: {self.node_count} 节点 / {self.edge_count} 路段"
