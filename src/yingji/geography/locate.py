"""Which region a point lies in, down to the township: the county by its boundary (point-in-polygon),
the township by the population grid's township zones (the bundled data has no township boundaries,
so the grid's cell of the point names the township whose settlements are nearest; geography/population).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapely import prepared
from shapely.geometry import Point
from shapely.geometry import shape as shapely_shape

from yingji.core import caching, regioncodes
from yingji.core.models import Region
from yingji.geography import population


@dataclass(frozen=True)
class _County:
    code: str
    path: str
    shape: Any


def _load_counties() -> list[_County]:
    rows = Region.objects.filter(level=regioncodes.COUNTY, geometry__isnull=False).order_by("code")
    return [
        _County(code, path, prepared.prep(shapely_shape(geometry)))
        for code, path, geometry in rows.values_list("code", "path", "geometry")
        if geometry
    ]


def _counties() -> list[_County]:
    return caching.per_process("geography.locate.counties", caching.of_stamp(caching.REGIONS), _load_counties)


def county_code_at(longitude: float, latitude: float) -> str | None:
    """The code of the county whose boundary covers the point, or None outside every known county."""
    point = Point(longitude, latitude)
    return next((county.code for county in _counties() if county.shape.covers(point)), None)


def region_at(longitude: float, latitude: float) -> Region | None:
    """The township (else the county) the point lies in, or None outside every known county."""
    code = county_code_at(longitude, latitude)
    if code is None:
        return None
    county = Region.objects.get(code=code)
    loaded = population.load_grid(county)
    if loaded is not None:
        cell = int(loaded.grid.cell_of([longitude], [latitude])[0])
        number = int(loaded.township_index[cell]) if cell >= 0 else -1
        if number >= 0:
            township = Region.objects.filter(
                code=loaded.township_codes[number], path__startswith=county.path
            ).first()
            if township is not None:
                return township
    return county
