"""Who the resources reach: the population within 15/30/60 minutes by road of a set of teams (the fire
and rescue stations, or any kind), the one-hour aviation rescue network of the helipads, and the
public's nearest open shelter.

The travel times, the population bands and the isochrones are the shared road package's
(`geography.roads`); this module picks the origins the user may see and shapes the answers. The
results depend only on the origins, so they are kept per process keyed by the origins themselves:
a team moving or a helipad added is a different key.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from yingji.core.models import Region
from yingji.core.registry import counties_for
from yingji.geography import roads
from yingji.geography.roads import RoadNetwork
from yingji.resources import kinds, nearest
from yingji.resources.models import Helipad, Shelter, Team

BANDS = (15, 30, 60)
CRUISE_KMH = 200.0
DISPATCH_DELAY_MIN = 15.0
WITHIN_MINUTES = 60.0
_CACHE_SIZE = 32

_cache: dict[Any, Any] = {}
_lock = threading.Lock()


def _remember(key: Any, compute: Any) -> Any:
    with _lock:
        if key in _cache:
            return _cache[key]
    value = compute()
    with _lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[key] = value
    return value


@dataclass(frozen=True)
class Band:
    minutes: int
    population: int
    share: float
    by_county: dict[str, int]


@dataclass(frozen=True)
class Reach:
    """The people within each band of road minutes of the origins, and the isochrones to draw."""

    origins: int
    population: int
    bands: list[Band]
    isochrones: dict[str, Any] = field(default_factory=lambda: {"type": "FeatureCollection", "features": []})

    def as_dict(self) -> dict[str, Any]:
        return {
            "origins": self.origins,
            "population": self.population,
            "bands": [
                {
                    "minutes": b.minutes,
                    "population": b.population,
                    "share": round(b.share, 4),
                    "by_county": b.by_county,
                }
                for b in self.bands
            ],
        }


def _county_names(user: Any) -> dict[str, str]:
    return dict(counties_for(user).values_list("code", "name"))


def _styled_isochrones(collection: dict[str, Any]) -> dict[str, Any]:
    """The road package's isochrones with the map's style and popup on each band."""
    colors = {15: "#2e9d57", 30: "#f2c400", 60: "#f28c28"}
    features = []
    for feature in collection.get("features", []):
        properties = dict(feature.get("properties") or {})
        minutes = int(properties.get("minutes", 0))
        properties.update(
            {
                "label": None,
                "popup": [
                    f"{int(properties.get('from_minutes', 0))}–{minutes} 分钟",
                    f"{properties.get('people', 0)} 人",
                ],
                "style": {"color": colors.get(minutes, "#2f6fde"), "weight": 1, "fillOpacity": 0.25},
                "url": None,
            }
        )
        features.append({"type": "Feature", "geometry": feature["geometry"], "properties": properties})
    # The widest band first, so the nearer ones are drawn over it.
    features.sort(key=lambda f: -int(f["properties"].get("minutes", 0)))
    return {"type": "FeatureCollection", "features": features}


def reach_from(
    origins: list[tuple[float, float]], counties: dict[str, str], network: RoadNetwork | None = None
) -> Reach:
    """The population of `counties` within 15/30/60 minutes by road of the nearest of `origins`."""
    result = roads.population_within(origins, minutes=BANDS, network=network)
    rows = [row for row in result["counties"] if row["code"] in counties]
    total = sum(row["people"] for row in rows)
    bands = []
    for number, minutes in enumerate(BANDS):
        by_county = {row["code"]: int(row["within"][number]) for row in rows}
        reached = sum(by_county.values())
        bands.append(Band(minutes, reached, reached / total if total else 0.0, by_county))
    return Reach(len(origins), total, bands, _styled_isochrones(result.get("isochrones", {})))


def team_reach(
    user: Any, kind: str = kinds.FIRE_STATION, region: str | None = None, available_only: bool = False
) -> Reach:
    """Reach of the user's teams of `kind` (standing by only, if asked), over the user's counties."""
    teams = Team.objects.visible_to(user).filter(kind=kind)
    counties = _county_names(user)
    if region:
        area = Region.objects.filter(code=region).only("path").first()
        if area is not None:
            teams = teams.in_region(area)
            if region in counties:
                counties = {region: counties[region]}
    if available_only:
        teams = teams.filter(status=kinds.STANDBY)
    origins = sorted(set(teams.values_list("longitude", "latitude")))
    network = roads.network()
    key = ("reach", network.name, tuple(origins), tuple(sorted(counties)))
    return _remember(key, lambda: reach_from(origins, counties, network))


@dataclass(frozen=True)
class Aviation:
    """The one-hour aviation rescue network: the people a helicopter reaches within the hour."""

    helipads: int
    population: int
    within: int
    counties: list[dict[str, Any]]
    gaps: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "helipads": self.helipads,
            "cruise_kmh": CRUISE_KMH,
            "dispatch_delay_min": DISPATCH_DELAY_MIN,
            "within_minutes": WITHIN_MINUTES,
            "population": self.population,
            "within": self.within,
            "share": round(self.within / self.population, 4) if self.population else 0.0,
            "counties": self.counties,
        }


def _styled_gaps(collection: dict[str, Any]) -> dict[str, Any]:
    features = []
    for feature in collection.get("features", []):
        properties = dict(feature.get("properties") or {})
        people = properties.get("people")
        properties.update(
            {
                "label": None,
                "popup": ["一小时航空救援圈外"] + ([f"约 {int(people)} 人"] if people is not None else []),
                "style": {"color": "#d7263d", "weight": 1, "fillColor": "#d7263d", "fillOpacity": 0.3},
                "url": None,
            }
        )
        features.append({"type": "Feature", "geometry": feature["geometry"], "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def aviation(user: Any) -> Aviation:
    """Each county's people within one hour of a usable helipad (the flight after the dispatch delay)."""
    pads = sorted(
        set(Helipad.objects.visible_to(user).filter(usable=True).values_list("longitude", "latitude"))
    )
    counties = _county_names(user)
    key = ("aviation", tuple(pads), tuple(sorted(counties)))

    def compute() -> Aviation:
        result = roads.air_reach(
            pads, cruise_kmh=CRUISE_KMH, dispatch_delay_min=DISPATCH_DELAY_MIN, within_minutes=WITHIN_MINUTES
        )
        rows = [
            {
                "region_code": row["code"],
                "name": row["name"],
                "population": row["people"],
                "within": row["reached"],
                "share": row["share"],
            }
            for row in result["counties"]
            if row["code"] in counties
        ]
        gaps = result["gaps"] if len(rows) == len(result["counties"]) else _gaps_of(result, counties)
        return Aviation(
            len(pads),
            sum(r["population"] for r in rows),
            sum(r["within"] for r in rows),
            rows,
            _styled_gaps(gaps),
        )

    return _remember(key, compute)


def _gaps_of(result: dict[str, Any], counties: dict[str, str]) -> dict[str, Any]:
    """The gaps of a county user's view: the city's gaps clipped to their counties' boundaries."""
    import shapely
    from shapely.geometry import mapping, shape

    boundaries = [
        shape(geometry)
        for geometry in Region.objects.filter(code__in=list(counties)).values_list("geometry", flat=True)
        if geometry
    ]
    if not boundaries:
        return {"type": "FeatureCollection", "features": []}
    area = shapely.union_all(boundaries)
    features = []
    for feature in result["gaps"]["features"]:
        clipped = shape(feature["geometry"]).intersection(area)
        if not clipped.is_empty:
            features.append({"type": "Feature", "properties": {}, "geometry": dict(mapping(clipped))})
    return {"type": "FeatureCollection", "features": features}


def public_nearest_shelters(point: tuple[float, float], limit: int = 3) -> list[nearest.Nearest]:
    """The open shelters with room nearest by road to a member of the public (every shelter is public)."""
    nearest.check_point(*point)
    candidates = nearest.shelter_rows(nearest.open_shelters(Shelter.objects.all()), with_urls=False)
    return nearest.rank(point, candidates, limit)
