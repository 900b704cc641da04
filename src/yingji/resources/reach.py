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


def _roads() -> Any:
    from yingji.geography import roads

    return roads


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


def _county_population(user: Any) -> dict[str, int]:
    return dict(counties_for(user).values_list("code", "population"))


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
                "popup": [f"{minutes} 分钟可达"],
                "style": {"color": colors.get(minutes, "#2f6fde"), "weight": 1, "fillOpacity": 0.18},
                "url": None,
            }
        )
        features.append({"type": "Feature", "geometry": feature["geometry"], "properties": properties})
    # The widest band first, so the nearer ones are drawn over it.
    features.sort(key=lambda f: -int(f["properties"].get("minutes", 0)))
    return {"type": "FeatureCollection", "features": features}


def reach_from(origins: list[tuple[float, float]], people_by_county: dict[str, int]) -> Reach:
    """The population within 15/30/60 minutes of `origins` (within the given counties)."""
    total = sum(people_by_county.values())
    if not origins:
        return Reach(0, total, [Band(m, 0, 0.0, {code: 0 for code in people_by_county}) for m in BANDS])
    result = _roads().population_within(origins, minutes=BANDS)
    bands = []
    for minutes in BANDS:
        by_county = {code: int(result.by_county.get(minutes, {}).get(code, 0)) for code in people_by_county}
        reached = sum(by_county.values())
        bands.append(Band(minutes, reached, reached / total if total else 0.0, by_county))
    return Reach(len(origins), total, bands, _styled_isochrones(result.isochrones))


def team_reach(
    user: Any, kind: str = kinds.FIRE_STATION, region: str | None = None, available_only: bool = False
) -> Reach:
    """Reach of the user's teams of `kind` (standing by only, if asked), over the user's counties."""
    teams = Team.objects.visible_to(user).filter(kind=kind)
    counties = _county_population(user)
    if region:
        area = Region.objects.filter(code=region).only("path").first()
        if area is not None:
            teams = teams.in_region(area)
            if region in counties:
                counties = {region: counties[region]}
    if available_only:
        teams = teams.filter(status=kinds.STANDBY)
    origins = sorted(set(teams.values_list("longitude", "latitude")))
    key = ("reach", tuple(origins), tuple(sorted(counties.items())))
    return _remember(key, lambda: reach_from(origins, counties))


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
        people = properties.get("population")
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
    counties = list(counties_for(user).order_by("code").values_list("code", "name", "population"))
    key = ("aviation", tuple(pads), tuple(counties))

    def compute() -> Aviation:
        if not pads:
            rows = [
                {"region_code": code, "name": name, "population": people, "within": 0, "share": 0.0}
                for code, name, people in counties
            ]
            return Aviation(
                0, sum(r["population"] for r in rows), 0, rows, {"type": "FeatureCollection", "features": []}
            )
        result = _roads().air_reach(
            pads, cruise_kmh=CRUISE_KMH, dispatch_delay_min=DISPATCH_DELAY_MIN, within_minutes=WITHIN_MINUTES
        )
        rows = []
        for code, name, people in counties:
            within = int(result.by_county.get(code, 0))
            rows.append(
                {
                    "region_code": code,
                    "name": name,
                    "population": people,
                    "within": within,
                    "share": round(within / people, 4) if people else 0.0,
                }
            )
        return Aviation(
            len(pads),
            sum(r["population"] for r in rows),
            sum(r["within"] for r in rows),
            rows,
            _styled_gaps(result.gaps),
        )

    return _remember(key, compute)


def public_nearest_shelters(point: tuple[float, float], limit: int = 3) -> list[nearest.Nearest]:
    """The open shelters with room nearest by road to a member of the public (every shelter is public)."""
    nearest.check_point(*point)
    candidates = nearest.shelter_rows(nearest.open_shelters(Shelter.objects.all()), with_urls=False)
    return nearest.rank(point, candidates, limit)
