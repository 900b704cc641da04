"""Production-safety accidents by 国务院令第493号 (生产安全事故报告和调查处理条例, 2007): the grade of
Art.3 and the reporting clocks of Art.9–11 and Art.13. Pure, no Django import.

Art.3: an accident takes the highest grade that any one of its three figures reaches ("以上" includes
the bound, "以下" excludes it). Art.9: the unit reports to the county within 1 hour of learning of
it; Art.10–11: each level above within 2 more hours (the city by +3 h for every grade, the province
by +5 h from 较大 up, the State Council's department by +7 h for 重大 and 特别重大); Art.13: changes of
the casualties are reported for 30 days after the accident (road traffic and fire: 7 days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from yingji.core.labels import gettext_noop

GENERAL = gettext_noop("一般")
LARGER = gettext_noop("较大")
MAJOR = gettext_noop("重大")
GRAVEST = gettext_noop("特别重大")
GRADES = (GENERAL, LARGER, MAJOR, GRAVEST)  # lowest first

# grade → (deaths, serious injuries, direct loss in CNY): the lower bounds ("以上", inclusive) of each grade.
THRESHOLDS: dict[str, tuple[int, int, int]] = {
    GRAVEST: (30, 100, 100_000_000),
    MAJOR: (10, 50, 50_000_000),
    LARGER: (3, 10, 10_000_000),
}
CRITERIA = ("deaths", "serious_injuries", "direct_loss_cny")

ROAD_TRAFFIC, FIRE, OTHER = "road_traffic", "fire", "other"
KINDS = (ROAD_TRAFFIC, FIRE, OTHER)
COUNTY_WITHIN = timedelta(hours=1)  # Art.9
LEVEL_WITHIN = timedelta(hours=2)  # Art.11, each level above
CASUALTY_DAYS = 30  # Art.13
CASUALTY_DAYS_SHORT = 7  # Art.13, road traffic and fire
BEIJING = timezone(timedelta(hours=8))
MAX_PEOPLE = 1_000_000
MAX_LOSS_CNY = 10**13


class AccidentRuleError(ValueError):
    """Input the regulation cannot grade or time (its message is "中文 / English"); `field` names it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Grading:
    """An accident's grade and which of its figures reach that grade."""

    grade: str
    by: tuple[str, ...]


@dataclass(frozen=True)
class ReportingClocks:
    """When each report up the chain is due (None where the grade does not reach that level)."""

    county_by: datetime
    city_by: datetime
    province_by: datetime | None
    national_by: datetime | None
    casualty_updates_until: datetime


def _whole(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise AccidentRuleError(f"{field} 须为整数 / {field} must be a whole number", field)
    if not 0 <= value <= MAX_PEOPLE:
        raise AccidentRuleError(
            f"{field} 须在 0 至 {MAX_PEOPLE} 之间 / {field} must be 0…{MAX_PEOPLE}", field
        )
    return value


def _amount(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AccidentRuleError(f"{field} 须为数字 / {field} must be a number", field)
    if not 0 <= value <= MAX_LOSS_CNY:  # also refuses NaN
        raise AccidentRuleError(
            f"{field} 须在 0 至 {MAX_LOSS_CNY} 之间 / {field} must be 0…{MAX_LOSS_CNY}", field
        )
    return float(value)


def _grade_of(value: float, column: int) -> str:
    for grade, bounds in THRESHOLDS.items():  # gravest first
        if value >= bounds[column]:
            return grade
    return GENERAL


def grade_accident(deaths: int, serious_injuries: int, direct_loss_cny: float) -> Grading:
    """The Art.3 grade: the highest that any one figure reaches, and the figures that reach it."""
    figures = (
        _whole(deaths, "deaths"),
        _whole(serious_injuries, "serious_injuries"),
        _amount(direct_loss_cny, "direct_loss_cny"),
    )
    grades = [_grade_of(value, column) for column, value in enumerate(figures)]
    grade = max(grades, key=GRADES.index)
    return Grading(grade, tuple(name for name, own in zip(CRITERIA, grades, strict=True) if own == grade))


def accident_grade(deaths: int, serious_injuries: int, direct_loss_cny: float) -> str:
    """一般, 较大, 重大 or 特别重大 (Art.3)."""
    return grade_accident(deaths, serious_injuries, direct_loss_cny).grade


def reaches(grade: str, lowest: str) -> bool:
    """Whether `grade` is `lowest` or graver."""
    return GRADES.index(grade) >= GRADES.index(lowest)


def reporting_clocks(
    grade: str, known_at: datetime, occurred_at: datetime, kind: str = OTHER
) -> ReportingClocks:
    """The deadlines of the reports up the chain, in Beijing time (+08:00)."""
    if grade not in GRADES:
        raise AccidentRuleError(f"未知的事故等级 {grade} / Unknown grade {grade}", "grade")
    if kind not in KINDS:
        raise AccidentRuleError(f"未知的事故类别 {kind} / Unknown kind {kind}", "kind")
    for field, moment in (("known_at", known_at), ("occurred_at", occurred_at)):
        if moment.utcoffset() is None:
            raise AccidentRuleError(
                f"{field} 缺少时区（如 +08:00） / {field} has no UTC offset (e.g. +08:00)", field
            )
    if known_at < occurred_at:
        raise AccidentRuleError("获知时间早于发生时间 / known_at is earlier than occurred_at", "known_at")
    known = known_at.astimezone(BEIJING)
    days = CASUALTY_DAYS_SHORT if kind in (ROAD_TRAFFIC, FIRE) else CASUALTY_DAYS
    return ReportingClocks(
        county_by=known + COUNTY_WITHIN,
        city_by=known + COUNTY_WITHIN + LEVEL_WITHIN,
        province_by=known + COUNTY_WITHIN + 2 * LEVEL_WITHIN if reaches(grade, LARGER) else None,
        national_by=known + COUNTY_WITHIN + 3 * LEVEL_WITHIN if reaches(grade, MAJOR) else None,
        casualty_updates_until=occurred_at.astimezone(BEIJING) + timedelta(days=days),
    )
