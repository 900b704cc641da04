"""国务院令第493号 Art.3 grades at every threshold (以上 inclusive, 以下 exclusive); the reporting clocks."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from yingji.command import gb493
from yingji.command.gb493 import (
    GENERAL,
    GRAVEST,
    LARGER,
    MAJOR,
    accident_grade,
    grade_accident,
    reporting_clocks,
)

# (figure, just below, at) for each threshold: deaths, serious injuries, direct loss in CNY.
THRESHOLDS = [
    ("deaths", 3, LARGER),
    ("deaths", 10, MAJOR),
    ("deaths", 30, GRAVEST),
    ("serious_injuries", 10, LARGER),
    ("serious_injuries", 50, MAJOR),
    ("serious_injuries", 100, GRAVEST),
    ("direct_loss_cny", 10_000_000, LARGER),
    ("direct_loss_cny", 50_000_000, MAJOR),
    ("direct_loss_cny", 100_000_000, GRAVEST),
]
BELOW = {LARGER: GENERAL, MAJOR: LARGER, GRAVEST: MAJOR}


def figures(**one: float) -> dict[str, float]:
    return {"deaths": 0, "serious_injuries": 0, "direct_loss_cny": 0, **one}


@pytest.mark.parametrize(("figure", "bound", "grade"), THRESHOLDS)
def test_each_bound_belongs_to_the_grade_above_it(figure: str, bound: int, grade: str) -> None:
    assert accident_grade(**figures(**{figure: bound})) == grade


@pytest.mark.parametrize(("figure", "bound", "grade"), THRESHOLDS)
def test_just_below_each_bound_is_the_grade_below(figure: str, bound: int, grade: str) -> None:
    below = bound - 0.01 if figure == "direct_loss_cny" else bound - 1
    assert accident_grade(**figures(**{figure: below})) == BELOW[grade]


def test_nothing_is_a_general_accident() -> None:
    assert grade_accident(0, 0, 0) == gb493.Grading(
        GENERAL, ("deaths", "serious_injuries", "direct_loss_cny")
    )


def test_any_one_criterion_decides_and_the_answer_names_it() -> None:
    assert grade_accident(2, 9, 60_000_000) == gb493.Grading(MAJOR, ("direct_loss_cny",))
    assert grade_accident(31, 0, 0).grade == GRAVEST
    assert grade_accident(3, 10, 9_999_999).by == ("deaths", "serious_injuries")


@pytest.mark.parametrize("value", [True, 1.5, "3", -1, None])
def test_deaths_must_be_a_non_negative_whole_number(value: object) -> None:
    with pytest.raises(gb493.AccidentRuleError) as refused:
        accident_grade(value, 0, 0)  # type: ignore[arg-type]
    assert refused.value.field == "deaths"


@pytest.mark.parametrize("value", [True, "1000", -0.5, float("nan")])
def test_the_loss_must_be_a_non_negative_number(value: object) -> None:
    with pytest.raises(gb493.AccidentRuleError):
        accident_grade(0, 0, value)  # type: ignore[arg-type]


KNOWN = datetime(2026, 11, 29, 9, 30, tzinfo=timezone(timedelta(hours=8)))
OCCURRED = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)  # 09:00 in Beijing


def test_a_general_accident_goes_to_the_county_and_the_city_only() -> None:
    clocks = reporting_clocks(GENERAL, KNOWN, OCCURRED, "other")
    assert clocks.county_by.isoformat() == "2026-11-29T10:30:00+08:00"
    assert clocks.city_by.isoformat() == "2026-11-29T12:30:00+08:00"
    assert (clocks.province_by, clocks.national_by) == (None, None)
    assert clocks.casualty_updates_until.isoformat() == "2026-12-29T09:00:00+08:00"


def test_from_larger_up_the_province_and_from_major_up_the_state_council() -> None:
    assert reporting_clocks(LARGER, KNOWN, OCCURRED).province_by.isoformat() == "2026-11-29T14:30:00+08:00"
    assert reporting_clocks(LARGER, KNOWN, OCCURRED).national_by is None
    for grade in (MAJOR, GRAVEST):
        clocks = reporting_clocks(grade, KNOWN, OCCURRED)
        assert clocks.province_by.isoformat() == "2026-11-29T14:30:00+08:00"
        assert clocks.national_by.isoformat() == "2026-11-29T16:30:00+08:00"


@pytest.mark.parametrize(("kind", "days"), [("road_traffic", 7), ("fire", 7), ("other", 30)])
def test_casualty_updates_run_seven_days_for_road_traffic_and_fire(kind: str, days: int) -> None:
    clocks = reporting_clocks(GENERAL, KNOWN, OCCURRED, kind)
    assert clocks.casualty_updates_until == OCCURRED + timedelta(days=days)
    assert clocks.casualty_updates_until.utcoffset() == timedelta(hours=8)


def test_times_in_another_offset_are_answered_in_beijing_time() -> None:
    known = datetime(2026, 11, 29, 1, 30, tzinfo=UTC)
    assert reporting_clocks(GENERAL, known, OCCURRED).county_by.isoformat() == "2026-11-29T10:30:00+08:00"


def test_a_time_without_offset_or_known_before_it_happened_is_refused() -> None:
    with pytest.raises(gb493.AccidentRuleError):
        reporting_clocks(GENERAL, KNOWN.replace(tzinfo=None), OCCURRED)
    with pytest.raises(gb493.AccidentRuleError):
        reporting_clocks(GENERAL, OCCURRED - timedelta(minutes=1), OCCURRED)
    with pytest.raises(gb493.AccidentRuleError):
        reporting_clocks("严重", KNOWN, OCCURRED)
