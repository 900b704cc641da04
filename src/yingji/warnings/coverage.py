"""Warning coverage: the share of the target area's people that at least one channel reached.

Measured on the population grid (population.py), cell by cell:

- **Target cells**: the cells of the issuing region whose centre lies in a shape
  (`areas.area_mask`), and the cells of the area codes: for a county (or the city) every cell of
  the counties inside it; for a township or village its boundary if the data has one, else its
  centroid's cell, else the grid's own place for it (the township's zone, the village's settlement
  cell).
- **Reached people of a cell**: all its people if a broadcast terminal whose delivery was confirmed
  (`delivered`) covers the cell's centre with its audible radius; otherwise the number of distinct
  people whose SMS or app message was delivered and whose location lies in the cell, at most the
  cell's people. Each person counts once, however many channels reached them: a cell under a
  loudspeaker is reached whole and its SMS add nothing. Recipients without a location (regional
  subscriptions, users) reached someone, but not a place, and are not counted.
- **Coverage** = reached ÷ target population, for the area and per county; the uncovered cells
  (target cells with people not reached) in order of unreached people are where to add loudspeakers
  or subscriptions. `summary` adds warnings up per county and month, population-weighted, against
  the plan's target (`WARNINGS_COVERAGE_TARGET`, 90 %).

The worker's check "warning_coverage" measures again the recent warnings whose messages were
delivered since their last measurement (by the outbox's drain or by receipts).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Count, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.utils import timezone

from yingji.core import datebounds, jobs, regioncodes
from yingji.core.errors import Conflict, DomainError, InvalidInput
from yingji.core.models import Region
from yingji.core.scoping import scope_for
from yingji.geography import areas, population
from yingji.geography.models import PopulationGrid
from yingji.messaging.models import Delivery
from yingji.warnings import targeting
from yingji.warnings.models import BroadcastTerminal, EarlyWarning

log = logging.getLogger(__name__)

STORED_UNCOVERED = 200  # uncovered cells kept with the stored measurement (for the monthly map)
DEFAULT_GOAL = 0.9
SMALL_LEVELS = (regioncodes.TOWNSHIP, regioncodes.VILLAGE)
HEARD_CELLS_AT_ONCE = 2_000_000  # terminal × nearby-cell distances computed in one numpy pass
STALE_WINDOW = timedelta(days=7)  # receipts for older warnings no longer move their coverage


def goal() -> float:
    """The plan's coverage target (settings WARNINGS_COVERAGE_TARGET, default 90 %)."""
    return float(getattr(settings, "WARNINGS_COVERAGE_TARGET", DEFAULT_GOAL))


def _persons(value: float) -> int:
    return int(np.rint(value))


def _ratio(reached: float, target: float) -> float | None:
    return round(reached / target, 4) if target > 0 else None


def target_cells(warning: EarlyWarning, loaded: population.LoadedGrid) -> np.ndarray:
    """Which cells of the grid the warning's area covers (flat bool array), never past the issuing
    region: a shape reaching over the boundary (within the tolerance) targets no one beyond it."""
    issuer_counties = set(
        Region.objects.filter(code__in=loaded.county_codes, path__startswith=warning.region.path).values_list(
            "code", flat=True
        )
    )
    return _area_cells(warning, loaded) & loaded.cells_of_counties(issuer_counties)


def _area_cells(warning: EarlyWarning, loaded: population.LoadedGrid) -> np.ndarray:
    grid = loaded.grid
    mask = np.zeros(grid.size, dtype=bool)
    shapes = areas.parse_shapes(warning.area_shapes or [])
    if not shapes.is_empty:
        mask |= areas.area_mask(grid, shapes).ravel()
    codes = list(dict.fromkeys(warning.area_codes or []))
    rows = Region.objects.filter(code__in=codes).values_list(
        "code", "level", "path", "centroid_lon", "centroid_lat"
    )
    small = {code: (level, lon, lat) for code, level, _, lon, lat in rows if level in SMALL_LEVELS}
    large = [path for code, level, path, _, _ in rows if code not in small]
    if large:
        county_paths = Region.objects.filter(code__in=loaded.county_codes).values_list("code", "path")
        inside = {code for code, path in county_paths if any(path.startswith(p) for p in large)}
        mask |= np.isin(
            loaded.county_index, [n for n, code in enumerate(loaded.county_codes) if code in inside]
        )
    boundaries = dict(
        Region.objects.filter(code__in=small, geometry__isnull=False).values_list("code", "geometry")
    )
    for code, (level, lon, lat) in small.items():
        if code in boundaries:
            mask |= areas.area_mask(grid, [boundaries[code]]).ravel()
        elif lon is not None and lat is not None:
            cell = int(grid.cell_of(lon, lat))
            if cell >= 0:
                mask[cell] = True
        elif level == regioncodes.TOWNSHIP:
            mask |= loaded.township_index == loaded.township_number(code)
        elif loaded.village_cells.get(code, -1) >= 0:
            mask[loaded.village_cells[code]] = True
    return mask


def _heard_cells(grid: areas.Grid, lon: np.ndarray, lat: np.ndarray, radius_km: np.ndarray) -> np.ndarray:
    """The cells whose centre lies within some terminal's audible radius (flat bool array)."""
    heard = np.zeros(grid.size, dtype=bool)
    if not len(lon):
        return heard
    cell_km = areas.KM_PER_DEGREE * min(grid.cell_lat, grid.cell_lon * np.cos(np.radians(grid.north)))
    reach = int(np.ceil(radius_km.max() / cell_km)) + 1
    offsets = np.arange(-reach, reach + 1)
    # Each terminal looks at the (2·reach+1)² cells around its own; a bounded number of terminals at once.
    chunk = max(1, HEARD_CELLS_AT_ONCE // len(offsets) ** 2)
    for start in range(0, len(lon), chunk):
        x, y, radius = (
            lon[start : start + chunk],
            lat[start : start + chunk],
            radius_km[start : start + chunk],
        )
        row = (
            np.floor((y - grid.south) / grid.cell_lat).astype(np.int64)[:, None, None]
            + offsets[None, :, None]
        )
        col = (
            np.floor((x - grid.west) / grid.cell_lon).astype(np.int64)[:, None, None] + offsets[None, None, :]
        )
        row, col = np.broadcast_arrays(row, col)
        centre_lon = grid.west + (col + 0.5) * grid.cell_lon
        centre_lat = grid.south + (row + 0.5) * grid.cell_lat
        distance = areas.haversine_km(x[:, None, None], y[:, None, None], centre_lon, centre_lat)
        on_grid = (row >= 0) & (row < grid.rows) & (col >= 0) & (col < grid.cols)
        heard[(row * grid.cols + col)[on_grid & (distance <= radius[:, None, None])]] = True
    return heard


def _messaged_people(warning: EarlyWarning, size: int) -> np.ndarray:
    """People per cell whose SMS or app message was delivered (by the cell of their location).

    A row is a person: targeting gives each recipient at most one of SMS and app (its tests hold it
    to that), so rows are counted and nobody twice. Read with one GROUP BY over the warning's rows.
    """
    counts = (
        Delivery.objects.about(warning)
        .filter(
            status=Delivery.DELIVERED,
            channel__in=(Delivery.SMS, Delivery.APP),
            cell__gte=0,
            cell__lt=size,
        )
        .order_by()
        .values("cell")
        .annotate(people=Count("id"))
        .values_list("cell", "people")
    )
    messaged = np.zeros(size, dtype=np.float64)
    for cell, people in counts:
        messaged[cell] = people
    return messaged


def _delivered_terminals(warning: EarlyWarning) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the loudspeakers that confirmed the warning stand, and their audible radius in km."""
    delivered = (
        Delivery.objects.about(warning)
        .filter(status=Delivery.DELIVERED, channel=Delivery.BROADCAST, recipient_kind=targeting.TERMINAL)
        .values("recipient_id")
    )
    rows = list(
        BroadcastTerminal.objects.filter(id__in=delivered).values_list(
            "longitude", "latitude", "audible_radius_m"
        )
    )
    if not rows:
        return np.empty(0), np.empty(0), np.empty(0)
    lon, lat, radius = (np.array(column, dtype=float) for column in zip(*rows, strict=True))
    return lon, lat, radius / 1000


def measure(
    warning: EarlyWarning, uncovered_limit: int = 100, counties_shown: Collection[str] | None = None
) -> dict[str, Any]:
    """The warning's coverage now: totals, per county, and the most-unreached uncovered cells.

    `counties_shown` narrows the uncovered cells listed to those counties (the totals stay whole).
    """
    loaded = population.load_grid(warning.region)
    if loaded is None:
        raise Conflict(
            "尚未生成人口网格，无法计算覆盖率（yingji population-grid build）/ No population grid: "
            "run yingji population-grid build",
        )
    grid = loaded.grid
    target = target_cells(warning, loaded)
    people = loaded.people.astype(np.float64)
    heard = _heard_cells(grid, *_delivered_terminals(warning))
    reached = np.where(heard, people, np.minimum(people, _messaged_people(warning, grid.size)))
    reached[~target] = 0
    counted = target & (loaded.county_index >= 0)
    county_target = np.bincount(
        loaded.county_index[counted], weights=people[counted], minlength=len(loaded.county_codes)
    )
    county_reached = np.bincount(
        loaded.county_index[counted], weights=reached[counted], minlength=len(loaded.county_codes)
    )
    names = dict(Region.objects.filter(code__in=loaded.county_codes).values_list("code", "name"))
    counties = {
        code: {
            "name": names.get(code, code),
            "target": _persons(county_target[number]),
            "reached": _persons(county_reached[number]),
            "ratio": _ratio(county_reached[number], county_target[number]),
        }
        for number, code in enumerate(loaded.county_codes)
        if county_target[number] > 0
    }
    unreached = np.where(counted, people - reached, 0)
    if counties_shown is not None:
        shown = [number for number, code in enumerate(loaded.county_codes) if code in counties_shown]
        unreached[~np.isin(loaded.county_index, shown)] = 0
    gaps = np.flatnonzero(unreached >= 0.5)
    gaps = gaps[np.argsort(-unreached[gaps], kind="stable")]
    total_target, total_reached = float(people[counted].sum()), float(reached[counted].sum())
    return {
        "warning": warning.pk,
        "target": _persons(total_target),
        "reached": _persons(total_reached),
        "ratio": _ratio(total_reached, total_target),
        "goal": goal(),
        "counties": counties,
        "target_cells": int(counted.sum()),
        "broadcast_cells": int((heard & counted).sum()),
        "uncovered_cells": len(gaps),
        "uncovered": uncovered_places(loaded, gaps[:uncovered_limit], people, unreached),
        "grid": {"region": loaded.region_code, "built_at": loaded.built_at.isoformat(), "cells": grid.size},
        "measured_at": timezone.now().isoformat(),
    }


def uncovered_places(
    loaded: population.LoadedGrid, cells: np.ndarray, people: np.ndarray, unreached: np.ndarray
) -> list[dict[str, Any]]:
    lon, lat = loaded.grid.centre_of(cells)
    return [
        {
            "cell": int(cell),
            "lon": round(float(x), 5),
            "lat": round(float(y), 5),
            "county": loaded.county_codes[loaded.county_index[cell]],
            "people": _persons(people[cell]),
            "unreached": _persons(unreached[cell]),
        }
        for cell, x, y in zip(cells, lon, lat, strict=True)
    ]


def refresh(warning: EarlyWarning, now: datetime | None = None) -> dict[str, Any]:
    """Measure the warning and store the result on it (`coverage`, `coverage_at`)."""
    measured = measure(warning, uncovered_limit=STORED_UNCOVERED)
    warning.coverage = measured
    warning.coverage_at = now or timezone.now()
    EarlyWarning.objects.filter(pk=warning.pk).update(coverage=measured, coverage_at=warning.coverage_at)
    return measured


@jobs.periodic_check("warning_coverage")
def refresh_stale_coverage(now: datetime) -> int:
    """Measure again the coverage of recent warnings with deliveries newer than their last measurement.

    Deliveries are confirmed by the drain and by receipts arriving through the API at any rate; the
    worker's pass measures each warning at most once, after both (the outbox's check runs first).
    Without a population grid there is nothing to measure against (`yingji population-grid build`),
    and nothing is done.
    """
    if not PopulationGrid.objects.exists():
        return 0
    delivered = Delivery.objects.filter(
        message__object_type=EarlyWarning._meta.label_lower,
        message__object_id=Cast(OuterRef("pk"), CharField()),
        delivered_at__isnull=False,
    )
    stale = EarlyWarning.objects.filter(published_at__gte=now - STALE_WINDOW).filter(
        (Q(coverage_at__isnull=True) & Exists(delivered))
        | Exists(delivered.filter(delivered_at__gt=OuterRef("coverage_at")))
    )
    refreshed = 0
    for warning in stale.select_related("region"):
        try:
            with transaction.atomic():
                refresh(warning, now)
        except DomainError as error:  # one warning that cannot be measured does not stop the others
            log.warning("coverage of warning %s not measured: %s", warning.pk, error.message)
            continue
        refreshed += 1
    return refreshed


# Per county and month -----------------------------------------------------------------------------


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The start and end of a month 'YYYY-MM' in Beijing time (core/datebounds.py's years); else a 400."""
    try:
        start = datetime.strptime(month, "%Y-%m")
    except ValueError:
        raise InvalidInput("月份格式应为 YYYY-MM / month is YYYY-MM", details={"field": "month"}) from None
    datebounds.require_in_range(start, "month")
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    zone = timezone.get_default_timezone()
    return timezone.make_aware(start, zone), timezone.make_aware(end, zone)


def counties_in_view(user: Any, region_code: str | None = None) -> dict[str, str]:
    """The county codes (→ names) whose coverage the user may see, narrowed to `region_code`."""
    scope = scope_for(user)
    if scope.region_path is None or scope.organization_id is not None:
        return {}
    counties = Region.objects.filter(level=regioncodes.COUNTY)
    if region_code:
        region = Region.objects.filter(code=region_code).first()
        if region is None:
            raise InvalidInput(
                f"未知的行政区划代码 {region_code} / Unknown region code {region_code}",
                details={"field": "region"},
            )
        counties = counties.filter(path__startswith=region.path)
    within = counties.filter(path__startswith=scope.region_path)
    return dict(within.order_by("code").values_list("code", "name"))


def published_measured(
    user: Any, month: str | None = None, region_code: str | None = None
) -> tuple[Any, dict[str, str]]:
    """The published warnings (not Cancel messages) with a stored measurement, and the visible counties."""
    counties = counties_in_view(user, region_code)
    warnings = EarlyWarning.objects.filter(published_at__isnull=False, coverage__isnull=False).exclude(
        msg_type=EarlyWarning.CANCEL
    )
    if month:
        start, end = month_bounds(month)
        warnings = warnings.filter(published_at__gte=start, published_at__lt=end)
    return warnings, counties


def summary(user: Any, month: str | None = None, region_code: str | None = None) -> dict[str, Any]:
    """Population-weighted coverage per county and month of the warnings published, against the goal.

    Every published version with a stored measurement counts (an update reached people again), each
    in the month it was published (Beijing time), in every county its area covers. A county user
    sees their county's rows, whoever issued the warnings.
    """
    warnings, counties = published_measured(user, month, region_code)
    target: dict[tuple[str, str], float] = defaultdict(float)
    reached: dict[tuple[str, str], float] = defaultdict(float)
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for published_at, measured in warnings.values_list("published_at", "coverage"):
        when = timezone.localtime(published_at).strftime("%Y-%m")
        for code, row in (measured.get("counties") or {}).items():
            if code in counties:
                target[when, code] += row["target"]
                reached[when, code] += row["reached"]
                seen[when, code] += 1
    aim = goal()
    rows: list[dict[str, Any]] = []
    for when, code in sorted(seen):
        ratio = _ratio(reached[when, code], target[when, code])
        rows.append(
            {
                "month": when,
                "county": code,
                "name": counties[code],
                "warnings": seen[when, code],
                "target": _persons(target[when, code]),
                "reached": _persons(reached[when, code]),
                "ratio": ratio,
                "meets_goal": ratio is not None and ratio >= aim,
            }
        )
    months = []
    for when in sorted({row["month"] for row in rows}):
        mine = [row for row in rows if row["month"] == when]
        month_target = sum(row["target"] for row in mine)
        month_reached = sum(row["reached"] for row in mine)
        ratio = _ratio(month_reached, month_target)
        months.append(
            {
                "month": when,
                "target": month_target,
                "reached": month_reached,
                "ratio": ratio,
                "meets_goal": ratio is not None and ratio >= aim,
            }
        )
    return {"goal": aim, "counties": counties, "rows": rows, "months": months}


def monthly_gaps(user: Any, month: str, region_code: str | None = None) -> list[dict[str, Any]]:
    """The month's uncovered places added up over its warnings (stored measurements), most people first."""
    warnings, counties = published_measured(user, month, region_code)
    places: dict[int, dict[str, Any]] = {}
    for measured in warnings.values_list("coverage", flat=True):
        for place in measured.get("uncovered") or []:
            if place["county"] not in counties:
                continue
            found = places.setdefault(place["cell"], {**place, "unreached": 0, "warnings": 0})
            found["unreached"] += place["unreached"]
            found["warnings"] += 1
    return sorted(places.values(), key=lambda place: (-place["unreached"], place["cell"]))
