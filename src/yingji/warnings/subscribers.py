"""The active public subscribers as numpy columns, kept per process and reloaded when the table changes.

Subscribers are the one table that reaches a million rows, and a red warning over a county selects a
fifth of them. Reading those rows from the database costs about a second however they are indexed
(each is a tuple built in Python); deciding who is in costs tens of milliseconds on arrays. So each
process keeps a snapshot of the columns targeting needs, and checks before each use that it is still
the table's: the row count, the highest id and the latest `updated_at` (indexed) together change on
every insert, update (services save `updated_at`) and delete. A stale snapshot is never used; a
second process holds its own (decision record 0018).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Count, Max

from yingji.warnings import lifecycle
from yingji.warnings.models import Subscriber

LEVEL_RANK = {level: rank for rank, level in enumerate(lifecycle.LEVELS)}


@dataclass(frozen=True)
class Snapshot:
    """Parallel columns of the active subscribers; `region` indexes `region_codes`."""

    stamp: tuple[Any, ...]
    ids: np.ndarray  # int64
    longitude: np.ndarray  # float64, NaN for a subscription to a region
    latitude: np.ndarray
    region: np.ndarray  # int32 index into region_codes
    region_codes: list[str]
    level: np.ndarray  # int8: the rank of min_level (blue 0 … red 3)
    channel: np.ndarray  # <U3: "sms" or "app"
    address: np.ndarray  # object: phone number or push token

    @property
    def located(self) -> np.ndarray:
        return ~np.isnan(self.longitude)


_lock = threading.Lock()
_snapshots: dict[str, Snapshot] = {}


def _stamp() -> tuple[Any, ...]:
    found = Subscriber.objects.aggregate(count=Count("id"), last_id=Max("id"), changed=Max("updated_at"))
    return found["count"], found["last_id"], found["changed"]


def _load(stamp: tuple[Any, ...]) -> Snapshot:
    table = Subscriber._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, longitude, latitude, region_id, min_level, channel, address FROM {table} "
            "WHERE active ORDER BY id"
        )
        rows = cursor.fetchall()
    columns = [[row[column] for row in rows] for column in range(7)]
    ids, lon, lat, region, level, channel, address = columns
    codes, region_index = np.unique(np.array(region, dtype="<U12"), return_inverse=True)
    return Snapshot(
        stamp=stamp,
        ids=np.array(ids, dtype=np.int64),
        longitude=np.array([np.nan if v is None else v for v in lon], dtype=np.float64),
        latitude=np.array([np.nan if v is None else v for v in lat], dtype=np.float64),
        region=region_index.astype(np.int32),
        region_codes=codes.tolist(),
        level=np.array([LEVEL_RANK[name] for name in level], dtype=np.int8),
        channel=np.array(channel, dtype="<U3"),
        address=np.array(address, dtype=object),
    )


def snapshot() -> Snapshot:
    """The active subscribers as they are now in this connection's database."""
    stamp = _stamp()
    key = connection.settings_dict["NAME"] + connection.vendor
    with _lock:
        current = _snapshots.get(key)
        if current is None or current.stamp != stamp:
            current = _snapshots[key] = _load(stamp)
        return current
