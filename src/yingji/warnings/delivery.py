"""The delivery outbox: a published warning fanned out into one row per recipient × channel, drained
by the worker, brought to "delivered" by the providers' receipts.

Fan-out is part of the publication's transaction: `fan_out` writes the rows in bulk, each with an
idempotency key derived from (warning, recipient, channel), so calling it twice writes nothing new.

The drain never holds a transaction across the network (decision record on the delivery outbox):
1. claim: a short transaction marks a batch of due rows `sending` by this worker, with a lease;
2. send: outside any transaction, batch by batch per channel, every message with its key;
3. record: a second short transaction writes every outcome in one statement, for the rows the
   worker still holds (a row whose lease ran out belongs to whoever took it over).
A worker killed after 1 or 2 leaves rows `sending`; when the lease ends another worker takes them
and sends them again with the same keys, and the gateway, which deduplicates by key, delivers each
message once. Channels that only write to the database (the inbox) send inside transaction 3.

`yingji worker` and `yingji run-due --now` drain through the periodic check "warning_deliveries";
"warning_coverage" then refreshes the coverage of warnings whose deliveries changed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import signal
import socket
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from yingji.core import jobs
from yingji.core.errors import DomainError
from yingji.warnings import channels, coverage, targeting
from yingji.warnings.models import Delivery, EarlyWarning, PopulationGrid

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # a claimed row returns to the pool if not recorded by then
BATCH_SIZE = 500  # rows per claim and per request to a gateway
PASS_LIMIT = 10_000  # rows one worker pass drains at most, so that deadlines are not kept waiting,
PASS_SECONDS = 20.0  # and how long it keeps claiming batches
MAX_ATTEMPTS = 6
RETRY_BASE = timedelta(seconds=30)  # 30 s, 1, 2, 4, 8 min: the last try ~15 min after the first
RETRY_CAP = timedelta(minutes=30)
FAN_OUT_CHUNK = 50_000
ANALYZE_AFTER = 10_000  # rows of one fan-out after which PostgreSQL's statistics are brought up to date
COVERAGE_WINDOW = timedelta(days=7)  # receipts for older warnings no longer move their coverage
FAULT_ENV = "YINGJI_FAULT_DELIVERY"  # the crash test's kill points: after_claim, after_send


# Fan-out -----------------------------------------------------------------------------------------


def fan_out(warning: EarlyWarning, now: datetime) -> int:
    """Queue the warning's messages to every recipient it targets; the number of new rows."""
    return write_deliveries(warning, targeting.resolve(warning), now)


def _key_prefix(warning: EarlyWarning) -> str:
    # The identifier carries the publication time: two installations, or a demo rebuilt, do not
    # send a gateway keys it has already seen under the same warning number.
    return hashlib.blake2b(f"{warning.identifier}|{warning.pk}".encode(), digest_size=8).hexdigest()


def _key(prefix: str, kind: str, recipient_id: int, channel: str) -> str:
    # One version's keys share their first 16 digits, so its rows go into the key index side by side.
    return f"{prefix}-{kind[0]}{channel[0]}-{recipient_id:x}"


def idempotency_key(warning: EarlyWarning, kind: str, recipient_id: int, channel: str) -> str:
    """A message's key, the same on every retry: the version's 16 hex digits, then recipient and channel."""
    return _key(_key_prefix(warning), kind, recipient_id, channel)


def write_deliveries(warning: EarlyWarning, recipients: targeting.Recipients, now: datetime) -> int:
    """One queued row per recipient × channel, in bulk; rows that exist already are left as they are.

    Rows go in in key order: the key index then grows page by page instead of at random places
    (on SQLite about twice as fast once the table holds a million rows).
    """
    kinds, ids, channel_names = (
        np.asarray(values).tolist()
        for values in (recipients.kind, recipients.recipient_id, recipients.channel)
    )
    prefix = _key_prefix(warning)
    keys = np.array([_key(prefix, k, r, c) for k, r, c in zip(kinds, ids, channel_names, strict=True)])
    order = np.argsort(keys)
    columns = [
        np.asarray(values)[order].tolist()
        for values in (
            recipients.channel,
            recipients.kind,
            recipients.recipient_id,
            recipients.address,
            recipients.county_code,
            recipients.cell,
            keys,
        )
    ]
    written = 0
    with transaction.atomic():
        for start in range(0, len(order), FAN_OUT_CHUNK):
            written += _insert(warning.pk, now, [column[start : start + FAN_OUT_CHUNK] for column in columns])
        if written >= ANALYZE_AFTER and connection.vendor == "postgresql":
            # Until autovacuum's next look, the planner would take the new queue for a few rows and
            # sort all of it on every claim (measured: 230 ms for 200,000 rows instead of 2 ms).
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {Delivery._meta.db_table}")
    return written


_INSERT_COLUMNS = (
    "warning_id, created_at, next_attempt_at, status, attempts, claimed_by, provider_id, last_error, "
    "channel, recipient_kind, recipient_id, address, region_id, cell, idempotency_key"
)


def _insert(warning_id: int, now: datetime, columns: list[list[Any]]) -> int:
    """Insert the rows, skipping those whose key exists; how many were new."""
    if connection.vendor == "postgresql":
        return _insert_postgresql(warning_id, now, columns)
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {Delivery._meta.db_table} ({_INSERT_COLUMNS}) "
            "VALUES (%s, %s, %s, 'queued', 0, '', '', '', %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (idempotency_key) DO NOTHING",
            [(warning_id, stamp, stamp, *row) for row in zip(*columns, strict=True)],
        )
        return max(cursor.rowcount, 0)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _insert_postgresql(warning_id: int, now: datetime, columns: list[list[Any]]) -> int:
    """COPY, PostgreSQL's fastest way in; a repeated fan-out makes it fail whole, and then INSERT.

    Every column but the address is a code, a number or a hex key: only the address needs COPY's
    text escapes.
    """
    table = Delivery._meta.db_table
    head = f"{warning_id}\t{now.isoformat()}\t{now.isoformat()}\tqueued\t0\t\t\t\t"
    channel_names, kinds, ids, addresses, counties, cells, keys = columns
    text = "".join(
        f"{head}{channel}\t{kind}\t{recipient}\t{address.translate(_COPY_ESCAPES)}\t{county}\t{cell}\t{key}\n"
        for channel, kind, recipient, address, county, cell, key in zip(
            channel_names, kinds, ids, addresses, counties, cells, keys, strict=True
        )
    )
    try:
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {table} ({_INSERT_COLUMNS}) FROM STDIN") as copy,
        ):
            copy.write(text)
        return len(keys)
    except IntegrityError:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({_INSERT_COLUMNS}) SELECT %s, %s, %s, 'queued', 0, '', '', '', u.* "
                "FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::text[], %s::text[], %s::int[], "
                "%s::text[]) AS u ON CONFLICT (idempotency_key) DO NOTHING",
                [warning_id, now, now, *columns],
            )
            return max(cursor.rowcount, 0)


# The drain ---------------------------------------------------------------------------------------


@dataclass
class DrainReport:
    """What a drain did with the rows it claimed."""

    claimed: int = 0
    delivered: int = 0  # confirmed at once (log, inbox, a gateway that knows)
    sent: int = 0  # accepted by the provider; its receipt will say delivered or failed
    retrying: int = 0  # refused for now: queued again after a backoff
    failed: int = 0  # refused for good, or out of attempts
    taken_over: int = 0  # the lease ran out before recording: the row is another worker's now

    def add(self, other: DrainReport) -> None:
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row a worker holds: what it needs to send the message."""

    id: int
    warning_id: int
    channel: str
    recipient_id: int
    address: str
    key: str
    attempts: int


@dataclass
class Claim:
    """A batch of rows held by `worker_id` until `lease_end`."""

    worker_id: str
    lease_end: datetime
    rows: list[Claimed] = field(default_factory=list)


def worker_id() -> str:
    """This process's name in `claimed_by`: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"[-64:]


def retry_delay(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` failed ones: doubling from RETRY_BASE, capped."""
    return min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_CAP)


def _crash_point(name: str) -> None:
    """Die here as a killed worker would, when the crash test asks for it."""
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _lockable(queryset: Any) -> Any:
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset  # SQLite: the IMMEDIATE transaction already admits one writer


_CLAIMED_FIELDS = ("id", "warning_id", "channel", "recipient_id", "address", "idempotency_key", "attempts")


def claim(now: datetime, worker: str, size: int = BATCH_SIZE) -> Claim:
    """Hold up to `size` due rows for `worker`: abandoned ones (lease over) first, then the oldest queued.

    A row abandoned on its last attempt is failed instead: a message that kills every worker that
    tries it must not stop the outbox. A held row's `next_attempt_at` is its lease's end.
    """
    held = Claim(worker, now + LEASE)
    with transaction.atomic():
        abandoned = Delivery.objects.filter(status=Delivery.SENDING, next_attempt_at__lte=now)
        abandoned.filter(attempts__gte=MAX_ATTEMPTS).update(
            status=Delivery.FAILED,
            claimed_until=None,
            last_error="发送中工作进程多次中断 / the worker stopped during every attempt",
        )
        due = list(
            _lockable(abandoned).order_by("next_attempt_at", "id").values_list(*_CLAIMED_FIELDS)[:size]
        )
        if len(due) < size:
            queued = Delivery.objects.filter(status=Delivery.QUEUED, next_attempt_at__lte=now)
            due += (
                _lockable(queued)
                .order_by("next_attempt_at", "id")
                .values_list(*_CLAIMED_FIELDS)[: size - len(due)]
            )
        if not due:
            return held
        Delivery.objects.filter(pk__in=[row[0] for row in due]).update(
            status=Delivery.SENDING,
            claimed_by=worker,
            claimed_until=held.lease_end,
            next_attempt_at=held.lease_end,
            attempts=F("attempts") + 1,
        )
    held.rows = [
        Claimed(pk, warning_id, channel, recipient_id, address, key, attempts + 1)
        for pk, warning_id, channel, recipient_id, address, key, attempts in due
    ]
    return held


def _held_by(held: Claim) -> Any:
    """The rows of a claim still held by its worker: found through the outbox index, by the lease's end."""
    return Delivery.objects.filter(
        status=Delivery.SENDING, next_attempt_at=held.lease_end, claimed_by=held.worker_id
    )


class _Texts:
    """Each warning's texts per channel, made once per drain (every recipient gets the same text)."""

    def __init__(self) -> None:
        self.warnings: dict[int, EarlyWarning] = {}
        self.texts: dict[tuple[int, str], str] = {}

    def load(self, warning_ids: Iterable[int]) -> None:
        missing = set(warning_ids) - self.warnings.keys()
        if missing:
            self.warnings.update(
                EarlyWarning.objects.select_related("region", "organization").in_bulk(list(missing))
            )

    def message(self, row: Claimed) -> channels.OutgoingMessage:
        warning = self.warnings[row.warning_id]
        text = self.texts.get((row.warning_id, row.channel))
        if text is None:
            text = self.texts[(row.warning_id, row.channel)] = channels.message_text(warning, row.channel)
        return channels.OutgoingMessage(
            key=row.key,
            address=row.address,
            text=text,
            warning_id=row.warning_id,
            recipient_id=row.recipient_id,
            subject=channels.subject(warning),
        )


def _send(
    rows: list[Claimed], adapters: dict[str, channels.Channel], texts: _Texts, in_transaction: bool
) -> dict[int, channels.SendResult]:
    """Send the rows whose channel's adapter runs in (or outside) a transaction; results by row id."""
    by_channel: dict[str, list[Claimed]] = defaultdict(list)
    for row in rows:
        if adapters[row.channel].in_transaction == in_transaction:
            by_channel[row.channel].append(row)
    results: dict[int, channels.SendResult] = {}
    for channel, batch in by_channel.items():
        adapter = adapters[channel]
        messages = [texts.message(row) for row in batch]
        try:
            # A channel writing to the database does so in a savepoint: if it fails, its writes go
            # and the rest of the batch is still recorded.
            with transaction.atomic() if in_transaction else contextlib.nullcontext():
                answers = adapter.send(messages)
            if len(answers) != len(messages):
                raise RuntimeError(f"{adapter.name} answered {len(answers)} results for {len(messages)}")
        except Exception as error:  # a broken adapter must not strand its rows: they are retried
            log.exception("channel %s failed on a batch of %d", adapter.name, len(messages))
            answers = [
                channels.SendResult(m.key, channels.TEMPORARY, error=f"{type(error).__name__}: {error}")
                for m in messages
            ]
        results.update((row.id, answer) for row, answer in zip(batch, answers, strict=True))
    return results


_UPDATE_TYPES = {
    "status": "text",
    "next_attempt_at": "timestamptz",
    "provider_id": "text",
    "last_error": "text",
    "sent_at": "timestamptz",
    "delivered_at": "timestamptz",
    "claimed_until": "timestamptz",
}


def _update_each(ids: list[int], values: dict[str, list[Any]], condition: str, params: list[Any]) -> int:
    """Set per-row values on many rows (`d` is the row) in one statement; the number of rows changed."""
    if not ids:
        return 0
    table, names = Delivery._meta.db_table, list(values)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{_UPDATE_TYPES[name]}[]" for name in names)
            cursor.execute(
                f"UPDATE {table} AS d SET {', '.join(f'{n} = r.{n}' for n in names)} "
                f"FROM unnest(%s::bigint[], {arrays}) AS r(id, {', '.join(names)}) "
                f"WHERE d.id = r.id AND {condition}",
                [ids, *values.values(), *params],
            )
        else:
            adapt = functools.cache(connection.ops.adapt_datetimefield_value)  # a batch shares a few times
            columns = [
                [adapt(v) for v in column] if _UPDATE_TYPES[name] == "timestamptz" else column
                for name, column in values.items()
            ]
            cursor.executemany(
                f"UPDATE {table} AS d SET {', '.join(f'{n} = %s' for n in names)} "
                f"WHERE d.id = %s AND {condition}",
                [(*row, pk, *params) for *row, pk in zip(*columns, ids, strict=True)],
            )
        return max(cursor.rowcount, 0)


def _record(held: Claim, results: dict[int, channels.SendResult], now: datetime, report: DrainReport) -> None:
    """Write each held row's outcome (and end its lease) in one statement; counts go into `report`."""
    ids: list[int] = []
    values: dict[str, list[Any]] = {name: [] for name in _UPDATE_TYPES}
    for row in held.rows:
        result = results.get(row.id)
        if result is None:
            continue
        status, next_attempt, sent, delivered = Delivery.FAILED, now, None, None
        if result.outcome == channels.DELIVERED:
            status, sent, delivered = Delivery.DELIVERED, now, now
            report.delivered += 1
        elif result.outcome == channels.ACCEPTED:
            status, sent = Delivery.SENT, now
            report.sent += 1
        elif result.outcome == channels.TEMPORARY and row.attempts < MAX_ATTEMPTS:
            status, next_attempt = Delivery.QUEUED, now + retry_delay(row.attempts)
            report.retrying += 1
        else:
            report.failed += 1
        ids.append(row.id)
        for name, value in zip(
            _UPDATE_TYPES,
            (status, next_attempt, result.provider_id, result.error, sent, delivered, None),
            strict=True,
        ):
            values[name].append(value)
    _update_each(
        ids,
        values,
        "d.status = 'sending' AND d.claimed_by = %s AND d.claimed_until = %s",
        [held.worker_id, connection.ops.adapt_datetimefield_value(held.lease_end)],
    )


def drain_batch(
    now: datetime, worker: str, adapters: dict[str, channels.Channel], texts: _Texts, size: int = BATCH_SIZE
) -> DrainReport:
    """Claim one batch, send it, record the outcomes."""
    report = DrainReport()
    held = claim(now, worker, size)
    if not held.rows:
        return report
    report.claimed = len(held.rows)
    _crash_point("after_claim")
    texts.load(row.warning_id for row in held.rows)
    results = _send(held.rows, adapters, texts, in_transaction=False)
    _crash_point("after_send")
    with transaction.atomic():
        # The rows still ours, locked: a row whose lease ran out may be another worker's by now.
        still_held = set(_locked(_held_by(held)).values_list("id", flat=True))
        claimed, held.rows = held.rows, [row for row in held.rows if row.id in still_held]
        report.taken_over = len(claimed) - len(held.rows)
        results.update(_send(held.rows, adapters, texts, in_transaction=True))
        _record(held, results, now, report)
    return report


def _locked(queryset: Any) -> Any:
    """Lock the rows (PostgreSQL) and wait for them: they are ours unless a lease ran out."""
    if connection.features.has_select_for_update:
        return queryset.select_for_update()
    return queryset


def drain(
    now: datetime, worker: str | None = None, limit: int = PASS_LIMIT, *, batch_size: int = BATCH_SIZE
) -> DrainReport:
    """Send due deliveries batch after batch, until none is due, `limit` rows or PASS_SECONDS are spent.

    `now` moves on with the wall clock in whole seconds during the pass, so that a late batch's
    lease counts from its own claim (a slow gateway must not hand out leases that have already run out).
    """
    worker = worker or worker_id()
    # Every adapter first: a channel misconfigured fails the pass before it holds any row.
    adapters = {channel: channels.adapter_for(channel) for channel, _ in Delivery.CHANNEL_CHOICES}
    texts, report, started = _Texts(), DrainReport(), time.monotonic()
    while report.claimed < limit and (elapsed := time.monotonic() - started) < PASS_SECONDS:
        batch = drain_batch(
            now + timedelta(seconds=int(elapsed)),
            worker,
            adapters,
            texts,
            min(batch_size, limit - report.claimed),
        )
        if not batch.claimed:
            break
        report.add(batch)
    return report


@jobs.periodic_check("warning_deliveries")
def drain_due(now: datetime) -> int:
    """The worker's pass over the outbox: at most PASS_LIMIT messages."""
    report = drain(now)
    if report.claimed:
        log.info("deliveries: %s", report)
    return report.claimed


# Receipts ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    """A provider's word on one message, found by our idempotency key or by its own message id."""

    status: str  # delivered or failed
    key: str = ""
    provider_id: str = ""
    at: datetime | None = None
    error: str = ""


@dataclass
class ReceiptReport:
    applied: int = 0  # rows that changed
    unchanged: int = 0  # already so, or delivered (a delivered row never goes back)
    unknown: list[str] = field(default_factory=list)  # keys or provider ids matching no row


def apply_receipts(items: Sequence[Receipt], now: datetime | None = None) -> ReceiptReport:
    """Record providers' receipts in one transaction; an unknown message is reported, not an error."""
    now = now or timezone.now()
    report = ReceiptReport()
    keys = {item.key for item in items if item.key}
    provider_ids = {item.provider_id for item in items if item.provider_id and not item.key}
    with transaction.atomic():
        found = Delivery.objects.filter(
            Q(idempotency_key__in=keys) | (~Q(provider_id="") & Q(provider_id__in=provider_ids))
        ).values_list("id", "idempotency_key", "provider_id", "status")
        by_key: dict[str, int] = {}
        by_provider: dict[str, int] = {}
        status_of: dict[int, str] = {}
        for pk, key, provider_id, status in found:
            by_key[key], status_of[pk] = pk, status
            if provider_id:
                by_provider[provider_id] = pk
        latest: dict[int, Receipt] = {}
        for item in items:
            row_id = by_key.get(item.key) if item.key else by_provider.get(item.provider_id)
            if row_id is None:
                report.unknown.append(item.key or item.provider_id)
                continue
            earlier = latest.get(row_id)
            if earlier is None or earlier.status != Delivery.DELIVERED:  # delivered wins over failed
                latest[row_id] = item
        ids: list[int] = []
        values: dict[str, list[Any]] = {"status": [], "delivered_at": [], "last_error": []}
        for pk, item in latest.items():
            if status_of[pk] == Delivery.DELIVERED or status_of[pk] == item.status:
                report.unchanged += 1
                continue
            ids.append(pk)
            values["status"].append(item.status)
            values["delivered_at"].append((item.at or now) if item.status == Delivery.DELIVERED else None)
            values["last_error"].append(item.error[:500] if item.status == Delivery.FAILED else "")
        report.applied = _update_each(ids, values, "d.status <> 'delivered'", [])
        Delivery.objects.filter(pk__in=ids, sent_at__isnull=True).exclude(delivered_at=None).update(
            sent_at=F("delivered_at")
        )
    return report


# Coverage ----------------------------------------------------------------------------------------


@jobs.periodic_check("warning_coverage")
def refresh_stale_coverage(now: datetime) -> int:
    """Measure again the coverage of recent warnings with deliveries newer than their last measurement.

    Deliveries are confirmed by the drain and by receipts arriving through the API at any rate; the
    worker's pass measures each warning at most once, after both. Without a population grid there
    is nothing to measure against (`yingji population-grid build`), and nothing is done.
    """
    if not PopulationGrid.objects.exists():
        return 0
    delivered = Delivery.objects.filter(warning=OuterRef("pk"), delivered_at__isnull=False)
    stale = EarlyWarning.objects.filter(published_at__gte=now - COVERAGE_WINDOW).filter(
        (Q(coverage_at__isnull=True) & Exists(delivered))
        | Exists(delivered.filter(delivered_at__gt=OuterRef("coverage_at")))
    )
    refreshed = 0
    for warning in stale.select_related("region"):
        try:
            with transaction.atomic():
                coverage.refresh(warning, now)
        except DomainError as error:  # one warning that cannot be measured does not stop the others
            log.warning("coverage of warning %s not measured: %s", warning.pk, error.message)
            continue
        refreshed += 1
    return refreshed
