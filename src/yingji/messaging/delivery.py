"""The worker's side of the outbox: claim due deliveries, send them, record what became of them.

The drain never holds a transaction across the network (decision record 0017):
1. claim: a short transaction marks a batch of due rows `sending` by this worker, with a lease;
2. send: outside any transaction, batch by batch per channel, every message with its key;
3. record: a second short transaction writes every outcome in one statement, for the rows the
   worker still holds (a row whose lease ran out belongs to whoever took it over).
A worker killed after 1 or 2 leaves rows `sending`; when the lease ends another worker takes them
and sends them again with the same keys, and the gateway, which deduplicates by key, delivers each
message once. Channels that only write to the database (the inbox) send inside transaction 3.

`yingji worker` and `yingji run-due --now` drain through the periodic check "message_outbox". What is
queued, by any domain, comes from outbox.py; providers' receipts are applied by receipts.py.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import socket
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from yingji.core import jobs
from yingji.messaging import channels
from yingji.messaging.models import Delivery, Message

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # a claimed row returns to the pool if not recorded by then
BATCH_SIZE = 500  # rows per claim and per request to a gateway
PASS_LIMIT = 10_000  # rows one worker pass drains at most, so that deadlines are not kept waiting,
PASS_SECONDS = 20.0  # and how long it keeps claiming batches
MAX_ATTEMPTS = 6
RETRY_BASE = timedelta(seconds=30)  # 30 s, 1, 2, 4, 8 min: the last try ~15 min after the first
RETRY_CAP = timedelta(minutes=30)
FAULT_ENV = "YINGJI_FAULT_DELIVERY"  # the crash test's kill points: after_claim, after_send


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
    message_id: int
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


_CLAIMED_FIELDS = ("id", "message_id", "channel", "recipient_id", "address", "idempotency_key", "attempts")


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
        Claimed(pk, message_id, channel, recipient_id, address, key, attempts + 1)
        for pk, message_id, channel, recipient_id, address, key, attempts in due
    ]
    return held


def _held_by(held: Claim) -> Any:
    """The rows of a claim still held by its worker: found through the outbox index, by the lease's end."""
    return Delivery.objects.filter(
        status=Delivery.SENDING, next_attempt_at=held.lease_end, claimed_by=held.worker_id
    )


class _Messages:
    """The messages the claimed rows carry, read once per drain (a fan-out's rows share a few)."""

    def __init__(self) -> None:
        self.messages: dict[int, tuple[str, str, str, str, str]] = {}

    def load(self, message_ids: Iterable[int]) -> None:
        missing = set(message_ids) - self.messages.keys()
        if missing:
            found = Message.objects.filter(pk__in=missing).values_list(
                "pk", "body", "subject", "link", "object_type", "object_id"
            )
            for pk, body, subject, link, object_type, object_id in found:
                self.messages[pk] = (body, subject, link, object_type, object_id)

    def outgoing(self, row: Claimed) -> channels.OutgoingMessage:
        body, subject, link, object_type, object_id = self.messages[row.message_id]
        return channels.OutgoingMessage(
            key=row.key,
            address=row.address,
            text=body,
            recipient_id=row.recipient_id,
            subject=subject,
            link=link,
            object_type=object_type,
            object_id=object_id,
        )


def _send(
    rows: list[Claimed], adapters: dict[str, channels.Channel], messages: _Messages, in_transaction: bool
) -> dict[int, channels.SendResult]:
    """Send the rows whose channel's adapter runs in (or outside) a transaction; results by row id."""
    by_channel: dict[str, list[Claimed]] = defaultdict(list)
    for row in rows:
        if adapters[row.channel].in_transaction == in_transaction:
            by_channel[row.channel].append(row)
    results: dict[int, channels.SendResult] = {}
    for channel, batch in by_channel.items():
        adapter = adapters[channel]
        outgoing = [messages.outgoing(row) for row in batch]
        try:
            # A channel writing to the database does so in a savepoint: if it fails, its writes go
            # and the rest of the batch is still recorded.
            with transaction.atomic() if in_transaction else contextlib.nullcontext():
                answers = adapter.send(outgoing)
            if len(answers) != len(outgoing):
                raise RuntimeError(f"{adapter.name} answered {len(answers)} results for {len(outgoing)}")
        except Exception as error:  # a broken adapter must not strand its rows: they are retried
            log.exception("channel %s failed on a batch of %d", adapter.name, len(outgoing))
            answers = [
                channels.SendResult(m.key, channels.TEMPORARY, error=f"{type(error).__name__}: {error}")
                for m in outgoing
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


def update_each(ids: list[int], values: dict[str, list[Any]], condition: str, params: list[Any]) -> int:
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
    update_each(
        ids,
        values,
        "d.status = 'sending' AND d.claimed_by = %s AND d.claimed_until = %s",
        [held.worker_id, connection.ops.adapt_datetimefield_value(held.lease_end)],
    )


def drain_batch(
    now: datetime,
    worker: str,
    adapters: dict[str, channels.Channel],
    messages: _Messages,
    size: int = BATCH_SIZE,
) -> DrainReport:
    """Claim one batch, send it, record the outcomes."""
    report = DrainReport()
    held = claim(now, worker, size)
    if not held.rows:
        return report
    report.claimed = len(held.rows)
    _crash_point("after_claim")
    messages.load(row.message_id for row in held.rows)
    results = _send(held.rows, adapters, messages, in_transaction=False)
    _crash_point("after_send")
    with transaction.atomic():
        # The rows still ours, locked: a row whose lease ran out may be another worker's by now.
        still_held = set(_locked(_held_by(held)).values_list("id", flat=True))
        claimed, held.rows = held.rows, [row for row in held.rows if row.id in still_held]
        report.taken_over = len(claimed) - len(held.rows)
        results.update(_send(held.rows, adapters, messages, in_transaction=True))
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
    """Send due messages batch after batch, until none is due, `limit` rows or PASS_SECONDS are spent.

    `now` moves on with the wall clock in whole seconds during the pass, so that a late batch's
    lease counts from its own claim (a slow gateway must not hand out leases that have already run out).
    """
    worker = worker or worker_id()
    # Every adapter first: a channel misconfigured fails the pass before it holds any row.
    adapters = {channel: channels.adapter_for(channel) for channel, _ in Delivery.CHANNEL_CHOICES}
    messages, report, started = _Messages(), DrainReport(), time.monotonic()
    while report.claimed < limit and (elapsed := time.monotonic() - started) < PASS_SECONDS:
        batch = drain_batch(
            now + timedelta(seconds=int(elapsed)),
            worker,
            adapters,
            messages,
            min(batch_size, limit - report.claimed),
        )
        if not batch.claimed:
            break
        report.add(batch)
    return report


@jobs.periodic_check("message_outbox")
def drain_due(now: datetime) -> int:
    """The worker's pass over the outbox: at most PASS_LIMIT messages."""
    report = drain(now)
    if report.claimed:
        log.info("outbox: %s", report)
    return report.claimed
