"""Grading a batch of readings against limits, in numpy: one pass for the whole batch, no loop per reading.

Pure (numpy only). The pipeline gathers, for each reading, its sensor's four high and four low limits
(NaN where unused) and gets back a level 0–4 per reading; the rate rule compares each reading with
the one before it from the same sensor. Limits are inclusive: a reading equal to a limit reaches it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
LevelArray = npt.NDArray[np.int8]

_RANKS = np.arange(1, 5, dtype=np.int8)


def grade_thresholds(values: FloatArray, high: FloatArray, low: FloatArray) -> LevelArray:
    """Level of each reading: the highest k (1–4) with value ≥ high[k] or value ≤ low[k], else 0.

    `values` has shape (n,); `high` and `low` have shape (n, 4), NaN where a level has no limit.
    """
    column = values[:, None]
    with np.errstate(invalid="ignore"):
        reached = (column >= high) | (column <= low)
    return np.where(reached, _RANKS, np.int8(0)).max(axis=1, initial=0).astype(np.int8)


def group_starts(sorted_keys: IntArray) -> IntArray:
    """Indexes where a new key begins in an array sorted by key."""
    if sorted_keys.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])


def grade_rates(
    sensor: IntArray,
    ts_ms: IntArray,
    values: FloatArray,
    previous_ts_ms: IntArray,
    previous_values: FloatArray,
    limit_per_minute: FloatArray,
    rate_level: IntArray,
) -> LevelArray:
    """Level of each reading under the rate rule: |Δvalue| per minute since the sensor's previous reading.

    Arrays are per reading and sorted by (sensor, ts). The first reading of a sensor in the batch is
    compared with `previous_*` (the last stored reading; ts −1 when there is none). Readings whose
    limit is NaN, or with no earlier reading, get 0. A gap shorter than a minute counts as a minute:
    a sensor polled every second would otherwise turn its last digit's jitter into a steep rate, so a
    change within a minute fires only when the change itself reaches the per-minute limit.
    """
    n = values.size
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    before_ts = np.empty(n, dtype=np.int64)
    before_value = np.empty(n, dtype=np.float64)
    before_ts[1:], before_value[1:] = ts_ms[:-1], values[:-1]
    starts = group_starts(sensor)
    before_ts[starts], before_value[starts] = previous_ts_ms[starts], previous_values[starts]
    elapsed_min = (ts_ms - before_ts) / 60_000.0
    valid = (before_ts >= 0) & (elapsed_min > 0) & ~np.isnan(limit_per_minute)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.abs(values - before_value) / np.maximum(np.where(valid, elapsed_min, 1.0), 1.0)
        fired = valid & (rate >= limit_per_minute)
    return np.where(fired, rate_level, 0).astype(np.int8)
