"""Reads that pages, the API and the map share: a sensor's series for a chart, open alarms per object."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from yingji.monitoring.models import Reading, ReadingMinute, Sensor

T = TypeVar("T")
# Values per `IN (…)` list: well under SQLite's limit of 32,766 parameters a statement.
IN_CHUNK = 5000


def in_chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """`values` in slices small enough for one `IN (…)` list each."""
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


# Up to this span a chart shows every raw reading; beyond it, per-minute aggregates. Raw readings are
# keyed (time, sensor) (decision 0013), so one sensor's hour is a scan of everyone's hour: keep it short.
RAW_SPAN_MS = 3600 * 1000
MAX_SPAN_MS = 31 * 24 * 3600 * 1000
MAX_POINTS = 20_000


@dataclass(frozen=True)
class Series:
    """Points of a sensor over a period: (epoch ms, value[, min, max]) at raw or per-minute resolution."""

    resolution: str  # "raw" or "minute"
    points: list[tuple[Any, ...]]


def series(sensor: Sensor, start_ms: int, end_ms: int) -> Series:
    """A sensor's readings between two instants, raw for spans up to 1 h, else minute mean/min/max."""
    if end_ms - start_ms <= RAW_SPAN_MS:
        rows = (
            Reading.objects.filter(sensor_id=sensor.pk, ts__gte=start_ms, ts__lte=end_ms)
            .order_by("ts")
            .values_list("ts", "value")[:MAX_POINTS]
        )
        points: list[tuple[Any, ...]] = [(ts, value) for ts, value in rows]
        if points:
            return Series("raw", points)
        # Raw readings past their retention are gone; the minutes remain.
    minutes = (
        ReadingMinute.objects.filter(
            sensor_id=sensor.pk, minute__gte=start_ms // 60_000, minute__lte=end_ms // 60_000
        )
        .order_by("minute")
        .values_list("minute", "total", "count", "minimum", "maximum")[:MAX_POINTS]
    )
    return Series(
        "minute",
        [(minute * 60_000, total / count, low, high) for minute, total, count, low, high in minutes],
    )
