"""Who receives a warning: the people, subscribers and loudspeakers in its area, each once per channel.

The area is `area_codes` (regions: a code covers everything below it, by the region's path) and
`area_shapes` (polygons and circles, by location). The rules:

- A **located** recipient (coordinates) is in when its point lies in a shape (exactly:
  `geography.areas`), or when its region lies inside an area code.
- A **regional** recipient (a region, no coordinates) is in when its region *overlaps* the area: it
  lies inside an area code, or an area code lies inside it (a subscriber to a county gets the
  warnings for its townships), or a shape touches it. A region is touched when a shape intersects
  its boundary (counties), else when its centroid lies in a shape, else as its parent is (the
  bundled township and village rows have neither boundary nor centroid, so they go with their
  county: better one warning too many than one too few).
- Nothing past the issuing region: every recipient's region lies in the issuer's (a county's
  warning never reaches the next county, whatever its shapes: they may reach past the boundary by
  the tolerance `services.area_tolerance_m`, and what lies there belongs to the neighbour). The one
  exception is the duty room above the issuer, which hears of every warning issued below it.
- Duty officers of every county the area covers and of the city above it (inbox, and SMS if they
  have a phone); enterprise safety officers whose enterprise is in the area (by its location, else
  its region); disaster reporters whose region overlaps the area (inbox + SMS).
- `Responder`s (active) located or regional as above (SMS); `Subscriber`s (active, `min_level` at
  or below the warning's level) on their own channel (SMS or app); `BroadcastTerminal`s (active)
  located in the area (broadcast, address = terminal code).

Each recipient appears once per (kind, id, channel); `county_code` is the county its region lies in
(its own region's code above county level, e.g. the city duty officer) and `cell` the population
grid cell of its location (−1 if it has none). Subscribers, the only large table, are decided on the
process's numpy snapshot of it (subscribers.py), reloaded whenever the table has changed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from yingji.core import regioncodes, roles
from yingji.core.models import Region, User
from yingji.enterprises.models import Enterprise
from yingji.geography import areas, population
from yingji.messaging.models import Delivery
from yingji.warnings import lifecycle, subscribers
from yingji.warnings.models import BroadcastTerminal, EarlyWarning, Responder

# The kinds of recipient a warning has, as the outbox records them (`Delivery.recipient_kind`).
USER, RESPONDER, SUBSCRIBER, TERMINAL = Delivery.USER, "responder", "subscriber", "terminal"
TOUCH_DEPTH_DEGREES = 0.001  # ~100 m
KINDS = np.array([USER, RESPONDER, SUBSCRIBER, TERMINAL], dtype="<U10")
CHANNELS = np.array([Delivery.SMS, Delivery.BROADCAST, Delivery.APP, Delivery.INBOX], dtype="<U9")
KIND_NUMBER = {str(kind): number for number, kind in enumerate(KINDS)}
CHANNEL_NUMBER = {str(channel): number for number, channel in enumerate(CHANNELS)}


@dataclass
class Recipients:
    """Parallel arrays, one entry per recipient × channel.

    kind, channel: numpy str arrays (USER … / Delivery.SMS …); recipient_id: int64;
    address: numpy object array of str (phone, push token, terminal code or username for the inbox);
    county_code: numpy str array of region codes; cell: int32 population-grid cells (−1: unknown).
    """

    kind: np.ndarray
    recipient_id: np.ndarray
    channel: np.ndarray
    address: np.ndarray
    county_code: np.ndarray
    cell: np.ndarray

    def __len__(self) -> int:
        return len(self.recipient_id)

    def count_by(self, attribute: str) -> dict[str, int]:
        """How many entries per kind, channel or county (for reports and tests)."""
        values, counts = np.unique(getattr(self, attribute), return_counts=True)
        return {str(value): int(count) for value, count in zip(values, counts, strict=True)}


@dataclass
class _Batch:
    kind: str
    ids: np.ndarray
    channel: np.ndarray  # numbers into CHANNELS
    address: np.ndarray
    county: np.ndarray
    cell: np.ndarray
    unique: bool  # no recipient twice in it, and the only batch of its kind


@dataclass
class RegionIndex:
    """The regions of the city the warning lies in: paths, levels, centroids, and their counties."""

    root: str  # the path of the city (or of the issuing region, if it lies above any city)
    path: dict[str, str]
    level: dict[str, str]
    centroid: dict[str, tuple[float, float]]
    county: dict[str, str] = field(default_factory=dict)

    @classmethod
    def around(cls, region: Region) -> RegionIndex:
        codes = regioncodes.codes_in_path(region.path)
        cities = [code for code in codes if regioncodes.level_of(code) == regioncodes.CITY]
        found = (
            Region.objects.filter(code=cities[0]).values_list("path", flat=True).first() if cities else None
        )
        root = found or region.path
        rows = Region.objects.filter(path__startswith=root).values_list(
            "code", "path", "level", "centroid_lon", "centroid_lat"
        )
        index = cls(root=root, path={}, level={}, centroid={})
        for code, path, level, lon, lat in rows:
            index.path[code], index.level[code] = path, level
            if lon is not None and lat is not None:
                index.centroid[code] = (lon, lat)
        for code, path in index.path.items():
            index.county[code] = next(
                (c for c in regioncodes.codes_in_path(path) if index.level.get(c) == regioncodes.COUNTY), code
            )
        return index

    def parent(self, code: str) -> str | None:
        codes = regioncodes.codes_in_path(self.path[code])
        return codes[-2] if len(codes) > 1 else None


@dataclass
class TargetArea:
    """A warning's area resolved against the region tree: what is inside, what overlaps, what is touched."""

    shapes: areas.Area
    regions: RegionIndex
    issuer: str  # the issuing region's path: no recipient lies outside it
    codes: list[str]  # the area codes that exist, inside the issuing region
    inside: set[str]  # regions inside an area code (the codes themselves included)
    containing: set[str]  # regions an area code lies inside (strict ancestors)
    touched: set[str]  # regions a shape touches (see the module's rules)
    counties: set[str]  # county-level regions the area covers or touches

    def overlaps(self, code: str) -> bool:
        """The regional rule: a recipient with this region (and no location) is in the area."""
        return code in self.inside or code in self.containing or code in self.touched

    def within_issuer(self, code: str) -> bool:
        """Whether a region lies in the issuing region (recipients elsewhere are never reached)."""
        path = self.regions.path.get(code)
        return path is not None and path.startswith(self.issuer)


def _circle_outline(circle: areas.Circle) -> Any:
    """A polygon that holds the circle (for touch tests against region boundaries only)."""
    sides = 64
    grow = 1 / math.cos(math.pi / sides) * 1.001
    angles = np.linspace(0, 2 * math.pi, sides, endpoint=False)
    dlat = circle.radius_km * grow / areas.KM_PER_DEGREE
    dlon = dlat / max(math.cos(math.radians(circle.lat)), 1e-6)
    return shapely.Polygon(
        np.column_stack((circle.lon + dlon * np.cos(angles), circle.lat + dlat * np.sin(angles)))
    )


def _touched(shapes: areas.Area, regions: RegionIndex) -> set[str]:
    if shapes.is_empty:
        return set()
    outlines = [part.exact for part in shapes.polygons] + [_circle_outline(c) for c in shapes.circles]
    area = shapely.union_all(outlines)
    decided: dict[str, bool] = {}
    bounded = Region.objects.filter(path__startswith=regions.root, geometry__isnull=False)
    for code, geometry in bounded.values_list("code", "geometry"):
        boundary = shape(geometry)
        # Neighbouring boundaries share edges (and slivers ~50 m wide): a shape must reach ~100 m
        # inside a region to touch it, or a county-shaped area would touch all its neighbours.
        core = boundary.buffer(-TOUCH_DEPTH_DEGREES)
        decided[code] = bool(area.intersects(core if not core.is_empty else boundary))
    located = [code for code in regions.centroid if code not in decided]
    if located:
        lon = np.array([regions.centroid[code][0] for code in located])
        lat = np.array([regions.centroid[code][1] for code in located])
        for code, inside in zip(located, areas.points_in_area(lon, lat, shapes), strict=True):
            decided[code] = bool(inside)
    for code in sorted(regions.path, key=lambda c: len(regions.path[c])):  # parents first
        if code not in decided:
            parent = regions.parent(code)
            decided[code] = decided.get(parent, False) if parent else False
    return {code for code, touched in decided.items() if touched}


def target_area(warning: EarlyWarning) -> TargetArea:
    """The warning's area against the region tree around its issuing region, clipped to that region."""
    regions = RegionIndex.around(warning.region)
    issuer = warning.region.path
    within = {code for code, path in regions.path.items() if path.startswith(issuer)}
    shapes = areas.parse_shapes(warning.area_shapes or [])
    codes = [code for code in dict.fromkeys(warning.area_codes or []) if code in within]
    area_paths = [regions.path[code] for code in codes]
    inside = {code for code in within if any(regions.path[code].startswith(p) for p in area_paths)}
    containing = {
        ancestor for code in codes for ancestor in regioncodes.codes_in_path(regions.path[code])[:-1]
    }
    touched = _touched(shapes, regions) & within
    counties = {
        regions.county[code]
        for code in inside | touched
        if regions.level.get(regions.county[code]) == regioncodes.COUNTY
    }
    return TargetArea(shapes, regions, issuer, codes, inside, containing & within, touched, counties)


# Reading rows ------------------------------------------------------------------------------------


def _columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """The columns of `rows` (a comprehension per column: several times faster than zip(*rows))."""
    return [[row[column] for row in rows] for column in range(width)]


def _located_in(area: TargetArea, lon: np.ndarray, lat: np.ndarray, region: Sequence[str]) -> np.ndarray:
    """The located rule, for arrays of points with their regions (NaN coordinates: not located)."""
    located = ~(np.isnan(lon) | np.isnan(lat))
    result = np.zeros(len(lon), dtype=bool)
    if not area.shapes.is_empty and located.any():
        where = np.flatnonzero(located)
        result[where] = areas.points_in_area(lon[where], lat[where], area.shapes)
    by_region = np.fromiter((code in area.inside for code in region), dtype=bool, count=len(region))
    return result | by_region


def _located_or_regional(
    area: TargetArea, lon: np.ndarray, lat: np.ndarray, region: Sequence[str]
) -> np.ndarray:
    """The located rule where a row has coordinates, the regional rule where it has none."""
    regional = np.fromiter((area.overlaps(code) for code in region), dtype=bool, count=len(region))
    return np.where(np.isnan(lon) | np.isnan(lat), regional, _located_in(area, lon, lat, region))


class _Collector:
    def __init__(self, area: TargetArea, grid: population.LoadedGrid | None) -> None:
        self.area, self.grid, self.batches = area, grid, []  # type: ignore[var-annotated]

    def cells(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        if self.grid is None:
            return np.full(len(lon), -1, dtype=np.int32)
        return self.grid.grid.cell_of(lon, lat)

    def add(
        self,
        kind: str,
        ids: Sequence[int],
        channel: str | Sequence[str],
        address: Sequence[str],
        cell: np.ndarray,
        *,
        region: Sequence[str] = (),
        county: str | np.ndarray | None = None,
        unique: bool = False,
    ) -> None:
        """A batch of recipients: their county is `county` (one, or one each), or that of their `region`.

        `unique`: the batch holds each recipient once and no other batch has its kind, so `result`
        need not look for repeats in it (the subscribers: a fifth of a million rows).
        """
        if not len(ids):
            return
        if county is None:
            counties = self.area.regions.county
            county_codes = np.array([counties.get(code, code) for code in region], dtype="<U12")
        elif isinstance(county, np.ndarray):
            county_codes = county.astype("<U12")
        else:
            county_codes = np.full(len(ids), county, dtype="<U12")
        if isinstance(channel, str):
            channels = np.full(len(ids), CHANNEL_NUMBER[channel], dtype=np.int8)
        elif isinstance(channel, np.ndarray):
            channels = np.zeros(len(ids), dtype=np.int8)
            for name, number in CHANNEL_NUMBER.items():
                channels[channel == name] = number
        else:
            channels = np.array([CHANNEL_NUMBER[name] for name in channel], dtype=np.int8)
        self.batches.append(
            _Batch(
                kind,
                np.asarray(ids, dtype=np.int64),
                channels,
                address if isinstance(address, np.ndarray) else np.asarray(list(address), dtype=object),
                county_codes,
                np.asarray(cell, dtype=np.int32),
                unique,
            )
        )

    def result(self) -> Recipients:
        if not self.batches:
            return Recipients(
                np.array([], dtype="<U10"),
                np.array([], dtype=np.int64),
                np.array([], dtype="<U9"),
                np.array([], dtype=object),
                np.array([], dtype="<U12"),
                np.array([], dtype=np.int32),
            )
        ids = np.concatenate([b.ids for b in self.batches])
        kind_number = np.concatenate(
            [np.full(len(b.ids), KIND_NUMBER[b.kind], dtype=np.int64) for b in self.batches]
        )
        channel_number = np.concatenate([b.channel for b in self.batches]).astype(np.int64)
        # Repeats are looked for among the rows of batches that may have them; the first of each stays.
        kinds = [b.kind for b in self.batches]
        checked = np.concatenate(
            [np.full(len(b.ids), not (b.unique and kinds.count(b.kind) == 1)) for b in self.batches]
        )
        rows = np.flatnonzero(checked)
        key = ((kind_number[rows] * len(CHANNELS) + channel_number[rows]) << 53) | ids[rows]
        _, first = np.unique(key, return_index=True)
        keep = np.sort(np.concatenate([np.flatnonzero(~checked), rows[first]]))
        return Recipients(
            kind=KINDS[kind_number[keep]],
            recipient_id=ids[keep],
            channel=CHANNELS[channel_number[keep]],
            address=np.concatenate([b.address for b in self.batches])[keep],
            county_code=np.concatenate([b.county for b in self.batches])[keep],
            cell=np.concatenate([b.cell for b in self.batches])[keep],
        )


# The recipients ----------------------------------------------------------------------------------


def _subscribers(collect: _Collector, warning: EarlyWarning) -> None:
    """Subscribers wanting this level: by region (inside an area code; regional ones by overlap) and by
    location (exactly, in the shapes), decided on the process's snapshot of the table (subscribers.py)."""
    area, table = collect.area, subscribers.snapshot()
    if not len(table.ids):
        return
    codes = table.region_codes
    inside = np.fromiter((code in area.inside for code in codes), dtype=bool, count=len(codes))
    overlaps = np.fromiter((area.overlaps(code) for code in codes), dtype=bool, count=len(codes))
    within = np.fromiter((area.within_issuer(code) for code in codes), dtype=bool, count=len(codes))
    wanted = table.active & (table.level <= lifecycle.level_rank(warning.level)) & within[table.region]
    located = table.located
    chosen = wanted & (inside[table.region] | (~located & overlaps[table.region]))
    bounds = area.shapes.bounds
    if bounds is not None:
        west, south, east, north = bounds
        lon, lat = table.longitude, table.latitude
        with np.errstate(invalid="ignore"):
            boxed = np.flatnonzero(
                wanted & located & ~chosen & (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
            )
        if len(boxed):
            chosen[boxed[areas.points_in_area(lon[boxed], lat[boxed], area.shapes)]] = True
    rows = np.flatnonzero(chosen)
    county_of_code = np.array([area.regions.county.get(code, code) for code in codes], dtype="<U12")
    collect.add(
        SUBSCRIBER,
        table.ids[rows],
        np.where(table.app[rows], Delivery.APP, Delivery.SMS),
        table.address[rows],
        collect.cells(table.longitude[rows], table.latitude[rows]),
        county=county_of_code[table.region[rows]],
        unique=True,
    )


def _responders(collect: _Collector) -> None:
    rows = list(
        Responder.objects.filter(active=True, region__path__startswith=collect.area.issuer).values_list(
            "id", "phone", "region_id", "longitude", "latitude"
        )
    )
    ids, phone, region, lon_values, lat_values = _columns(rows, 5)
    lon, lat = np.array(lon_values, dtype=float), np.array(lat_values, dtype=float)
    keep = np.flatnonzero(_located_or_regional(collect.area, lon, lat, region))
    collect.add(
        RESPONDER,
        [ids[i] for i in keep],
        Delivery.SMS,
        [phone[i] for i in keep],
        collect.cells(lon[keep], lat[keep]),
        region=[region[i] for i in keep],
        unique=True,
    )


def _terminals(collect: _Collector) -> None:
    rows = list(
        BroadcastTerminal.objects.filter(
            active=True, region__path__startswith=collect.area.issuer
        ).values_list("id", "code", "region_id", "longitude", "latitude")
    )
    ids, code, region, lon_values, lat_values = _columns(rows, 5)
    lon, lat = np.array(lon_values, dtype=float), np.array(lat_values, dtype=float)
    keep = np.flatnonzero(_located_in(collect.area, lon, lat, region))
    collect.add(
        TERMINAL,
        [ids[i] for i in keep],
        Delivery.BROADCAST,
        [code[i] for i in keep],
        collect.cells(lon[keep], lat[keep]),
        region=[region[i] for i in keep],
        unique=True,
    )


def _add_users(collect: _Collector, users: list[tuple[int, str, str, str]], cells: Sequence[int]) -> None:
    """Users (id, username, phone, region) in the area: the inbox always, SMS where there is a phone."""
    if not users:
        return
    ids, usernames, phones, regions = _columns(users, 4)
    collect.add(USER, ids, Delivery.INBOX, usernames, np.asarray(cells), region=regions)
    with_phone = [i for i, phone in enumerate(phones) if phone]
    collect.add(
        USER,
        [ids[i] for i in with_phone],
        Delivery.SMS,
        [phones[i] for i in with_phone],
        np.asarray([cells[i] for i in with_phone]),
        region=[regions[i] for i in with_phone],
    )


def _users(collect: _Collector) -> None:
    area = collect.area
    regions = area.regions
    people = User.objects.filter(is_active=True, region__path__startswith=regions.root)
    county_paths = [regions.path[code] for code in area.counties]
    duty = []
    for user_id, username, phone, region in people.filter(role=roles.DUTY_OFFICER).values_list(
        "id", "username", "phone", "region_id"
    ):
        path = regions.path[region]
        above = regions.level[region] != regioncodes.PROVINCE and any(
            p.startswith(path) for p in county_paths
        )
        if above or any(path.startswith(p) for p in county_paths):
            duty.append((user_id, username, phone, region))
    _add_users(collect, duty, [-1] * len(duty))

    reporters = [
        row
        for row in people.filter(role=roles.DISASTER_REPORTER).values_list(
            "id", "username", "phone", "region_id"
        )
        if area.overlaps(row[3]) and area.within_issuer(row[3])
    ]
    _add_users(collect, reporters, [-1] * len(reporters))

    officers = list(
        people.filter(role=roles.ENTERPRISE_OFFICER, organization__isnull=False).values_list(
            "id", "username", "phone", "organization_id"
        )
    )
    enterprises = {
        organization: (region, lon, lat, phone)
        for organization, region, lon, lat, phone in Enterprise.objects.filter(
            organization_id__in={row[3] for row in officers}, region__path__startswith=area.issuer
        ).values_list("organization_id", "region_id", "longitude", "latitude", "safety_officer_phone")
    }
    officers = [row for row in officers if row[3] in enterprises]
    if not officers:
        return
    where = [enterprises[row[3]] for row in officers]
    lon = np.array([w[1] for w in where], dtype=float)
    lat = np.array([w[2] for w in where], dtype=float)
    region = [w[0] for w in where]
    keep = np.flatnonzero(_located_or_regional(area, lon, lat, region))
    _add_users(
        collect,
        [(officers[i][0], officers[i][1], officers[i][2] or where[i][3], region[i]) for i in keep],
        collect.cells(lon[keep], lat[keep]).tolist(),
    )


def resolve(warning: EarlyWarning) -> Recipients:
    """Every recipient × channel of the warning's area (see the module's rules), deduplicated."""
    area = target_area(warning)
    collect = _Collector(area, population.load_grid(warning.region))
    _users(collect)
    _responders(collect)
    _subscribers(collect, warning)
    _terminals(collect)
    return collect.result()
