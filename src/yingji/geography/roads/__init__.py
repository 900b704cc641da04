"""Roads and travel time, shared by every domain: `from yingji.geography import roads`.

- `roads.network()`: the network in use (stored or bundled), a `RoadNetwork` with
  `trip(origin, destination) -> Trip | None`, `trips_from(origin, destinations, limit_minutes)`,
  `nearest(origin, destinations, count, limit_minutes)`, `minutes_to(origins, points, limit_minutes)`,
  `covers(point)`; points are (longitude, latitude).
- `roads.load_file`, `roads.load_bundled`: replace the stored network (`yingji roads load`).
- `roads.population_within`, `roads.minutes_to_cells`, `roads.air_reach`: reach by road and by air
  over the population grid.
- `roads.synthetic_network`: a generated detailed network for benchmarks.
See docs/roads.md.
"""

from yingji.geography.roads.graph import RoadNetwork, Trip
from yingji.geography.roads.reach import air_reach, minutes_to_cells, population_within
from yingji.geography.roads.store import load, load_bundled, load_file, network, summary, synthetic_network

__all__ = [
    "RoadNetwork",
    "Trip",
    "air_reach",
    "load",
    "load_bundled",
    "load_file",
    "minutes_to_cells",
    "network",
    "population_within",
    "summary",
    "synthetic_network",
]
