"""Counts of hidden hazards for the hazard dashboard and `GET /api/v1/hazards/stats`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count
from django.db.models.functions import Substr

from yingji.core.registry import counties_for
from yingji.enterprises.models import INDUSTRY_LABELS
from yingji.hazards import lifecycle
from yingji.hazards.models import MAJOR

PATH = "enterprise__region__path"
_COUNTY_START, _COUNTY_LENGTH = 15, 6  # the county code's place in a region path (core.registry)


@dataclass
class Tally:
    """Open, overdue (open and past the deadline) and closed hazards of one county, industry or month."""

    key: str
    label: str
    open: int = 0
    overdue: int = 0
    closed: int = 0

    @property
    def total(self) -> int:
        return self.open + self.closed


@dataclass
class Dashboard:
    """What the dashboard shows for hazards found in a period."""

    start: date
    end: date
    counties: list[Tally] = field(default_factory=list)
    industries: list[Tally] = field(default_factory=list)
    months: list[Tally] = field(default_factory=list)
    found: int = 0
    closed: int = 0
    open: int = 0
    overdue: int = 0
    major_open: int = 0
    listed_open: int = 0
    mean_days_to_close: float | None = None

    @property
    def rectification_rate(self) -> float | None:
        """Closed ÷ all found in the period (整改率), or None when none was found."""
        return self.closed / self.found if self.found else None


def _add(tally: Tally, status: str, overdue: bool, n: int) -> None:
    if status == lifecycle.CLOSED:
        tally.closed += n
    else:
        tally.open += n
        if overdue:
            tally.overdue += n


def _months(start: date, end: date) -> list[date]:
    months, current = [], date(start.year, start.month, 1)
    while current <= end:
        months.append(current)
        current = date(current.year + (current.month == 12), current.month % 12 + 1, 1)
    return months


def dashboard(hazards: Any, user: Any, start: date, end: date) -> Dashboard:
    """Tallies of `hazards` (already scoped) found between `start` and `end`, in a handful of queries."""
    found = hazards.filter(found_on__gte=start, found_on__lte=end).order_by()
    result = Dashboard(start=start, end=end)
    counties = {c.code: Tally(c.code, c.name) for c in counties_for(user).order_by("code")}
    rows = (
        found.annotate(county=Substr(PATH, _COUNTY_START, _COUNTY_LENGTH))
        .values_list("county", "status", "is_overdue")
        .annotate(n=Count("pk"))
    )
    for county, status, overdue, n in rows:
        tally = counties.setdefault(county, Tally(county, county))
        _add(tally, status, overdue, n)
        result.found += n
        if status == lifecycle.CLOSED:
            result.closed += n
        else:
            result.open += n
            result.overdue += n if overdue else 0
    result.counties = list(counties.values())
    industries: dict[str, Tally] = {}
    for industry, status, overdue, n in found.values_list(
        "enterprise__industry", "status", "is_overdue"
    ).annotate(n=Count("pk")):
        tally = industries.setdefault(industry, Tally(industry, INDUSTRY_LABELS.get(industry, industry)))
        _add(tally, status, overdue, n)
    result.industries = sorted(industries.values(), key=lambda t: -t.total)
    months = {
        m.strftime("%Y-%m"): Tally(m.strftime("%Y-%m"), m.strftime("%Y-%m")) for m in _months(start, end)
    }
    per_month: dict[tuple[str, str, bool], int] = defaultdict(int)
    for found_on, status, overdue in found.values_list("found_on", "status", "is_overdue"):
        per_month[(found_on.strftime("%Y-%m"), status, overdue)] += 1
    for (month, status, overdue), n in per_month.items():
        _add(months.setdefault(month, Tally(month, month)), status, overdue, n)
    result.months = sorted(months.values(), key=lambda t: t.key)
    open_found = found.filter(status__in=lifecycle.OPEN_STATES)
    result.major_open = open_found.filter(grade=MAJOR).count()
    result.listed_open = open_found.filter(listed_at__isnull=False).count()
    durations = [
        (closed_at - reported_at).total_seconds() / 86400
        for closed_at, reported_at in found.filter(
            status=lifecycle.CLOSED, closed_at__isnull=False
        ).values_list("closed_at", "reported_at")
    ]
    result.mean_days_to_close = round(sum(durations) / len(durations), 1) if durations else None
    return result
