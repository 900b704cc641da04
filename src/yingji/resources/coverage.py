"""Shelter coverage per county: who lives within walking distance of a shelter with room, and whether
the fixed shelters hold the planning share (≥ 15 % of the population, GB 51143-2015).

On foot, a shelter serves the cells whose centre lies within its type's service radius walked,
taken as the straight line × `WALK_WINDING` (paths are not straight); the population is the
shared grid's (geography.population).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from yingji.geography import population
from yingji.resources import kinds, services
from yingji.resources.models import Shelter

if TYPE_CHECKING:  # imported where a tree is built: scipy costs every process start half a second
    from scipy.spatial import cKDTree

WALK_WINDING = 1.25
KM_PER_DEGREE_LAT = 111.32


@dataclass(frozen=True)
class CountyCoverage:
    code: str
    name: str
    population: int
    covered: int  # people within walking service distance of a shelter with room
    shelters: int
    capacity: int  # all shelters
    fixed_capacity: int  # fixed and central shelters
    occupancy: int

    @property
    def covered_share(self) -> float:
        return self.covered / self.population if self.population else 0.0

    @property
    def fixed_share(self) -> float:
        return self.fixed_capacity / self.population if self.population else 0.0

    @property
    def meets_fixed_target(self) -> bool:
        return self.fixed_share >= kinds.FIXED_SHARE_TARGET

    def as_dict(self) -> dict[str, Any]:
        return {
            "region_code": self.code,
            "name": self.name,
            "population": self.population,
            "covered": self.covered,
            "covered_share": round(self.covered_share, 4),
            "shelters": self.shelters,
            "capacity": self.capacity,
            "fixed_capacity": self.fixed_capacity,
            "fixed_share": round(self.fixed_share, 4),
            "fixed_target": kinds.FIXED_SHARE_TARGET,
            "meets_fixed_target": self.meets_fixed_target,
            "occupancy": self.occupancy,
        }


_trees: dict[tuple[str, Any], tuple[cKDTree, float, np.ndarray]] = {}


def _cell_tree(loaded: population.LoadedGrid) -> tuple[cKDTree, float, np.ndarray]:
    """A KD-tree of the populated cells' centres in km (equirectangular at the grid's middle latitude)."""
    from scipy.spatial import cKDTree

    key = (loaded.region_code, loaded.built_at)
    if key not in _trees:
        grid = loaded.grid
        lat0 = (grid.south + grid.north) / 2
        cells = np.flatnonzero(loaded.people > 0)
        lon, lat = grid.centre_of(cells)
        kx = KM_PER_DEGREE_LAT * np.cos(np.radians(lat0))
        tree = cKDTree(np.column_stack([lon * kx, lat * KM_PER_DEGREE_LAT]))
        _trees.clear()
        _trees[key] = (tree, kx, cells)
    return _trees[key]


def covered_cells(loaded: population.LoadedGrid, points: list[tuple[float, float, float]]) -> np.ndarray:
    """A bool per grid cell: within the walked radius (km) of one of `points` (lon, lat, radius)."""
    tree, kx, cells = _cell_tree(loaded)
    mask = np.zeros(loaded.grid.size, dtype=bool)
    if not points:
        return mask
    xy = np.array([[lon * kx, lat * KM_PER_DEGREE_LAT] for lon, lat, _r in points])
    radii = np.array([radius / WALK_WINDING for _lon, _lat, radius in points])
    for hits in tree.query_ball_point(xy, radii):
        if hits:
            mask[cells[np.asarray(hits, dtype=np.int64)]] = True
    return mask


def county_coverage(user: Any) -> list[CountyCoverage]:
    """Coverage of each county the user works in or above (the user's shelters only)."""
    from yingji.core.registry import counties_for

    counties = list(counties_for(user).only("code", "name", "population", "path").order_by("code"))
    if not counties:
        return []
    loaded = population.load_grid(counties[0])
    radius = {code: norm.service_km for code, norm in services.norms().items()}
    shelters = list(
        Shelter.objects.visible_to(user).values_list(
            "region__path", "shelter_type", "capacity", "occupancy", "longitude", "latitude"
        )
    )
    with_room = [(lon, lat, radius[stype]) for _path, stype, cap, occ, lon, lat in shelters if occ < cap]
    mask = covered_cells(loaded, with_room) if loaded is not None else None
    result = []
    for county in counties:
        mine = [row for row in shelters if row[0].startswith(county.path)]
        covered = 0
        people = county.population or 0
        if loaded is not None and mask is not None:
            number = loaded.county_number(county.code)
            in_county = loaded.county_index == number
            covered = int(loaded.people[in_county & mask].sum())
            people = people or int(loaded.people[in_county].sum())
        result.append(
            CountyCoverage(
                code=county.code,
                name=county.name,
                population=people,
                covered=min(covered, people),
                shelters=len(mine),
                capacity=sum(row[2] for row in mine),
                fixed_capacity=sum(row[2] for row in mine if row[1] in kinds.FIXED_TYPES),
                occupancy=sum(row[3] for row in mine),
            )
        )
    return result
