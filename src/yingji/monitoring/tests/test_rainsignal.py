"""The rainstorm signal rule: each level's boundary, the window edges, local variants and bad series."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pytest

from yingji.monitoring.rainsignal import (
    LEVEL_RANK,
    LEVELS,
    NATIONAL_RAINSTORM_CRITERIA,
    NO_SIGNAL,
    RainReading,
    RainSignalError,
    SignalResult,
    WindowCriterion,
    criteria_from_rows,
    grade_totals,
    highest_signal,
    window_totals,
)

BEIJING_TIME = timezone(timedelta(hours=8))
START = datetime(2027, 7, 1, 8, 0, tzinfo=BEIJING_TIME)

# Beijing grades on 1 h and 3 h totals (STANDARDS.md §6): red 1 h ≥ 60 or 3 h ≥ 100; blue 1 h ≥ 20,
# 3 h ≥ 30 or 12 h ≥ 50. Only the rows the standards file gives are used here.
BEIJING_LIKE = criteria_from_rows(
    [("blue", 1, 20), ("blue", 3, 30), ("blue", 12, 50), ("red", 1, 60), ("red", 3, 100)]
)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def hourly(*amounts: float) -> list[RainReading]:
    """One reading per hour, the first ending at 09:00."""
    return [RainReading(at(60 * (i + 1)), amount) for i, amount in enumerate(amounts)]


def spread(total: float, hours: int) -> list[RainReading]:
    """`total` mm in equal hourly readings over `hours` hours."""
    return hourly(*[total / hours] * hours)


# The criteria ----------------------------------------------------------------------------------


def test_the_national_criteria_are_the_cma_annex_rows() -> None:
    rows = [(c.level, c.window_h, c.threshold_mm) for c in NATIONAL_RAINSTORM_CRITERIA]
    assert rows == [("blue", 12, 50.0), ("yellow", 6, 50.0), ("orange", 3, 50.0), ("red", 3, 100.0)]
    assert LEVELS == ("blue", "yellow", "orange", "red")
    assert [LEVEL_RANK[level] for level in LEVELS] == [1, 2, 3, 4]


def test_criteria_from_rows_takes_decimals_from_the_database() -> None:
    (criterion,) = criteria_from_rows([("red", 1, Decimal("60.0"))])  # type: ignore[list-item]
    assert criterion == WindowCriterion("red", 1, 60.0)


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ([("purple", 3, 50)], "purple"),
        ([("red", 0, 50)], "window"),
        ([("red", 73, 50)], "window"),
        ([("red", True, 50)], "window"),
        ([("red", 1.5, 50)], "window"),
        ([("red", 3, 0)], "threshold"),
        ([("red", 3, -1)], "threshold"),
        ([("red", 3, math.nan)], "threshold"),
        ([("red", 3, math.inf)], "threshold"),
        ([("red", 3, "many")], "threshold"),
        ([("red", 3, 100), ("red", 3, 90)], "given twice"),
        ([], "At least one"),
    ],
)
def test_criteria_from_rows_refuses_a_bad_row(rows: list[tuple[str, int, float]], words: str) -> None:
    with pytest.raises(RainSignalError) as error:
        criteria_from_rows(rows)
    assert words in str(error.value) and " / " in str(error.value)


# Each level's boundary -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "hours", "expected"),
    [
        (50.00, 12, ("blue", 12, 50.0, 12)),
        (49.99, 12, (None, None, None, None)),
        (50.00, 6, ("yellow", 6, 50.0, 6)),
        (49.99, 6, (None, None, None, None)),
        (50.00, 3, ("orange", 3, 50.0, 3)),
        (49.99, 3, (None, None, None, None)),
        (100.00, 3, ("red", 3, 100.0, 3)),
        (99.99, 3, ("orange", 3, 66.66, 2)),  # orange was first reached after two of the three hours
    ],
)
def test_each_level_starts_exactly_at_its_threshold(
    total: float, hours: int, expected: tuple[str | None, int | None, float | None, int | None]
) -> None:
    level, window_h, total_mm, hours_until_reached = expected
    result = highest_signal(spread(total, hours))
    reached_at = None if hours_until_reached is None else at(60 * hours_until_reached)
    assert (result.level, result.window_h, result.total_mm, result.at) == (
        level,
        window_h,
        total_mm,
        reached_at,
    )


def test_no_level_means_every_field_is_none() -> None:
    assert highest_signal(hourly(10, 10)) == SignalResult(None, None, None, None) == NO_SIGNAL


# The window rule: t − h < ts ≤ t ----------------------------------------------------------------


def test_a_reading_exactly_h_hours_before_the_end_is_outside_the_window() -> None:
    readings = [RainReading(at(0), 30.0), RainReading(at(180), 20.0)]
    result = highest_signal(readings)
    assert (result.level, result.window_h, result.total_mm, result.at) == ("yellow", 6, 50.0, at(180))


def test_a_reading_one_microsecond_inside_the_window_counts() -> None:
    readings = [RainReading(at(0) + timedelta(microseconds=1), 30.0), RainReading(at(180), 20.0)]
    result = highest_signal(readings)
    assert (result.level, result.window_h, result.total_mm, result.at) == ("orange", 3, 50.0, at(180))


def test_the_window_edge_holds_across_offsets() -> None:
    in_utc = at(0).astimezone(UTC)  # 00:00Z is 08:00+08:00: still exactly 3 h before the end
    result = highest_signal([RainReading(in_utc, 30.0), RainReading(at(180), 20.0)])
    assert (result.level, result.window_h) == ("yellow", 6)


def test_window_totals_sum_the_trailing_hours_at_each_reading() -> None:
    ts = np.array([0, 3600, 7200, 10800, 10801], dtype=np.int64)
    mm = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert window_totals(ts, mm, 3).tolist() == [1.0, 3.0, 6.0, 9.0, 14.0]
    assert window_totals(ts, mm, 1).tolist() == [1.0, 2.0, 3.0, 4.0, 9.0]
    assert window_totals(ts.astype(np.float64), mm, 3).tolist() == [1.0, 3.0, 6.0, 9.0, 14.0]
    assert window_totals(np.zeros(0, dtype=np.int64), np.zeros(0), 3).tolist() == []


@pytest.mark.parametrize(
    ("ts", "mm", "window_h", "words"),
    [
        ([0, 7200, 3600], [1.0, 1.0, 1.0], 3, "increasing"),
        ([0, 3600, 3600], [1.0, 1.0, 1.0], 3, "increasing"),
        ([0, 3600], [1.0], 3, "same length"),
        ([0, 3600], [1.0, -0.5], 3, "≥ 0"),
        ([0, 3600], [1.0, math.nan], 3, "≥ 0"),
        ([0, 3600], [1.0, 1.0], 0, "window"),
        ([0, 3600], [1.0, 1.0], 100, "window"),
    ],
)
def test_window_totals_refuse_what_they_cannot_sum(
    ts: list[int], mm: list[float], window_h: int, words: str
) -> None:
    with pytest.raises(RainSignalError, match=words):
        window_totals(np.array(ts, dtype=np.int64), np.array(mm), window_h)


def test_window_totals_agree_with_a_plain_sum_over_irregular_readings() -> None:
    rng = np.random.default_rng(20270701)
    ts = np.cumsum(rng.integers(1, 1800, size=400)).astype(np.int64)
    mm = np.round(rng.exponential(2.0, size=400), 1)
    for window_h in (1, 3, 6, 12, 24):
        span = window_h * 3600
        expected = [round(float(mm[(ts > t - span) & (ts <= t)].sum()), 2) for t in ts]
        assert window_totals(ts, mm, window_h).tolist() == pytest.approx(expected, abs=1e-9)


# Worked examples ------------------------------------------------------------------------------


def test_five_minute_readings_summing_to_61_mm_in_3_hours_are_orange() -> None:
    # 08:05–10:00 at 1.0 mm (24 mm), 10:05–10:55 at 2.0 mm (22 mm), then a 15 mm burst at 11:00.
    amounts = [1.0] * 24 + [2.0] * 11 + [15.0]
    readings = [RainReading(at(5 * (i + 1)), mm) for i, mm in enumerate(amounts)]
    assert sum(amounts) == 61.0
    result = highest_signal(readings)
    assert result == SignalResult("orange", 3, 61.0, at(180))
    assert result.at is not None and result.at.isoformat() == "2027-07-01T11:00:00+08:00"


def test_the_total_is_the_windows_when_the_level_was_first_reached() -> None:
    readings = [RainReading(at(5 * (i + 1)), 2.0) for i in range(36)]  # 72 mm by 11:00
    result = highest_signal(readings)
    assert (result.level, result.window_h, result.total_mm, result.at) == ("orange", 3, 50.0, at(125))


def test_a_storm_that_reaches_100_mm_in_3_hours_is_red() -> None:
    result = highest_signal(hourly(40.0, 35.0, 25.0, 5.0))
    assert result == SignalResult("red", 3, 100.0, at(180))


def test_50_mm_over_11_hours_is_blue_on_the_12_hour_window() -> None:
    readings = spread(50.0, 11)
    assert sum(r.mm for r in readings) != 50.0  # 11 × 50/11 is not exactly 50 in floating point
    result = highest_signal(readings)
    assert result == SignalResult("blue", 12, 50.0, at(11 * 60))


def test_floating_sums_do_not_miss_a_threshold_the_rain_reached() -> None:
    # 0.05 mm every 10 s for 10 000 s (< 3 h): the float sum is 49.9999999999993.
    readings = [RainReading(at(i / 6), 0.05) for i in range(1, 1001)]
    assert sum(r.mm for r in readings) < 50.0
    result = highest_signal(readings)
    assert (result.level, result.window_h, result.total_mm) == ("orange", 3, 50.0)
    assert highest_signal([RainReading(at(i / 6), 0.1) for i in range(1, 501)]).total_mm == 50.0


# A local variant (Beijing-like) -----------------------------------------------------------------


def test_a_local_variant_grades_one_hour_of_heavy_rain() -> None:
    assert highest_signal(hourly(25.0), BEIJING_LIKE) == SignalResult("blue", 1, 25.0, at(60))
    assert highest_signal(hourly(25.0)) == NO_SIGNAL
    assert highest_signal(hourly(60.0), BEIJING_LIKE) == SignalResult("red", 1, 60.0, at(60))
    assert highest_signal(hourly(60.0)).level == "orange"


def test_of_two_criteria_of_the_top_level_the_one_met_first_is_reported() -> None:
    result = highest_signal(hourly(35.0, 35.0, 30.0, 65.0), BEIJING_LIKE)
    assert result == SignalResult("red", 3, 100.0, at(180))  # 1 h ≥ 60 only came an hour later


def test_criteria_met_at_the_same_time_report_the_shorter_window() -> None:
    assert highest_signal(hourly(100.0), BEIJING_LIKE) == SignalResult("red", 1, 100.0, at(60))
    assert highest_signal(hourly(10.0, 10.0, 10.0), BEIJING_LIKE) == SignalResult("blue", 3, 30.0, at(180))


# Series the rule refuses, or reads in any order ------------------------------------------------


def test_unsorted_readings_give_the_same_answer() -> None:
    readings = hourly(40.0, 35.0, 25.0, 5.0)
    shuffled = [readings[2], readings[0], readings[3], readings[1]]
    assert highest_signal(shuffled) == highest_signal(readings) == SignalResult("red", 3, 100.0, at(180))


def test_an_empty_series_has_no_signal() -> None:
    assert highest_signal([]) == NO_SIGNAL


def test_a_duplicate_timestamp_is_an_error_in_both_languages() -> None:
    readings = [*hourly(10.0, 20.0), RainReading(at(60), 5.0)]
    with pytest.raises(RainSignalError) as error:
        highest_signal(readings)
    message = str(error.value)
    assert "时间重复" in message and "Duplicate timestamp" in message
    assert "2027-07-01T09:00:00+08:00" in message


def test_the_same_instant_in_another_offset_is_a_duplicate() -> None:
    readings = [RainReading(at(60), 10.0), RainReading(at(60).astimezone(UTC), 10.0)]
    with pytest.raises(RainSignalError, match="same instant"):
        highest_signal(readings)


@pytest.mark.parametrize("mm", [-0.1, math.nan, math.inf, -math.inf])
def test_a_negative_or_non_finite_amount_is_an_error(mm: float) -> None:
    with pytest.raises(RainSignalError, match="finite number ≥ 0"):
        highest_signal([*hourly(10.0), RainReading(at(120), mm)])


def test_a_time_without_offset_is_an_error() -> None:
    with pytest.raises(RainSignalError, match="no UTC offset"):
        highest_signal([RainReading(datetime(2027, 7, 1, 9, 0), 10.0)])


def test_100k_readings_are_graded_without_a_loop_per_window() -> None:
    rng = np.random.default_rng(7)
    amounts = rng.exponential(0.05, size=100_000)
    amounts[50_000:50_036] = 3.0  # 108 mm within 3 h, in 5-minute readings
    readings = [RainReading(at(i), float(mm)) for i, mm in enumerate(amounts)]
    started = time.perf_counter()
    result = highest_signal(readings)
    elapsed = time.perf_counter() - started
    assert result.level == "red" and result.window_h == 3
    assert elapsed < 2.0, f"{elapsed:.2f} s"


# Grading totals that end now -------------------------------------------------------------------


def test_grade_totals_gives_the_highest_level_its_window_and_total() -> None:
    assert grade_totals({3: 61.0, 6: 61.0, 12: 70.0}) == ("orange", 3, 61.0)
    assert grade_totals({3: 20.0, 6: 30.0, 12: 49.99}) == (None, None, None)
    assert grade_totals({3: 49.999999999, 6: 49.999999999, 12: 49.999999999}) == ("orange", 3, 50.0)


def test_grade_totals_prefers_the_shorter_window_within_a_level() -> None:
    totals = {1: 70.0, 3: 120.0, 12: 130.0}
    assert grade_totals(totals, BEIJING_LIKE) == ("red", 1, 70.0)


@pytest.mark.parametrize(
    ("totals", "words"),
    [({3: 10.0, 6: 10.0}, "12 h window is missing"), ({3: -1.0, 6: 0.0, 12: 0.0}, "≥ 0")],
)
def test_grade_totals_refuses_missing_or_negative_totals(totals: dict[int, float], words: str) -> None:
    with pytest.raises(RainSignalError, match=words):
        grade_totals(totals)
