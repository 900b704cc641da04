"""The public subscribers as numpy columns for targeting: stored in the database as arrays, brought up to
date from the rows changed since.

Subscribers are the one table that reaches a million rows, and a red warning over a county selects a
fifth of them. Reading a million rows out of the database costs seconds (each a Python tuple); deciding
who is in costs tens of milliseconds on arrays. So (decision records 0018 and 0024):

- `SubscriberSnapshot` holds every subscriber's columns as arrays in one binary value. The worker's
  periodic check writes it when there is none, when many rows changed since, or when rows were
  deleted (`keep_stored`); a fresh process loads it in a fraction of a second, so the first warning
  after a restart does not wait.
- Each process keeps the arrays it has and, before each use, reads the rows whose `updated_at` is
  after its last look (less LATE_COMMIT, for transactions that commit a while after they stamped a
  row; indexed), and the row count and highest id. Changed rows replace theirs, new ones are added;
  a count or highest id that differs from the arrays' (a row deleted, or inserted with an old
  `updated_at`) makes it compare ids with the table. A subscriber who unsubscribes, changes level
  or is deleted is therefore honoured by the very next resolution, in every process.
- A process keeps only what was committed: arrays read inside a transaction serve that call and are
  kept when the transaction commits (its own uncommitted changes could still be rolled back).

Every change of a subscriber must set `updated_at` to the time of the change (services do; a bulk
`.update()` must too), and commit within LATE_COMMIT of it.
"""

from __future__ import annotations

import dataclasses
import json
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import psycopg
from django.db import connection, transaction
from django.utils import timezone

from yingji.core import jobs
from yingji.warnings import lifecycle
from yingji.warnings.models import Subscriber, SubscriberSnapshot

LATE_COMMIT = timedelta(minutes=2)  # a stamped change may commit this much later (and clocks differ)
STORE_AFTER = 10_000  # rows changed since the stored arrays after which the worker stores new ones
STORE_EVERY = timedelta(days=1)  # and at least this often, read afresh from the table
CHECK_EVERY = 60.0  # seconds between the worker's looks at whether to store them
RECONCILE_BY_ID = 50_000  # missing rows read by id up to this many; more, the whole table
FORMAT = 1
SEPARATOR = "\x00"  # between addresses (phone numbers and push tokens never hold it)
# The columns as arrays want them: level as its rank (blue 0 … red 3), channel as "is app push".
_LEVEL_SQL = "CASE min_level " + " ".join(
    f"WHEN '{level}' THEN {rank}" for rank, level in enumerate(lifecycle.LEVELS)
)
_COLUMNS = (
    f"id, longitude, latitude, region_id, {_LEVEL_SQL} ELSE 0 END, "
    f"CASE WHEN channel = '{Subscriber.APP}' THEN 1 ELSE 0 END, "
    "CASE WHEN active THEN 1 ELSE 0 END, address"
)


@dataclass(frozen=True)
class Snapshot:
    """Parallel columns of every subscriber (active or not), by ascending id.

    `read_at`: every change committed before it (allowing LATE_COMMIT) is in. The arrays are shared
    between threads and never written to: a change makes new ones.
    """

    read_at: datetime
    ids: np.ndarray  # int64, ascending
    longitude: np.ndarray  # float64, NaN for a subscription to a region
    latitude: np.ndarray
    region: np.ndarray  # int32 index into region_codes
    region_codes: tuple[str, ...]
    level: np.ndarray  # int8: the rank of min_level (blue 0 … red 3)
    app: np.ndarray  # bool: app push, else SMS
    active: np.ndarray  # bool
    address: np.ndarray  # object: phone number or push token

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def located(self) -> np.ndarray:
        return ~np.isnan(self.longitude)

    @property
    def last_id(self) -> int:
        return int(self.ids[-1]) if len(self.ids) else 0


_ARRAYS = ("ids", "longitude", "latitude", "region", "level", "app", "active", "address")
_DTYPES = {
    "ids": "<i8",
    "longitude": "<f8",
    "latitude": "<f8",
    "region": "<i4",
    "level": "i1",
    "app": "?",
    "active": "?",
}


def _from_rows(rows: Sequence[tuple[Any, ...]], read_at: datetime) -> Snapshot:
    """Arrays of rows read with _COLUMNS (any order)."""
    ids, lon, lat, region, level, app, active, address = (
        [row[column] for row in rows] for column in range(8)
    )
    numbers: dict[str, int] = {}
    region_index = [numbers.setdefault(code, len(numbers)) for code in region]
    table = Snapshot(
        read_at=read_at,
        ids=np.array(ids, dtype=np.int64),
        longitude=np.array(lon, dtype=np.float64),  # None becomes NaN
        latitude=np.array(lat, dtype=np.float64),
        region=np.array(region_index, dtype=np.int32),
        region_codes=tuple(numbers),
        level=np.array(level, dtype=np.int8),
        app=np.array(app, dtype=bool),
        active=np.array(active, dtype=bool),
        address=np.array(address, dtype=object),
    )
    order = np.argsort(table.ids, kind="stable")
    if len(order) and not (np.diff(table.ids) > 0).all():
        table = _take(table, order)
    return table


def _take(table: Snapshot, rows: np.ndarray) -> Snapshot:
    return dataclasses.replace(table, **{name: getattr(table, name)[rows] for name in _ARRAYS})


def _read(where: str = "", params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_COLUMNS} FROM {Subscriber._meta.db_table} {where}", params)
        return cursor.fetchall()


def read_table() -> Snapshot:
    """Every subscriber, read from the table (seconds for a million: what the stored arrays avoid)."""
    read_at = timezone.now()
    return _from_rows(_read(), read_at)


# Merging changes ---------------------------------------------------------------------------------


def _merge(table: Snapshot, changed: Snapshot, read_at: datetime) -> Snapshot:
    """`table` with the rows of `changed` replacing theirs or added; the same arrays if nothing differs."""
    if not len(changed):
        return dataclasses.replace(table, read_at=read_at)
    codes = list(table.region_codes)
    number = {code: index for index, code in enumerate(codes)}
    for code in changed.region_codes:
        if code not in number:
            number[code] = len(codes)
            codes.append(code)
    region = np.array([number[code] for code in changed.region_codes], dtype=np.int32)[changed.region]
    changed = dataclasses.replace(changed, region=region, region_codes=tuple(codes))
    at = np.minimum(np.searchsorted(table.ids, changed.ids), max(len(table) - 1, 0))
    found = (table.ids[at] == changed.ids) if len(table) else np.zeros(len(changed), dtype=bool)
    same = found.copy()
    for name in _ARRAYS[1:]:
        old, new = getattr(table, name)[at[found]], getattr(changed, name)[found]
        equal = old == new
        if name in ("longitude", "latitude"):
            equal |= np.isnan(old) & np.isnan(new)
        same[found] &= equal
    if same.all():
        return dataclasses.replace(table, read_at=read_at, region_codes=tuple(codes))
    columns = {}
    for name in _ARRAYS:
        values = getattr(table, name).copy()
        values[at[found]] = getattr(changed, name)[found]
        columns[name] = np.concatenate([values, getattr(changed, name)[~found]])
    merged = Snapshot(read_at=read_at, region_codes=tuple(codes), **columns)
    if (~found).any() and not (np.diff(merged.ids) > 0).all():
        merged = _take(merged, np.argsort(merged.ids, kind="stable"))
    return merged


def _reconcile(table: Snapshot, read_at: datetime) -> Snapshot:
    """`table` made to hold exactly the table's ids: deleted rows dropped, rows it lacks read."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Subscriber._meta.db_table}")
        ids = np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)
    ids.sort()
    kept = _take(table, np.flatnonzero(np.isin(table.ids, ids, assume_unique=True)))
    missing = np.setdiff1d(ids, kept.ids, assume_unique=True)
    if len(missing) > RECONCILE_BY_ID:
        return read_table()
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(missing), 5_000):
        part = missing[start : start + 5_000].tolist()
        rows += _read(f"WHERE id IN ({', '.join(['%s'] * len(part))})", part)
    return _merge(kept, _from_rows(rows, read_at), read_at)


def refresh(table: Snapshot) -> Snapshot:
    """`table` brought up to date with the subscriber table (the same arrays if nothing changed)."""
    read_at = timezone.now()
    changed = _read(
        "WHERE updated_at > %s", [connection.ops.adapt_datetimefield_value(table.read_at - LATE_COMMIT)]
    )
    with connection.cursor() as cursor:
        # Two statements: SQLite counts a bare COUNT(*) from the index's pages without reading its
        # entries (a fifth of the time of COUNT(*), MAX(id) together), and MAX(id) is one lookup.
        cursor.execute(f"SELECT COUNT(*) FROM {Subscriber._meta.db_table}")
        (count,) = cursor.fetchone()
        cursor.execute(f"SELECT MAX(id) FROM {Subscriber._meta.db_table}")
        (last_id,) = cursor.fetchone()
    current = _merge(table, _from_rows(changed, read_at), read_at)
    if len(current) != count or current.last_id != (last_id or 0):
        current = _reconcile(current, read_at)
    return current


# Storing ------------------------------------------------------------------------------------------


def encode(table: Snapshot) -> bytes:
    """The arrays as one binary value: a JSON header's length (4 bytes), the header, then each array."""
    parts = [np.ascontiguousarray(getattr(table, name), dtype=_DTYPES[name]).tobytes() for name in _DTYPES]
    addresses = SEPARATOR.join(table.address.tolist())
    if addresses.count(SEPARATOR) != max(len(table) - 1, 0):
        raise ValueError("an address holds the separator")
    parts.append(addresses.encode())
    header = json.dumps(
        {
            "format": FORMAT,
            "rows": len(table),
            "read_at": table.read_at.isoformat(),
            "region_codes": list(table.region_codes),
            "sizes": [len(part) for part in parts],
        }
    ).encode()
    return b"".join([len(header).to_bytes(4, "little"), header, *parts])


def decode(data: bytes | memoryview) -> Snapshot | None:
    """The arrays of `encode`'s value (views into it), None for a format this code does not read."""
    view = memoryview(data)
    size = int.from_bytes(view[:4], "little")
    header = json.loads(bytes(view[4 : 4 + size]))
    if header.get("format") != FORMAT:
        return None
    offset, columns = 4 + size, {}
    for name, length in zip([*_DTYPES, "address"], header["sizes"], strict=True):
        part = view[offset : offset + length]
        offset += length
        if name == "address":
            text = str(part, "utf-8")
            columns[name] = np.array(text.split(SEPARATOR) if header["rows"] else [], dtype=object)
        else:
            columns[name] = np.frombuffer(part, dtype=_DTYPES[name])
    return Snapshot(
        read_at=datetime.fromisoformat(header["read_at"]),
        region_codes=tuple(header["region_codes"]),
        **columns,
    )


def load_stored() -> Snapshot | None:
    """The stored arrays as they were written (not brought up to date), None if none are stored in
    this code's layout."""
    table = SubscriberSnapshot._meta.db_table
    query = f"SELECT data FROM {table} WHERE format = {FORMAT} ORDER BY id DESC LIMIT 1"
    if connection.vendor == "postgresql":
        # In binary: Django's cursors ask for text, which sends bytea as hex, twice the bytes to
        # send and to parse.
        connection.ensure_connection()
        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(query, binary=True)
            row = cursor.fetchone()
    else:
        with connection.cursor() as cursor:
            cursor.execute(query)
            row = cursor.fetchone()
    return decode(row[0]) if row is not None else None


def store(table: Snapshot) -> None:
    """Write `table` as the stored arrays, replacing those there were."""
    values = {
        "read_at": table.read_at,
        "rows": len(table),
        "last_id": table.last_id,
        "format": FORMAT,
        "data": encode(table),
        "stored_at": timezone.now(),
    }
    with transaction.atomic():
        SubscriberSnapshot.objects.exclude(pk=1).delete()
        SubscriberSnapshot.objects.update_or_create(pk=1, defaults=values)


def keep_stored(now: datetime) -> int:
    """Store the arrays anew when none are stored, when they are a day old, when STORE_AFTER rows
    changed since, or when rows were deleted (which only the count shows); 1 if it did.

    Cheap when there is nothing to do: two indexed counts and the table's count.
    """
    stored = (
        SubscriberSnapshot.objects.filter(format=FORMAT).values_list("read_at", "rows", "last_id").first()
    )
    if stored is not None and stored[0] > now - STORE_EVERY:
        read_at, rows, last_id = stored
        changed = Subscriber.objects.filter(updated_at__gt=read_at - LATE_COMMIT).count()
        added = Subscriber.objects.filter(id__gt=last_id).count()
        if changed < STORE_AFTER and Subscriber.objects.count() == rows + added:
            return 0
        store(snapshot())
    else:
        table = read_table()
        store(table)
        _keep_when_committed(_key(), table)
    return 1


_checked_at = -math.inf


@jobs.periodic_check("subscriber_snapshot")
def keep_stored_now_and_then(now: datetime) -> int:
    """The worker's check: `keep_stored` at most every CHECK_EVERY seconds (its count reads the table)."""
    global _checked_at
    if time.monotonic() - _checked_at < CHECK_EVERY:
        return 0
    _checked_at = time.monotonic()
    return keep_stored(now)


# The process's arrays -----------------------------------------------------------------------------

_lock = threading.Lock()
_kept: dict[str, Snapshot] = {}


def _key() -> str:
    return f"{connection.vendor}:{connection.settings_dict['NAME']}"


def _keep(key: str, table: Snapshot) -> None:
    with _lock:
        kept = _kept.get(key)
        if kept is None or kept.read_at <= table.read_at:
            _kept[key] = table


def _keep_when_committed(key: str, table: Snapshot) -> None:
    """Keep `table` now, or when the transaction it was read in commits (never if it rolls back)."""
    if connection.in_atomic_block:
        transaction.on_commit(lambda: _keep(key, table))
    else:
        _keep(key, table)


def forget() -> None:
    """Drop this process's arrays (tests; a process that wants to start as a fresh one would)."""
    with _lock:
        _kept.clear()


def snapshot() -> Snapshot:
    """Every subscriber as it is now in this connection's database (this transaction's view of it)."""
    key = _key()
    with _lock:
        base = _kept.get(key)
        if base is None:
            base = load_stored()
        if base is None:
            base = read_table()
        current = refresh(base)
    _keep_when_committed(key, current)
    return current
