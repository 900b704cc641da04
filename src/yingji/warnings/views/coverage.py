"""The coverage page: per county and month against the plan's 90 % target, and the uncovered places.

Reads only: the monthly figures are the measurements stored on the published warnings
(coverage.summary); the map shows the uncovered cells of one warning (measured now) or of a whole
month (added up from the stored measurements), drawn by the coverage API's GeoJSON.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from yingji.core.api_common import current_user
from yingji.core.errors import DomainError, InvalidInput, NotFound
from yingji.warnings import coverage, services
from yingji.warnings.api.coverage import gap_legend, measured_for
from yingji.warnings.models import EarlyWarning

MONTHS_SHOWN = 12
PLACES_LISTED = 20


def _viewer(request: HttpRequest) -> Any:
    user = current_user(request)
    if not services.may_view(user):
        raise Http404
    return user


def _percent(ratio: float | None) -> float | None:
    return None if ratio is None else round(ratio * 100, 1)


def _chosen(request: HttpRequest, counties: dict[str, str]) -> tuple[str, str, int | None]:
    month = request.GET.get("month", "")
    region = request.GET.get("region", "")
    warning = request.GET.get("warning", "")
    try:
        month = coverage.month_bounds(month)[0].strftime("%Y-%m")
    except InvalidInput:
        month = ""
    number = int(warning) if warning.isascii() and warning.isdigit() else 0
    return month, region if region in counties else "", number if 0 < number < 2**53 else None


def _matrix(result: dict[str, Any], months: list[str]) -> list[dict[str, Any]]:
    """One row per county, one cell per month: the percentage and whether it meets the goal."""
    cells = {(row["county"], row["month"]): row for row in result["rows"]}
    table = []
    for code, name in result["counties"].items():
        row_cells = []
        for month in months:
            found = cells.get((code, month))
            row_cells.append(
                {
                    "percent": _percent(found["ratio"]) if found else None,
                    "met": bool(found and found["meets_goal"]),
                    "warnings": found["warnings"] if found else 0,
                }
            )
        if any(cell["warnings"] for cell in row_cells):
            table.append({"code": code, "name": name, "cells": row_cells})
    return table


def _month_warnings(user: Any, month: str) -> list[dict[str, Any]]:
    """The warnings the user sees that were published in `month`, with their stored coverage."""
    start, end = coverage.month_bounds(month)
    found = (
        EarlyWarning.objects.visible_to(user)
        .filter(published_at__gte=start, published_at__lt=end)
        .exclude(msg_type=EarlyWarning.CANCEL)
        .select_related("warning_type", "region")
        .order_by("-published_at", "-id")
    )
    return [
        {
            "warning": warning,
            "percent": _percent((warning.coverage or {}).get("ratio")),
            "met": (warning.coverage or {}).get("ratio") is not None
            and warning.coverage["ratio"] >= coverage.goal(),
        }
        for warning in found
    ]


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Coverage per county × month against the goal, with the uncovered places of a warning or month."""
    user = _viewer(request)
    counties = coverage.counties_in_view(user)
    month, region, warning_id = _chosen(request, counties)
    result = coverage.summary(user, None, region or None)
    months = [row["month"] for row in result["months"]][-MONTHS_SHOWN:]
    month = month or (months[-1] if months else timezone.localtime().strftime("%Y-%m"))
    this_month = next((row for row in result["months"] if row["month"] == month), None)
    selected, selected_percent, places = None, None, []
    gaps_query: dict[str, Any]
    if warning_id is not None:
        try:
            selected = EarlyWarning.objects.select_related("region", "warning_type").get_visible_or_404(
                user, pk=warning_id
            )
            measured = measured_for(user, selected, PLACES_LISTED)
            places = measured["uncovered"]
            selected_percent = _percent(measured["ratio"])
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            messages.error(request, error.page_message)
        gaps_query = {"warning": warning_id}
    else:
        places = coverage.monthly_gaps(user, month, region or None)[:PLACES_LISTED]
        gaps_query = {"month": month, **({"region": region} if region else {})}
    places = [
        {
            **place,
            "county_name": counties.get(place["county"], place["county"]),
            "unreached_text": f"{place['unreached']:,}",
        }
        for place in places
    ]
    county_bars = [
        {"name": row["name"], "percent": _percent(row["ratio"]), "warnings": row["warnings"]}
        for row in result["rows"]
        if row["month"] == month
    ]
    config = {
        "counties_url": reverse("warnings_public:counties"),
        "gaps_url": f"{reverse('api:warning_gaps')}?{urlencode(gaps_query)}",
        "goal": round(coverage.goal() * 100),
        "county_bars": county_bars,
        "month_line": [
            {"month": row["month"], "percent": _percent(row["ratio"])} for row in result["months"]
        ],
        "labels": {"coverage": _("覆盖率"), "goal": _("规划目标")},
    }
    return render(
        request,
        "warnings/coverage.html",
        {
            "goal_percent": round(coverage.goal() * 100),
            "months": months,
            "month": month,
            "region": region,
            "counties": counties,
            "this_month": this_month,
            "this_month_percent": _percent(this_month["ratio"]) if this_month else None,
            "month_target": f"{this_month['target']:,}" if this_month else "",
            "month_reached": f"{this_month['reached']:,}" if this_month else "",
            "matrix": _matrix(result, months),
            "month_warnings": _month_warnings(user, month),
            "selected": selected,
            "selected_percent": selected_percent,
            "places": places,
            "legend": gap_legend(),
            "config": config,
        },
    )
