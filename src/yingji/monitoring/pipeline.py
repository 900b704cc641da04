"""The ingestion pipeline: parse, validate, deduplicate, evaluate, store and alarm, one batch at a time.

HTTP (`POST /api/v1/monitoring/readings`) and MQTT (`yingji mqtt-ingest`) both end here. Per reading
there is only the unavoidable Python: reading the item and checking its fields. Everything after
that is numpy over the whole batch or one bulk statement: a batch of 10,000 readings costs a handful
of queries, whatever its size. A batch is one transaction; when `ingest` returns, it is committed.

Deduplication: the readings table's key is (ts, sensor), so a repeat cannot be stored. To know which
readings are new without asking the database about each one, the pipeline keeps each sensor's
latest timestamp: a reading after it is new; only the rare late reading is checked one by one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np
import orjson
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from yingji.core import datebounds
from yingji.core.errors import InvalidInput
from yingji.monitoring import alarms, grading, queries, rainsignal, rules
from yingji.monitoring.models import (
    Gateway,
    Reading,
    ReadingMinute,
    Sensor,
    SensorState,
    ThresholdRule,
    WindowRule,
)
from yingji.monitoring.sensortypes import KIND_BY_KEY

READINGS_TABLE = Reading._meta.db_table
MINUTES_TABLE = ReadingMinute._meta.db_table
STATES_TABLE = SensorState._meta.db_table
MAX_ABS_VALUE = 1e12
MAX_CODE_LENGTH = 64
# Readings before the platform's earliest date (2000-01-01) are clock errors, not history.
EARLIEST_MS = int(datetime.combine(datebounds.EARLIEST, time.min, UTC).timestamp() * 1000)


@dataclass(frozen=True)
class Rejection:
    """A reading refused, with its line (1-based position in the array, or NDJSON line) and why."""

    line: int
    reason: str


@dataclass
class IngestResult:
    """What became of a batch: stored, repeats of stored readings, and refusals with reasons."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    alarms: alarms.AlarmChanges = field(default_factory=alarms.AlarmChanges)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [{"line": r.line, "reason": r.reason} for r in self.rejected],
        }


# Reasons, bilingual and stable: gateways log them, people read them.
UNKNOWN_SENSOR = "未知传感器 / unknown sensor"
OTHER_GATEWAY = "传感器属于其他企业或网关 / sensor of another enterprise or gateway"
RETIRED_SENSOR = "传感器已停用 / sensor is retired"
NOT_AN_OBJECT = '不是 {"sensor", "ts", "value"} 对象 / not an object with sensor, ts and value'
BAD_SENSOR = "传感器编码应为字符串 / sensor must be a string code"
BAD_TIMESTAMP = "时间戳无效，应为带时区的 ISO-8601 / bad timestamp: ISO-8601 with an offset is required"
NO_OFFSET = "时间戳缺少时区 / timestamp has no UTC offset"
FAR_FUTURE = "时间戳在未来 / timestamp is in the future"
TOO_OLD = "时间戳早于保留期限 / timestamp is older than the retention period"
NOT_A_NUMBER = "读数不是有限数值 / value is not a finite number"
NOT_JSON = "不是有效的 JSON / not valid JSON"
TOPIC_MISMATCH = "读数中的传感器与主题不符 / sensor in the payload differs from the topic"


# Parsing ----------------------------------------------------------------------------------------


def parse_body(body: bytes) -> tuple[list[tuple[int, Any]], list[Rejection]]:
    """Items with their line numbers from a JSON array or NDJSON; NDJSON lines that are not JSON are refused.

    A body that starts as an array but is not valid JSON cannot be split into readings: 400.
    """
    start = body.lstrip()[:1]
    if not start:
        raise InvalidInput("请求体为空 / The request body is empty", code="empty_body")
    if start == b"[":
        try:
            items = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise InvalidInput("请求体不是有效的 JSON / The request body is not valid JSON") from None
        return list(enumerate(items, 1)), []
    parsed: list[tuple[int, Any]] = []
    refused: list[Rejection] = []
    for number, line in enumerate(body.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            parsed.append((number, orjson.loads(line)))
        except orjson.JSONDecodeError:
            refused.append(Rejection(number, NOT_JSON))
    return parsed, refused


# Validation -------------------------------------------------------------------------------------


@dataclass
class _Valid:
    """The readings that passed the per-item checks, as parallel lists."""

    lines: list[int] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    ts_ms: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)


def _check_items(items: Iterable[tuple[int, Any]], now: datetime, refused: list[Rejection]) -> _Valid:
    """Check each item's fields; the only per-reading Python of the pipeline, kept to the bone."""
    valid = _Valid()
    latest_ms = int(
        (now + timedelta(seconds=settings.MONITORING_FUTURE_TOLERANCE_SECONDS)).timestamp() * 1000
    )
    earliest_ms = max(
        EARLIEST_MS, int((now - timedelta(days=settings.MONITORING_RAW_RETENTION_DAYS)).timestamp() * 1000)
    )
    parsed_ts: dict[str, int | str] = {}  # many readings of a batch share a timestamp
    for line, item in items:
        try:
            code, stamp, value = item["sensor"], item["ts"], item["value"]
        except (TypeError, KeyError, IndexError):
            refused.append(Rejection(line, NOT_AN_OBJECT))
            continue
        if type(code) is not str or not 0 < len(code) <= MAX_CODE_LENGTH:
            refused.append(Rejection(line, BAD_SENSOR))
            continue
        ts = parsed_ts.get(stamp) if type(stamp) is str else BAD_TIMESTAMP
        if ts is None:
            ts = parsed_ts[stamp] = _parse_timestamp(stamp, earliest_ms, latest_ms)
        if type(ts) is str:
            refused.append(Rejection(line, ts))
            continue
        value_type = type(value)
        if value_type is float:
            if not -MAX_ABS_VALUE < value < MAX_ABS_VALUE:  # also refuses NaN
                refused.append(Rejection(line, NOT_A_NUMBER))
                continue
        elif value_type is int:
            if not -MAX_ABS_VALUE < value < MAX_ABS_VALUE:
                refused.append(Rejection(line, NOT_A_NUMBER))
                continue
            value = float(value)
        else:
            refused.append(Rejection(line, NOT_A_NUMBER))
            continue
        valid.lines.append(line)
        valid.codes.append(code)
        valid.ts_ms.append(ts)  # type: ignore[arg-type]
        valid.values.append(value)
    return valid


def _parse_timestamp(stamp: str, earliest_ms: int, latest_ms: int) -> int | str:
    """Epoch milliseconds of an ISO-8601 timestamp with an offset, or the reason it is refused."""
    if len(stamp) > 40:
        return BAD_TIMESTAMP
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return BAD_TIMESTAMP
    if moment.tzinfo is None or moment.utcoffset() is None:
        return NO_OFFSET
    ms = math.floor(moment.timestamp() * 1000 + 0.5)
    if ms > latest_ms:
        return FAR_FUTURE
    if ms < earliest_ms:
        return TOO_OLD
    return ms


# The batch --------------------------------------------------------------------------------------


@dataclass
class SensorTable:
    """Per-sensor facts for the sensors of one batch, as arrays indexed by position (in sensor id order)."""

    codes: list[str]
    ids: np.ndarray
    kinds: list[str]
    windowed: np.ndarray  # graded by window rules
    high: np.ndarray
    low: np.ndarray
    rate_limit: np.ndarray
    rate_level: np.ndarray
    offline_after_ms: np.ndarray
    previous_ts: np.ndarray
    previous_value: np.ndarray
    was_online: np.ndarray
    alarm_level: np.ndarray


def ingest_body(gateway: Gateway, body: bytes, *, now: datetime | None = None) -> IngestResult:
    """Ingest an HTTP body (JSON array or NDJSON) sent by `gateway`."""
    items, refused = parse_body(body)
    return ingest_items(gateway, items, now=now, refused=refused)


def ingest_items(
    gateway: Gateway,
    items: Sequence[tuple[int, Any]],
    *,
    now: datetime | None = None,
    refused: list[Rejection] | None = None,
) -> IngestResult:
    """Ingest readings (line number, object) of one gateway in one transaction; returns what happened."""
    now = now or timezone.now()
    result = IngestResult(rejected=refused if refused is not None else [])
    valid = _check_items(items, now, result.rejected)
    if valid.codes:
        with transaction.atomic():
            _store_and_evaluate(gateway, valid, now, result)
    result.rejected.sort(key=lambda rejection: rejection.line)
    return result


def _store_and_evaluate(gateway: Gateway, valid: _Valid, now: datetime, result: IngestResult) -> None:
    # No sensor code holds a NUL, and PostgreSQL's text cannot: such a code is an unknown sensor.
    codes = sorted(code for code in set(valid.codes) if "\x00" not in code)
    table = _load_sensor_table(gateway, codes)
    position_of = {code: index for index, code in enumerate(table.codes)}
    positions = np.fromiter(
        (position_of.get(code, -1) for code in valid.codes), dtype=np.int64, count=len(valid.codes)
    )
    keep = positions >= 0
    if not keep.all():
        refused = np.flatnonzero(~keep).tolist()
        reasons = _rejection_reasons(gateway, sorted({valid.codes[index] for index in refused}))
        result.rejected += [Rejection(valid.lines[index], reasons[valid.codes[index]]) for index in refused]
    if not table.codes:
        return
    pos = positions[keep]
    ts = np.asarray(valid.ts_ms, dtype=np.int64)[keep]
    values = np.asarray(valid.values, dtype=np.float64)[keep]

    # Sort by (sensor, time); a repeat inside the batch is a duplicate of its first occurrence.
    order = np.lexsort((ts, pos))
    pos, ts, values = pos[order], ts[order], values[order]
    repeat = np.zeros(pos.size, dtype=bool)
    repeat[1:] = (pos[1:] == pos[:-1]) & (ts[1:] == ts[:-1])
    result.duplicates += int(repeat.sum())
    pos, ts, values = pos[~repeat], ts[~repeat], values[~repeat]

    # Readings after the sensor's latest stored one are new; earlier ones may be repeats.
    late = ts <= table.previous_ts[pos]
    new = ~late
    if late.any():
        stored_late = _insert_late(table.ids[pos[late]], ts[late], values[late])
        result.duplicates += int((~stored_late).sum())
        kept = new.copy()
        kept[np.flatnonzero(late)[stored_late]] = True
        pos, ts, values, new = pos[kept], ts[kept], values[kept], new[kept]
    if pos.size == 0:
        return
    _store(table.ids[pos], ts, values, new, _minutes(table, pos, ts, values))
    result.accepted = int(pos.size)

    levels = grading.grade_thresholds(values, table.high[pos], table.low[pos])
    rate_levels = grading.grade_rates(
        pos,
        ts,
        values,
        table.previous_ts[pos],
        table.previous_value[pos],
        table.rate_limit[pos],
        table.rate_level[pos],
    )
    starts = grading.group_starts(pos)
    ends = np.r_[starts[1:], pos.size] - 1
    group_pos = pos[starts]
    last_ts, last_values, last_levels = ts[ends], values[ends], levels[ends]
    advanced = last_ts > table.previous_ts[group_pos]

    outcomes = _threshold_outcomes(
        table, pos, ts, values, levels, starts, ends, advanced, alarms.Alarm.THRESHOLD
    )
    outcomes += _threshold_outcomes(
        table, pos, ts, values, rate_levels, starts, ends, advanced, alarms.Alarm.RATE
    )
    outcomes += _window_outcomes(table, group_pos, last_ts, advanced)
    # Sensors reporting again after being offline; only those with an active alarm may have an offline one.
    back_online = [
        int(table.ids[p])
        for p, moved in zip(group_pos, advanced, strict=True)
        if moved and not table.was_online[p] and table.alarm_level[p] > 0
    ]
    _update_states(table, group_pos, last_ts, last_values, last_levels, advanced)
    if outcomes or back_online:
        result.alarms = alarms.apply_outcomes(outcomes, back_online, now)
    # Noted at most once a minute: the gateway's row is not one more write of every batch.
    if gateway.last_seen_at is None or gateway.last_seen_at <= now - timedelta(minutes=1):
        Gateway.objects.filter(pk=gateway.pk).exclude(last_seen_at__gt=now - timedelta(minutes=1)).update(
            last_seen_at=now
        )
        gateway.last_seen_at = now


# Hot-path reads in plain SQL: the ORM spends milliseconds building an IN list of a thousand ids.

# Per sensor of the batch, in one statement: its facts, its latest state, its limits (its own rule row,
# else its kind's: `has_rule` is false when it has neither and the code's defaults apply) and whether
# window rules grade its kind. On PostgreSQL the state rows are locked in sensor order as they are read.
_RULE_COLUMNS = ", ".join(
    f"CASE WHEN r.id IS NULL THEN k.{name} ELSE r.{name} END" for name in rules.LIMIT_FIELDS
)
_SENSOR_TABLE_QUERY = (
    "SELECT s.code, s.id, s.kind, s.offline_after_s, st.last_ts, st.last_value, st.online, st.alarm_level, "
    f"s.kind = %s OR s.kind IN (SELECT w.kind FROM {WindowRule._meta.db_table} w), "
    f"r.id IS NOT NULL OR k.id IS NOT NULL, {_RULE_COLUMNS} "
    f"FROM {Sensor._meta.db_table} s JOIN {STATES_TABLE} st ON st.sensor_id = s.id "
    f"LEFT JOIN {ThresholdRule._meta.db_table} r ON r.sensor_id = s.id "
    f"LEFT JOIN {ThresholdRule._meta.db_table} k ON k.sensor_id IS NULL AND k.kind = s.kind "
    "WHERE s.gateway_id = %s AND s.active AND s.code {codes} ORDER BY s.id"
)


def _sensor_rows(gateway_id: int, codes: list[str]) -> list[tuple[Any, ...]]:
    """The rows of `_SENSOR_TABLE_QUERY` for the gateway's active sensors among `codes`, by sensor id."""
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        if _is_postgresql():
            cursor.execute(
                _SENSOR_TABLE_QUERY.format(codes="= ANY(%s::text[])") + " FOR UPDATE OF st",
                [rules.ALWAYS_WINDOWED, gateway_id, codes],
            )
            return cursor.fetchall()
        for chunk in queries.in_chunks(codes):
            cursor.execute(
                _SENSOR_TABLE_QUERY.format(codes=f"IN ({', '.join(['%s'] * len(chunk))})"),
                [rules.ALWAYS_WINDOWED, gateway_id, *chunk],
            )
            rows += cursor.fetchall()
    return sorted(rows, key=lambda row: row[1])


def _rejection_reasons(gateway: Gateway, codes: list[str]) -> dict[str, str]:
    """Why each of `codes` (not among the gateway's active sensors) is refused."""
    found = {
        code: (gateway_id, active)
        for chunk in queries.in_chunks([code for code in codes if "\x00" not in code])
        for code, gateway_id, active in Sensor.objects.filter(code__in=chunk).values_list(
            "code", "gateway_id", "active"
        )
    }
    reasons = {}
    for code in codes:
        sensor = found.get(code)
        if sensor is None:
            reasons[code] = UNKNOWN_SENSOR
        elif sensor[0] != gateway.pk:
            reasons[code] = OTHER_GATEWAY
        else:
            reasons[code] = RETIRED_SENSOR
    return reasons


def _load_sensor_table(gateway: Gateway, codes: list[str]) -> SensorTable:
    """Limits, kinds, latest state and offline times of the batch's sensors, as arrays by position.

    On PostgreSQL the state rows are locked as they are read, so two batches of one sensor queue here
    instead of racing on the latest time; SQLite's write transaction already admits one batch at a time.
    """
    rows = _sensor_rows(gateway.pk, codes)
    if len(rows) < len(codes):
        # A sensor made outside the services has no state row yet: give it one, then read again.
        missing = Sensor.objects.filter(
            gateway_id=gateway.pk, active=True, code__in=codes, state__isnull=True
        )
        states = [SensorState(sensor_id=sensor_id) for sensor_id in missing.values_list("pk", flat=True)]
        if states:
            SensorState.objects.bulk_create(states, ignore_conflicts=True)
            rows = _sensor_rows(gateway.pk, codes)
    count = len(rows)
    kinds = [row[2] for row in rows]
    limits = rules.limits_from_rows([row[10:] if row[9] else None for row in rows], kinds)
    previous_ts = np.full(count, -1, dtype=np.int64)
    previous_value = np.full(count, np.nan)
    for index, row in enumerate(rows):
        if row[4] is not None:
            previous_ts[index], previous_value[index] = row[4], row[5]
    offline_after_s = [row[3] or KIND_BY_KEY[row[2]].offline_after_s for row in rows]
    return SensorTable(
        codes=[row[0] for row in rows],
        ids=np.asarray([row[1] for row in rows], dtype=np.int64),
        kinds=kinds,
        windowed=np.asarray([bool(row[8]) for row in rows], dtype=bool),
        high=limits.high,
        low=limits.low,
        rate_limit=limits.rate_limit,
        rate_level=limits.rate_level,
        offline_after_ms=np.asarray(offline_after_s, dtype=np.int64) * 1000,
        previous_ts=previous_ts,
        previous_value=previous_value,
        was_online=np.asarray([bool(row[6]) for row in rows], dtype=bool),
        alarm_level=np.asarray([row[7] or 0 for row in rows], dtype=np.int8),
    )


def _threshold_outcomes(
    table: SensorTable,
    pos: np.ndarray,
    ts: np.ndarray,
    values: np.ndarray,
    levels: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    advanced: np.ndarray,
    rule: str,
) -> list[alarms.Outcome]:
    """One outcome per sensor that read abnormal in this batch or has an alarm open under `rule`."""
    group_max = np.maximum.reduceat(levels, starts)
    group_pos = pos[starts]
    interesting = np.flatnonzero((group_max > 0) | (table.alarm_level[group_pos] > 0))
    if interesting.size == 0:
        return []
    # Index of the last abnormal reading of each group (start − 1 when none).
    index = np.arange(pos.size)
    last_abnormal = np.maximum.reduceat(np.where(levels > 0, index, -1), starts)
    outcomes = []
    for group in interesting:
        start, end = starts[group], ends[group]
        peak = start + int(np.argmax(levels[start : end + 1]))
        abnormal_until = last_abnormal[group]
        if abnormal_until < start:
            normal_since = int(ts[start])
        elif abnormal_until < end:
            normal_since = int(ts[abnormal_until + 1])
        else:
            normal_since = None
        outcomes.append(
            alarms.Outcome(
                sensor_id=int(table.ids[pos[start]]),
                rule=rule,
                max_level=int(levels[peak]),
                peak_value=float(values[peak]),
                peak_ts_ms=int(ts[peak]),
                last_ts_ms=int(ts[end]),
                normal_since_ms=normal_since,
                earlier_abnormal=abnormal_until >= start,
                advanced=bool(advanced[group]),
            )
        )
    return outcomes


def _window_outcomes(
    table: SensorTable, group_pos: np.ndarray, last_ts: np.ndarray, advanced: np.ndarray
) -> list[alarms.Outcome]:
    """Window rules (e.g. rainfall over 1–24 h) for the batch's sensors with any, at their latest reading."""
    candidates = [
        (int(table.ids[p]), int(t), int(table.alarm_level[p]))
        for p, t, moved in zip(group_pos, last_ts, advanced, strict=True)
        if moved and table.windowed[p]
    ]
    if not candidates:
        return []
    outcomes = []
    for sensor_id, at_ms, open_level in candidates:
        aggregate, criteria = rules.window_criteria_for(sensor_id)
        if not criteria:
            continue
        totals = rules.window_totals(sensor_id, at_ms, sorted({c.window_h for c in criteria}), aggregate)
        level_name, window_h, total = rainsignal.grade_totals(totals, criteria)
        level = rainsignal.LEVEL_RANK[level_name] if level_name else 0
        if level == 0 and open_level == 0:
            continue
        outcomes.append(
            alarms.Outcome(
                sensor_id=sensor_id,
                rule=alarms.Alarm.WINDOW,
                max_level=level,
                peak_value=total,
                peak_ts_ms=at_ms,
                last_ts_ms=at_ms,
                normal_since_ms=None if level else at_ms,
                earlier_abnormal=bool(level),
                advanced=True,
                window_h=window_h,
            )
        )
    return outcomes


# Storage ----------------------------------------------------------------------------------------


def _is_postgresql() -> bool:
    return connection.vendor == "postgresql"


@dataclass
class _Minutes:
    """A batch folded into per-(sensor, minute) aggregates, one entry per (sensor, minute) it touches.

    `fresh` marks the minutes after the one of the sensor's latest stored reading: every stored reading
    is at or before that, so no row can exist yet for them and they are inserted, not upserted.
    """

    sensor_ids: np.ndarray
    minutes: np.ndarray
    counts: np.ndarray
    totals: np.ndarray
    lows: np.ndarray
    highs: np.ndarray
    fresh: np.ndarray

    def columns(self, where: np.ndarray) -> list[np.ndarray]:
        return [
            self.sensor_ids[where],
            self.minutes[where],
            self.counts[where],
            self.totals[where],
            self.lows[where],
            self.highs[where],
        ]


def _minutes(table: SensorTable, pos: np.ndarray, ts: np.ndarray, values: np.ndarray) -> _Minutes:
    """The per-minute aggregates of readings sorted by (sensor, time)."""
    minutes = ts // 60_000
    starts = np.flatnonzero(np.r_[True, (pos[1:] != pos[:-1]) | (minutes[1:] != minutes[:-1])])
    group_pos, group_minutes = pos[starts], minutes[starts]
    return _Minutes(
        sensor_ids=table.ids[group_pos],
        minutes=group_minutes,
        counts=np.diff(np.r_[starts, pos.size]),
        totals=np.add.reduceat(values, starts),
        lows=np.minimum.reduceat(values, starts),
        highs=np.maximum.reduceat(values, starts),
        fresh=group_minutes > table.previous_ts[group_pos] // 60_000,
    )


def _store(
    sensor_ids: np.ndarray, ts: np.ndarray, values: np.ndarray, new: np.ndarray, minutes: _Minutes
) -> None:
    """Append the `new` readings (the late ones are stored already) and add all of them to the minutes.

    The key still refuses a repeat that raced past the check.
    """
    if _is_postgresql():
        _store_postgresql(sensor_ids[new], ts[new], values[new], minutes)
        return
    with connection.cursor() as cursor:
        if new.any():
            cursor.executemany(
                f"INSERT INTO {READINGS_TABLE} (ts, sensor_id, value) VALUES (%s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                list(zip(ts[new].tolist(), sensor_ids[new].tolist(), values[new].tolist(), strict=True)),
            )
        t = MINUTES_TABLE
        cursor.executemany(
            f"INSERT INTO {t} (sensor_id, minute, count, total, minimum, maximum) "
            "VALUES (%s, %s, %s, %s, %s, %s) "
            f"ON CONFLICT (sensor_id, minute) DO UPDATE SET count = {t}.count + excluded.count, "
            f"total = {t}.total + excluded.total, minimum = min({t}.minimum, excluded.minimum), "
            f"maximum = max({t}.maximum, excluded.maximum)",
            list(zip(*(column.tolist() for column in minutes.columns(slice(None))), strict=True)),
        )


_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
_COPY_TRAILER = b"\xff\xff"


def binary_copy(*columns: tuple[str, np.ndarray]) -> bytes:
    """Rows in PostgreSQL's binary COPY format, built by numpy without a loop per row.

    `columns` are (numpy big-endian type: ">i8" bigint, ">i4" integer, ">f8" float8, values) in the
    order of the COPY's column list. A row is the field count, then each field's length and value.
    """
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for number, (kind, _) in enumerate(columns):
        fields += [(f"length{number}", ">i4"), (f"value{number}", kind)]
    rows = np.empty(len(columns[0][1]), dtype=np.dtype(fields))
    rows["count"] = len(columns)
    for number, (kind, values) in enumerate(columns):
        rows[f"length{number}"] = np.dtype(kind).itemsize
        rows[f"value{number}"] = values
    return _COPY_HEADER + rows.tobytes() + _COPY_TRAILER


def copy_payload(sensor_ids: np.ndarray, ts: np.ndarray, values: np.ndarray) -> bytes:
    """Readings (ts bigint, sensor_id bigint, value float8) as one binary COPY stream."""
    return binary_copy((">i8", ts), (">i8", sensor_ids), (">f8", values))


def _minutes_payload(columns: list[np.ndarray]) -> bytes:
    """Minute aggregates (sensor_id, minute, count, total, minimum, maximum) as one binary COPY stream."""
    kinds = (">i8", ">i8", ">i4", ">f8", ">f8", ">f8")
    return binary_copy(*zip(kinds, columns, strict=True))


def _pg_array(values: np.ndarray) -> str:
    """A PostgreSQL array literal of numbers, '{1,2.5}' (the repr of a float reads back exactly).

    A list as a parameter is quoted by psycopg element by element, several milliseconds for the
    thousands of numbers of a batch; this is one join.
    """
    return "{" + ",".join(map(str, values.tolist())) + "}"


_MINUTES_UPSERT = (
    f"INSERT INTO {MINUTES_TABLE} AS m (sensor_id, minute, count, total, minimum, maximum) "
    "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::int[], %s::float8[], %s::float8[], %s::float8[]) "
    "ON CONFLICT (sensor_id, minute) DO UPDATE SET count = m.count + EXCLUDED.count, "
    "total = m.total + EXCLUDED.total, minimum = LEAST(m.minimum, EXCLUDED.minimum), "
    "maximum = GREATEST(m.maximum, EXCLUDED.maximum)"
)


def _store_postgresql(sensor_ids: np.ndarray, ts: np.ndarray, values: np.ndarray, minutes: _Minutes) -> None:
    """Binary COPY of the new readings and the fresh minutes, one upsert for the minutes already begun.

    COPY costs a quarter of an INSERT of the same rows, but one repeat makes it fail whole. The batch's
    sensor states are locked and every row copied is later than its sensor's latest, so a repeat can
    only come from outside the pipeline: then the savepoint keeps the batch's transaction alive and the
    same rows go in with INSERT … ON CONFLICT.
    """
    fresh = minutes.columns(minutes.fresh)
    try:
        with transaction.atomic(), connection.cursor() as cursor, connection.wrap_database_errors:
            # The psycopg cursor under Django's wrapper; wrap_database_errors gives Django's errors.
            if ts.size:
                statement = f"COPY {READINGS_TABLE} (ts, sensor_id, value) FROM STDIN (FORMAT BINARY)"
                with cursor.cursor.copy(statement) as copy:
                    copy.write(copy_payload(sensor_ids, ts, values))
            if fresh[0].size:
                statement = (
                    f"COPY {MINUTES_TABLE} (sensor_id, minute, count, total, minimum, maximum) "
                    "FROM STDIN (FORMAT BINARY)"
                )
                with cursor.cursor.copy(statement) as copy:
                    copy.write(_minutes_payload(fresh))
    except IntegrityError:
        with connection.cursor() as cursor:
            if ts.size:
                cursor.execute(
                    f"INSERT INTO {READINGS_TABLE} (ts, sensor_id, value) "
                    "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::float8[]) ON CONFLICT DO NOTHING",
                    [_pg_array(ts), _pg_array(sensor_ids), _pg_array(values)],
                )
            if fresh[0].size:
                cursor.execute(_MINUTES_UPSERT, [_pg_array(column) for column in fresh])
    begun = minutes.columns(~minutes.fresh)
    if begun[0].size:
        with connection.cursor() as cursor:
            cursor.execute(_MINUTES_UPSERT, [_pg_array(column) for column in begun])


def _insert_late(sensor_ids: np.ndarray, ts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Insert readings older than their sensor's latest one by one; True where one was new."""
    stored = np.zeros(ts.size, dtype=bool)
    with connection.cursor() as cursor:
        for index, (sensor_id, stamp, value) in enumerate(
            zip(sensor_ids.tolist(), ts.tolist(), values.tolist(), strict=True)
        ):
            cursor.execute(
                f"INSERT INTO {READINGS_TABLE} (ts, sensor_id, value) VALUES (%s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                [stamp, sensor_id, value],
            )
            stored[index] = cursor.rowcount == 1
    return stored


def _update_states(
    table: SensorTable,
    group_pos: np.ndarray,
    last_ts: np.ndarray,
    last_values: np.ndarray,
    last_levels: np.ndarray,
    advanced: np.ndarray,
) -> None:
    """Move each sensor's latest reading, level and offline time forward (never back, for late readings)."""
    moved = group_pos[advanced]
    if moved.size == 0:
        return
    stamps = last_ts[advanced]
    columns = [
        stamps,
        last_values[advanced],
        last_levels[advanced].astype(np.int64),
        stamps + table.offline_after_ms[moved],
        table.ids[moved],
    ]
    with connection.cursor() as cursor:
        if _is_postgresql():
            cursor.execute(
                f"UPDATE {STATES_TABLE} AS s SET last_ts = u.ts, last_value = u.value, last_level = u.level, "
                "online = TRUE, offline_due_ms = u.due "
                "FROM unnest(%s::bigint[], %s::float8[], %s::smallint[], "
                "%s::bigint[], %s::bigint[]) AS u(ts, value, level, due, id) WHERE s.sensor_id = u.id",
                [_pg_array(column) for column in columns],
            )
        else:
            cursor.executemany(
                f"UPDATE {STATES_TABLE} SET last_ts = %s, last_value = %s, last_level = %s, online = 1, "
                "offline_due_ms = %s WHERE sensor_id = %s",
                list(zip(*(column.tolist() for column in columns), strict=True)),
            )
