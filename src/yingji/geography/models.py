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
