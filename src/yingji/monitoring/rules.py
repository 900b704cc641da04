"""Which limits and window criteria apply to a sensor: its own rule, else its kind's, else the code's default.

Threshold rules are rows (one per sensor, or a default per kind that the city edits); a kind with no
row falls back to `sensortypes`. Window criteria belong to an issuing region: a sensor is graded by
the nearest region above it that has rules for its kind, and rainfall without any by the national
rainstorm signal criteria.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection

from yingji.core import regioncodes
from yingji.monitoring import rainsignal
from yingji.monitoring.models import ReadingMinute, Sensor, ThresholdRule, WindowRule
from yingji.monitoring.queries import in_chunks
from yingji.monitoring.sensortypes import KIND_BY_KEY, LEVEL_NAMES

# A rule row's limits, in the order of `limits_from_rows`.
LIMIT_FIELDS = ThresholdRule.HIGH_FIELDS + ThresholdRule.LOW_FIELDS + ("rate_per_minute", "rate_level")


@dataclass
class LimitTable:
    """Limits per sensor position: high and low (n, 4) with NaN where unused, and the rate rule."""

    high: np.ndarray
    low: np.ndarray
    rate_limit: np.ndarray
    rate_level: np.ndarray


def _nan(value: float | None) -> float:
    return np.nan if value is None else value


def kind_default_row(kind: str) -> tuple[float | None, ...]:
    """A kind's limits as in a rule row, from the code's table (used until the city saves its own)."""
    default = KIND_BY_KEY[kind]
    return (*default.high, *default.low, default.rate_per_minute, default.rate_level)


def limits_for(sensor_ids: Sequence[int], kinds: Sequence[str]) -> LimitTable:
    """The limits of each sensor, in order: its own rule, else its kind's row, else the code's default."""
    table_name = ThresholdRule._meta.db_table
    columns = ", ".join(LIMIT_FIELDS)
    own: dict[int, tuple] = {}
    by_kind: dict[str, tuple] = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT kind, {columns} FROM {table_name} WHERE sensor_id IS NULL")
        by_kind = {row[0]: tuple(row[1:]) for row in cursor.fetchall()}
        for chunk in in_chunks(list(sensor_ids)):
            cursor.execute(
                f"SELECT sensor_id, {columns} FROM {table_name} "
                f"WHERE sensor_id IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )
            own.update((row[0], tuple(row[1:])) for row in cursor.fetchall())
    return limits_from_rows(
        [own.get(sensor_id) or by_kind.get(kind) for sensor_id, kind in zip(sensor_ids, kinds, strict=True)],
        kinds,
    )


def limits_from_rows(rows: Sequence[Sequence[float | None] | None], kinds: Sequence[str]) -> LimitTable:
    """The limit table from each sensor's rule row (LIMIT_FIELDS in order), None where it has no rule row."""
    table = np.array(  # None becomes NaN
        [row if row is not None else kind_default_row(kind) for row, kind in zip(rows, kinds, strict=True)],
        dtype=np.float64,
    ).reshape(len(kinds), 10)
    return LimitTable(
        high=np.ascontiguousarray(table[:, 0:4]),
        low=np.ascontiguousarray(table[:, 4:8]),
        rate_limit=np.ascontiguousarray(table[:, 8]),
        rate_level=np.nan_to_num(table[:, 9], nan=2).astype(np.int64),
    )


# Graded by window rules even where no region has any: the national rainstorm criteria.
ALWAYS_WINDOWED = "rainfall"


def kinds_with_window_rules() -> set[str]:
    """Sensor kinds graded by window rules: rainfall always (national criteria), and any with region rows."""
    return {ALWAYS_WINDOWED, *WindowRule.objects.values_list("kind", flat=True).distinct()}


def criteria_with_source(path: str, kind: str) -> tuple[str, tuple[rainsignal.WindowCriterion, ...], str]:
    """Aggregate, criteria and issuing region's code ("national" for the default) for `kind` at `path`.

    The nearest region on the path (a region's materialized path) with rules for `kind` wins.
    """
    rules = list(
        WindowRule.objects.filter(kind=kind, region__code__in=regioncodes.codes_in_path(path)).values_list(
            "region__path", "region_id", "aggregate", "level", "window_h", "threshold"
        )
    )
    if rules:
        nearest = max(rules, key=lambda rule: len(rule[0]))[0]
        chosen = [rule for rule in rules if rule[0] == nearest]
        criteria = rainsignal.criteria_from_rows(
            (LEVEL_NAMES[level], window_h, threshold) for *_, level, window_h, threshold in chosen
        )
        return chosen[0][2], criteria, chosen[0][1]
    if kind == ALWAYS_WINDOWED:
        return WindowRule.SUM, rainsignal.NATIONAL_RAINSTORM_CRITERIA, "national"
    return WindowRule.SUM, (), "national"


def window_criteria_for(sensor_id: int) -> tuple[str, tuple[rainsignal.WindowCriterion, ...]]:
    """Aggregate and criteria that grade a sensor under window rules (none for most kinds)."""
    kind, path = Sensor.objects.filter(pk=sensor_id).values_list("kind", "region__path").get()
    aggregate, criteria, _ = criteria_with_source(path, kind)
    return aggregate, criteria


def window_totals(
    sensor_id: int, at_ms: int, windows_h: Sequence[int], aggregate: str = "sum"
) -> dict[int, float]:
    """Sum (or mean) of readings over each window of hours ending at `at_ms`, from the minute aggregates."""
    end_minute = at_ms // 60_000
    longest = max(windows_h)
    rows = np.array(
        ReadingMinute.objects.filter(
            sensor_id=sensor_id, minute__gt=end_minute - longest * 60, minute__lte=end_minute
        ).values_list("minute", "total", "count"),
        dtype=np.float64,
    ).reshape(-1, 3)
    totals = {}
    for hours in windows_h:
        inside = rows[:, 0] > end_minute - hours * 60
        amount, count = rows[inside, 1].sum(), rows[inside, 2].sum()
        value = amount if aggregate == WindowRule.SUM else (amount / count if count else 0.0)
        totals[hours] = round(float(value), 2)
    return totals
