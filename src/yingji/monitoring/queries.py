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


# What a chart spans -------------------------------------------------------------------------------

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
ALARM_MARGIN_MS = (10 * MINUTE_MS, 6 * HOUR_MS)  # a quarter of the alarm's length, within these


@dataclass(frozen=True)
class Span:
    """The period a chart shows, in epoch ms; `moved` when it ends at the sensor's last readings, not now."""

    start_ms: int
    end_ms: int
    moved: bool = False


def last_reading_ms(sensor: Sensor, at_or_before_ms: int | None = None) -> int | None:
    """When the sensor last reported (at or before a moment): its state, or its last minute with readings."""
    if at_or_before_ms is None:
        state = getattr(sensor, "state", None)
        return state.last_ts if state is not None else None
    minute = (
        ReadingMinute.objects.filter(sensor_id=sensor.pk, minute__lte=at_or_before_ms // MINUTE_MS)
        .order_by("-minute")
        .values_list("minute", flat=True)
        .first()
    )
    return None if minute is None else minute * MINUTE_MS


def recent_span(sensor: Sensor, length_ms: int, now_ms: int) -> Span:
    """The `length_ms` up to now; or, when the sensor has not reported in them, up to just after it last did.

    A chart then opens on readings (a sensor offline for a week, a demo loaded days ago) instead of an
    empty period; a sensor silent for part of the period still shows its silence.
    """
    last = last_reading_ms(sensor)
    if last is None or last >= now_ms - length_ms:
        return Span(now_ms - length_ms, now_ms)
    end = min(last + max(length_ms // 20, MINUTE_MS), now_ms)
    return Span(end - length_ms, end, moved=True)


def alarm_span(alarm: Any, now_ms: int) -> Span:
    """From the alarm's start to its end (or now, while it lasts), with a quarter of that on each side.

    Its start is when it was raised, earlier for a window alarm by the window it summed, and for an offline
    alarm the sensor's last reading before it. Its end is when the readings came back to normal (cleared),
    else when it was closed, else now: closing is paperwork, often hours after the event.
    """
    raised = _ms(alarm.raised_at)
    begin = raised - (alarm.window_h or 0) * HOUR_MS
    if alarm.rule == alarm.OFFLINE:
        begin = min(begin, last_reading_ms(alarm.sensor, raised) or raised)
    ended = alarm.cleared_at or alarm.closed_at
    end = min(max(_ms(ended) if ended else now_ms, _ms(alarm.last_triggered_at)), now_ms)
    low, high = ALARM_MARGIN_MS
    margin = min(max((end - begin) // 4, low), high)
    start = begin - margin
    stop = max(min(end + margin, now_ms), start + MINUTE_MS)
    return Span(start, min(stop, start + MAX_SPAN_MS))


def _ms(moment: Any) -> int:
    return int(moment.timestamp() * 1000)
