"""Coverage API: a warning's coverage now, the monthly coverage per county against the 90 % target,
and the uncovered places as a map layer.

A warning's coverage is measured live (coverage.measure, well under a second); the monthly summary
adds up the measurements stored on the published warnings. Everyone sees only the counties of their
own region: a county sees its county's rows and places, of its own warnings and of the city's.
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from yingji.core.api_common import AUTH, FeatureCollectionOut, current_user, id_path, responses
from yingji.core.errors import InvalidInput
from yingji.geography import population
from yingji.warnings import coverage, services
from yingji.warnings.models import EarlyWarning

router = Router(auth=AUTH, tags=["warnings"])

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
# Unreached people per cell: upper bounds of each class, light → dark.
GAP_CLASSES = [(50, "#fcd9c4"), (200, "#f4a582"), (500, "#d6604d"), (float("inf"), "#9e1b32")]


class CountyCoverageOut(Schema):
    code: str
    name: str
    target: int = Field(description="目标区域人口 / people in the target area")
    reached: int = Field(description="已覆盖人口 / people reached")
    ratio: float | None = Field(description="覆盖率 0–1 / coverage 0–1")


class UncoveredOut(Schema):
    cell: int = Field(description="人口网格编号 / population grid cell")
    lon: float
    lat: float
    county: str
    people: int = Field(description="网格人口 / people in the cell")
    unreached: int = Field(description="未覆盖人口 / people not reached")


class CoverageOut(Schema):
    warning: int
    target: int
    reached: int
    ratio: float | None
    goal: float = Field(description="规划目标 / the plan's target (0.9)")
    counties: list[CountyCoverageOut]
    target_cells: int
    broadcast_cells: int = Field(description="应急广播覆盖的网格 / cells heard by a loudspeaker")
    uncovered_cells: int
    uncovered: list[UncoveredOut] = Field(description="未覆盖人口最多的网格 / most-unreached cells first")
    measured_at: datetime
    stored_at: datetime | None = Field(
        description="上次保存的测算时间 / when the stored measurement was made"
    )


class CoverageQuery(Schema):
    limit: int = Field(100, ge=0, le=1000, description="未覆盖网格条数 / uncovered places to list (≤ 1000)")


class SummaryRowOut(Schema):
    month: str
    county: str
    name: str
    warnings: int
    target: int
    reached: int
    ratio: float | None
    meets_goal: bool


class MonthOut(Schema):
    month: str
    target: int
    reached: int
    ratio: float | None
    meets_goal: bool


class SummaryOut(Schema):
    goal: float
    rows: list[SummaryRowOut] = Field(description="县 × 月 / per county and month")
    months: list[MonthOut] = Field(description="各月合计（可见的县）/ per month, the counties shown")


class SummaryQuery(Schema):
    month: str | None = Field(None, pattern=MONTH_PATTERN, description="YYYY-MM（北京时间 / Beijing time）")
    region: str | None = Field(None, max_length=12, description="县或市代码 / county or city code")


class GapsQuery(Schema):
    warning: int | None = Field(None, ge=1, le=2**53, description="预警编号 / warning id")
    month: str | None = Field(
        None, pattern=MONTH_PATTERN, description="YYYY-MM，当月全部预警 / all of a month"
    )
    region: str | None = Field(None, max_length=12, description="县或市代码 / county or city code")
    limit: int = Field(500, ge=1, le=1000)


def _viewer(request: HttpRequest) -> Any:
    user = current_user(request)
    services.require(services.may_view(user))
    return user


def measured_for(user: Any, warning: EarlyWarning, limit: int) -> dict[str, Any]:
    """The live measurement of a warning, narrowed to the counties the user may see."""
    mine = coverage.counties_in_view(user)
    measured = coverage.measure(warning, uncovered_limit=limit, counties_shown=mine)
    measured["counties"] = [
        {"code": code, **row} for code, row in measured["counties"].items() if code in mine
    ]
    measured["stored_at"] = warning.coverage_at
    return measured


@router.get(
    "/warnings/{int:warning_id}/coverage",
    response=responses(CoverageOut),
    summary="预警覆盖率 / A warning's coverage",
)
def warning_coverage(request: HttpRequest, query: Query[CoverageQuery], warning_id: int = id_path()) -> Any:
    user = _viewer(request)
    warning = EarlyWarning.objects.select_related("region").get_visible_or_404(user, pk=warning_id)
    return measured_for(user, warning, query.limit)


@router.get(
    "/warnings/coverage",
    response=responses(SummaryOut),
    summary="各县各月预警覆盖率 / Coverage per county and month",
)
def coverage_summary(request: HttpRequest, query: Query[SummaryQuery]) -> Any:
    return coverage.summary(_viewer(request), query.month, query.region)


def gap_color(unreached: float) -> str:
    return next(color for bound, color in GAP_CLASSES if unreached < bound)


def gap_legend() -> list[tuple[str, str]]:
    legend, lower = [], 0
    for bound, color in GAP_CLASSES:
        label = f"≥ {lower}" if bound == float("inf") else f"{lower}–{int(bound)}"
        legend.append((color, _("%(range)s 人未覆盖") % {"range": label}))
        lower = int(bound) if bound != float("inf") else lower
    return legend


def gap_features(places: list[dict[str, Any]], grid: Any, names: dict[str, str]) -> dict[str, Any]:
    """Uncovered cells as square GeoJSON polygons with their style and popup (core map.js draws them)."""
    features = []
    for place in places:
        lines = [
            _("未覆盖 %(n)s 人") % {"n": f"{place['unreached']:,}"},
            _("网格人口 %(n)s 人") % {"n": f"{place['people']:,}"},
            f"{names.get(place['county'], place['county'])} · {place['lon']:.3f}, {place['lat']:.3f}",
        ]
        if "warnings" in place:
            lines.append(_("%(n)s 次预警未覆盖") % {"n": place["warnings"]})
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [grid.cell_polygon(place["cell"])]},
                "properties": {
                    **place,
                    "label": None,
                    "popup": lines,
                    "url": None,
                    "style": {
                        "color": "#7a1f2b",
                        "weight": 0.5,
                        "fillColor": gap_color(place["unreached"]),
                        "fillOpacity": 0.8,
                    },
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


@router.get(
    "/map/warning-gaps",
    response=responses(FeatureCollectionOut),
    summary="预警未覆盖区域 / Uncovered places of a warning or a month",
)
def warning_gaps(request: HttpRequest, query: Query[GapsQuery]) -> Any:
    user = _viewer(request)
    if query.warning is not None:
        warning = EarlyWarning.objects.select_related("region").get_visible_or_404(user, pk=query.warning)
        places = measured_for(user, warning, query.limit)["uncovered"]
        loaded = population.load_grid(warning.region)
    elif query.month is not None:
        places = coverage.monthly_gaps(user, query.month, query.region)[: query.limit]
        loaded = population.load_grid(user.region)
    else:
        raise InvalidInput("请指定预警或月份 / Give a warning or a month", details={"field": "warning"})
    if loaded is None:
        return {"type": "FeatureCollection", "features": []}
    return gap_features(places, loaded.grid, coverage.counties_in_view(user))
