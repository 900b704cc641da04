"""暴雨预警信号: which rainstorm signal (blue → red) a rainfall series reaches, by trailing-window totals.

Pure (numpy only, no Django). A criterion is data — a level, a window in hours and a threshold in mm —
so an issuing region can store its local variant next to the national one. A window of h hours ending at
t holds the readings with t − h < ts ≤ t; each reading is the rainfall of the interval that ends at its
timestamp. Windows are evaluated ending at every reading, with cumulative sums and `searchsorted`, so a
series of 100 000 readings takes milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

LEVELS = ("blue", "yellow", "orange", "red")
LEVEL_RANK = {"blue": 1, "yellow": 2, "orange": 3, "red": 4}
SIGNAL_LABELS = {
    "blue": "暴雨蓝色预警信号",
    "yellow": "暴雨黄色预警信号",
    "orange": "暴雨橙色预警信号",
    "red": "暴雨红色预警信号",
}
MIN_WINDOW_H = 1
MAX_WINDOW_H = 72

# Totals are rounded to 0.01 mm before they are compared with a threshold. Decimal millimetres are not
# exact in binary floating point: 0.05 added 1000 times is 49.9999999999993, which would miss a 50 mm
# threshold the rain did reach (0.1 added 500 times overshoots to 50.00000000000044). A difference of two
# cumulative sums also carries the rounding error of every addition before it (at most n·ε·Σmm, about
# 0.001 mm for 100 000 readings of 1000 mm). Gauges resolve 0.1 mm, so 0.01 mm loses nothing real and
# absorbs those errors: 50.00 mm over 3 h is orange, 49.99 mm is not.
TOTAL_DECIMALS = 2

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_SECONDS_PER_HOUR = 3600
_MICROSECONDS_PER_HOUR = _SECONDS_PER_HOUR * 1_000_000


class RainSignalError(ValueError):
    """A reading series or criterion the rule cannot use; the message is in Chinese and English."""


def _check_window(window_h: object) -> None:
    if (
        isinstance(window_h, bool)
        or not isinstance(window_h, int)
        or not MIN_WINDOW_H <= window_h <= MAX_WINDOW_H
    ):
        raise RainSignalError(
            f"统计时段必须是 {MIN_WINDOW_H}–{MAX_WINDOW_H} 小时的整数，而不是 {window_h!r} / "
            f"The window must be a whole number of hours from {MIN_WINDOW_H} to {MAX_WINDOW_H}, "
            f"not {window_h!r}"
        )


@dataclass(frozen=True)
class WindowCriterion:
    """A signal level is reached when the rainfall of `window_h` hours is at least `threshold_mm`."""

    level: str
    window_h: int
    threshold_mm: float

    def __post_init__(self) -> None:
        if self.level not in LEVEL_RANK:
            raise RainSignalError(
                f"预警级别必须是 {'、'.join(LEVELS)} 之一，而不是 {self.level!r} / "
                f"The level must be one of {', '.join(LEVELS)}, not {self.level!r}"
            )
        _check_window(self.window_h)
        threshold = self.threshold_mm
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not math.isfinite(threshold)
            or threshold <= 0
        ):
            raise RainSignalError(
                f"雨量阈值必须是大于 0 的有限数字，而不是 {threshold!r} / "
                f"The threshold must be a finite number of mm above 0, not {threshold!r}"
            )


# The national criteria: shared/domain/STANDARDS.md §6, 气象灾害预警信号发布与传播办法 (CMA Order No.16,
# 2007), annex, 暴雨 row — blue 12 h ≥ 50 mm, yellow 6 h ≥ 50 mm, orange 3 h ≥ 50 mm, red 3 h ≥ 100 mm.
# Provinces and cities issue signals under local variants (Beijing grades on 1 h and 3 h totals), so the
# criteria an issuing region uses are stored per region and passed in; these are only the default.
NATIONAL_RAINSTORM_CRITERIA: tuple[WindowCriterion, ...] = (
    WindowCriterion("blue", 12, 50.0),
    WindowCriterion("yellow", 6, 50.0),
    WindowCriterion("orange", 3, 50.0),
    WindowCriterion("red", 3, 100.0),
)


@dataclass(frozen=True)
class RainReading:
    """Rainfall in mm in the interval ending at `ts` (an aware datetime)."""

    ts: datetime
    mm: float


@dataclass(frozen=True)
class SignalResult:
    """The highest level a series reached, and the window, total and end time where it first did.

    `level` None means no criterion was met; every other field is then None too.
    """

    level: str | None
    window_h: int | None
    total_mm: float | None
    at: datetime | None


NO_SIGNAL = SignalResult(level=None, window_h=None, total_mm=None, at=None)


def _as_threshold(value: object) -> float:
    if not isinstance(value, bool):
        try:
            return float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            pass
    raise RainSignalError(
        f"雨量阈值必须是数字，而不是 {value!r} / The threshold must be a number, not {value!r}"
    )


def criteria_from_rows(rows: Iterable[tuple[str, int, float]]) -> tuple[WindowCriterion, ...]:
    """Criteria from stored `(level, window_h, threshold_mm)` rows, checked; a bad row raises.

    A threshold stored as a Decimal is taken as its float value.
    """
    criteria = tuple(
        WindowCriterion(level, window_h, _as_threshold(threshold_mm))
        for level, window_h, threshold_mm in rows
    )
    if not criteria:
        raise RainSignalError("至少需要一条预警标准 / At least one criterion is needed")
    seen: set[tuple[str, int]] = set()
    for criterion in criteria:
        key = (criterion.level, criterion.window_h)
        if key in seen:
            raise RainSignalError(
                f"{criterion.level} 级 {criterion.window_h} 小时的标准重复 / "
                f"The {criterion.level} criterion for {criterion.window_h} h is given twice"
            )
        seen.add(key)
    return criteria


def _round_totals(totals: FloatArray) -> FloatArray:
    # Adding 0.0 turns the −0.0 that a cancelled difference can round to into 0.0.
    rounded: FloatArray = np.round(totals, TOTAL_DECIMALS) + 0.0
    return rounded


def _trailing_sums(sorted_ts: IntArray | FloatArray, mm: FloatArray, span: int) -> FloatArray:
    """Sum of `mm` over ts − span < ts' ≤ ts, at each of the strictly increasing `sorted_ts`."""
    cumulative = np.concatenate(([0.0], np.cumsum(mm, dtype=np.float64)))
    first_inside = np.searchsorted(sorted_ts, sorted_ts - span, side="right")
    return _round_totals(cumulative[1:] - cumulative[first_inside])


def window_totals(ts_epoch_s: IntArray | FloatArray, mm: FloatArray, window_h: int) -> FloatArray:
    """The rainfall of the `window_h` hours ending at each reading, rounded to 0.01 mm.

    `ts_epoch_s` are the readings' end times in seconds since the epoch, strictly increasing; `mm` the
    rainfall of each interval (finite, ≥ 0). Element i sums the readings with
    ts[i] − window_h·3600 < ts ≤ ts[i].
    """
    _check_window(window_h)
    values = np.asarray(mm, dtype=np.float64)
    if ts_epoch_s.ndim != 1 or ts_epoch_s.shape != values.shape:
        raise RainSignalError(
            "时间与雨量必须是等长的一维数组 / "
            "Timestamps and rainfall amounts must be 1-D arrays of the same length"
        )
    if ts_epoch_s.size > 1 and not bool(np.all(np.diff(ts_epoch_s) > 0)):
        raise RainSignalError(
            "时间必须严格递增 / Timestamps must be strictly increasing (sorted, without duplicates)"
        )
    if not bool(np.all(np.isfinite(values) & (values >= 0))):
        raise RainSignalError("雨量必须是非负有限数字 / Rainfall amounts must be finite numbers ≥ 0")
    return _trailing_sums(ts_epoch_s, values, window_h * _SECONDS_PER_HOUR)


def _pick(candidates: Iterable[tuple[WindowCriterion, int]]) -> tuple[WindowCriterion, int] | None:
    """The highest level met; within it the earliest position, then the shorter window."""
    best: tuple[WindowCriterion, int] | None = None
    for criterion, position in candidates:
        if best is None:
            best = (criterion, position)
            continue
        best_criterion, best_position = best
        rank, best_rank = LEVEL_RANK[criterion.level], LEVEL_RANK[best_criterion.level]
        if (rank, -position, -criterion.window_h) > (best_rank, -best_position, -best_criterion.window_h):
            best = (criterion, position)
    return best


def grade_totals(
    totals_by_window: Mapping[int, float],
    criteria: Sequence[WindowCriterion] = NATIONAL_RAINSTORM_CRITERIA,
) -> tuple[str | None, int | None, float | None]:
    """The highest level the totals of the windows ending now meet: `(level, window_h, total_mm)`.

    Every window a criterion names must be in `totals_by_window`; `(None, None, None)` when none is met.
    """
    rounded: dict[int, float] = {}
    for window_h in {criterion.window_h for criterion in criteria}:
        if window_h not in totals_by_window:
            raise RainSignalError(
                f"缺少 {window_h} 小时雨量 / The total of the {window_h} h window is missing"
            )
        total = round(float(totals_by_window[window_h]), TOTAL_DECIMALS) + 0.0
        if not math.isfinite(total) or total < 0:
            raise RainSignalError(
                f"{window_h} 小时雨量必须是非负有限数字，而不是 {total} / "
                f"The {window_h} h total must be a finite number ≥ 0, not {total}"
            )
        rounded[window_h] = total
    best = _pick((c, 0) for c in criteria if rounded[c.window_h] >= c.threshold_mm)
    if best is None:
        return None, None, None
    criterion = best[0]
    return criterion.level, criterion.window_h, rounded[criterion.window_h]


def _sorted_series(readings: Sequence[RainReading]) -> tuple[IntArray, FloatArray, IntArray]:
    """End times in integer microseconds (exact at window edges), amounts, and the sorting order."""
    micros = np.empty(len(readings), dtype=np.int64)
    for index, reading in enumerate(readings):
        if reading.ts.tzinfo is None or reading.ts.utcoffset() is None:
            when = reading.ts.isoformat()
            raise RainSignalError(f"时间 {when} 缺少时区 / The time {when} has no UTC offset")
        micros[index] = (reading.ts - _EPOCH) // _MICROSECOND
    try:
        mm = np.array([reading.mm for reading in readings], dtype=np.float64)
    except (TypeError, ValueError):
        raise RainSignalError("雨量必须是数字 / Rainfall amounts must be numbers") from None
    bad = np.flatnonzero(~np.isfinite(mm) | (mm < 0))
    if bad.size:
        reading = readings[int(bad[0])]
        raise RainSignalError(
            f"{reading.ts.isoformat()} 的雨量 {reading.mm} 无效，须为非负有限数字 / "
            f"The rainfall at {reading.ts.isoformat()} is {reading.mm}; it must be a finite number ≥ 0"
        )
    order = np.argsort(micros, kind="stable")
    sorted_micros = micros[order]
    repeated = np.flatnonzero(sorted_micros[1:] == sorted_micros[:-1])
    if repeated.size:
        first, second = readings[int(order[repeated[0]])], readings[int(order[repeated[0] + 1])]
        raise RainSignalError(
            f"时间重复：{first.ts.isoformat()} 与 {second.ts.isoformat()} 是同一时刻 / "
            f"Duplicate timestamp: {first.ts.isoformat()} and {second.ts.isoformat()} are the same instant"
        )
    return sorted_micros, mm[order], order


def highest_signal(
    readings: Sequence[RainReading],
    criteria: Sequence[WindowCriterion] = NATIONAL_RAINSTORM_CRITERIA,
) -> SignalResult:
    """The highest signal level the series reaches under `criteria`, and where it first did.

    Readings may come in any order; a repeated instant, a naive time, or a negative or non-finite
    amount raises `RainSignalError`. Among criteria of the top level, the one met first wins, and at
    the same time the shorter window.
    """
    if not readings:
        return NO_SIGNAL
    micros, mm, order = _sorted_series(readings)
    totals = {
        window_h: _trailing_sums(micros, mm, window_h * _MICROSECONDS_PER_HOUR)
        for window_h in {criterion.window_h for criterion in criteria}
    }
    candidates = []
    for criterion in criteria:
        met = totals[criterion.window_h] >= criterion.threshold_mm
        if met.any():
            candidates.append((criterion, int(np.argmax(met))))
    best = _pick(candidates)
    if best is None:
        return NO_SIGNAL
    criterion, position = best
    return SignalResult(
        level=criterion.level,
        window_h=criterion.window_h,
        total_mm=float(totals[criterion.window_h][position]),
        at=readings[int(order[position])].ts,
    )
