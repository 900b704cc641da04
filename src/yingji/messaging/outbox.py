"""How any domain sends a message: it queues it in the outbox, in the transaction of the change it reports.

`queue(recipient, channel, text, about=...)` writes one delivery; `queue_many(about, texts, batch, now)`
writes a fan-out's thousands with one bulk statement (COPY on PostgreSQL, one executemany on SQLite).
Every row carries an idempotency key, unique in the table: queuing a message again under its key
writes nothing, and the gateways deduplicate by it (decision records 0017 and 0021). The worker sends
the rows (delivery.py); nothing here talks to a network, so a transaction that rolls back takes its
messages with it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any

import numpy as np
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from yingji.messaging.models import Delivery, Message, object_key

CHANNELS = tuple(channel for channel, _label in Delivery.CHANNEL_CHOICES)
CHUNK = 50_000  # rows per insert statement
ANALYZE_AFTER = 10_000  # rows of one batch after which PostgreSQL's statistics are brought up to date
# What the claim's plan depends on: the queue's statuses and times (the other columns' statistics
# would cost the ANALYZE twice as long and change no plan of the outbox).
ANALYZE_COLUMNS = "status, next_attempt_at, id"
ROWS_PER_INSERT = 40  # SQLite: rows per INSERT statement of a batch (320 bound values, of 32,766 allowed)
COPY_AT_LEAST = 1_000  # rows from which a batch goes in by COPY rather than INSERT
KIND = re.compile(r"[a-z0-9_]{1,16}")


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a message goes to: a row of some register (`kind`, `id`) and its address on the channel.

    `region` is the code of the recipient's region (who may see the delivery), `cell` its
    population-grid cell where it has a location (−1: unknown).
    """

    kind: str
    id: int
    address: str
    region: str
    cell: int = -1


@dataclass(frozen=True, slots=True)
class Text:
    """What a message says: the body the channel sends and, for the inbox, a subject line and a link."""

    body: str
    subject: str = ""
    link: str = ""


@dataclass
class Batch:
    """Many messages as parallel columns, one entry per message (sequences or numpy arrays).

    kind, recipient_id, address, region, cell: as in `Recipient`; channel: one of CHANNELS; key: each
    message's idempotency key (at most 64 characters), the same whenever the message is queued again.
    """

    kind: Sequence[Any]
    recipient_id: Sequence[Any]
    channel: Sequence[Any]
    address: Sequence[Any]
    region: Sequence[Any]
    cell: Sequence[Any]
    key: Sequence[Any]


def message_for(about: models.Model, text: Text) -> int:
    """The id of the message saying `text` about `about`: the row there is, or a new one."""
    object_type, object_id = object_key(about)
    digest = hashlib.blake2b(
        "\x1f".join((object_type, object_id, text.subject, text.link, text.body)).encode(), digest_size=16
    ).hexdigest()
    message, _created = Message.objects.get_or_create(
        digest=digest,
        defaults={
            "object_type": object_type,
            "object_id": object_id,
            "subject": text.subject[:200],
            "body": text.body,
            "link": text.link[:200],
        },
    )
    return int(message.pk)


def queue(
    recipient: Recipient,
    channel: str,
    text: str | Text,
    *,
    about: models.Model,
    key: str = "",
    now: datetime | None = None,
) -> bool:
    """Queue one message; False if one with its key is queued already.

    Without a key the message's own is used: a hash of the text, what it is about, the recipient and
    the channel, so the same message to the same person is sent once however often it is queued. A
    message that must go out again with the same words needs a key of its own (e.g. naming the attempt).
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    text = text if isinstance(text, Text) else Text(text)
    _check_kinds({recipient.kind})
    with transaction.atomic():
        message_id = message_for(about, text)
        key = (
            key
            or hashlib.blake2b(
                f"{message_id}|{recipient.kind}|{recipient.id}|{channel}".encode(), digest_size=16
            ).hexdigest()
        )
        row: list[Any] = [
            message_id,
            channel,
            recipient.kind,
            recipient.id,
            recipient.address,
            recipient.region,
            recipient.cell,
            key,
        ]
        return _insert(now or timezone.now(), [[value] for value in row]) == 1


def queue_many(about: models.Model, texts: Mapping[str, Text], batch: Batch, now: datetime) -> int:
    """Queue a batch of messages about one object, each channel's with its text; the number of new rows.

    Rows whose key is queued already are left as they are. Rows go in in key order: the key index
    then grows page by page instead of at random places (on SQLite about twice as fast once the
    table holds a million rows); a batch whose keys share a prefix goes in side by side.
    """
    order = _key_order(batch.key)
    columns = [np.asarray(values)[order].tolist() for values in _columns(batch)]
    used = dict.fromkeys(columns[0])  # the channels, in one pass at C speed
    missing = set(used) - (texts.keys() & set(CHANNELS))
    if missing:
        raise ValueError(f"no text for the channels {sorted(missing)}")
    _check_kinds(set(columns[1]))
    written = 0
    with transaction.atomic():
        message_ids = {channel: message_for(about, texts[channel]) for channel in used}
        columns.insert(0, [message_ids[channel] for channel in columns[0]])
        for start in range(0, len(order), CHUNK):
            written += _insert(now, [column[start : start + CHUNK] for column in columns])
        if written >= ANALYZE_AFTER and connection.vendor == "postgresql":
            # Until autovacuum's next look, the planner would take the new queue for a few rows and
            # sort all of it on every claim (measured: 230 ms for 200,000 rows instead of 2 ms).
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {Delivery._meta.db_table} ({ANALYZE_COLUMNS})")
    return written


def _key_order(keys: Sequence[Any]) -> np.ndarray:
    """The order of the keys: as bytes when they are ASCII, as they are (the same order, sorted several
    times faster than numpy's 4-byte characters), else as text."""
    text = np.asarray(keys, dtype=str)
    try:
        return np.argsort(text.astype(bytes), kind="stable")
    except UnicodeEncodeError:
        return np.argsort(text, kind="stable")


def withdraw(about: models.Model, reason: str) -> int:
    """Fail the messages about `about` still waiting to be sent (a warning replaced by a newer version)."""
    return (
        Delivery.objects.about(about)
        .filter(status=Delivery.QUEUED)
        .update(status=Delivery.FAILED, last_error=reason[:500])
    )


def redact(about: models.Model, replacement: str) -> int:
    """Replace the text of the messages about `about` once it must not be kept (a one-time code used,
    replaced or expired); the deliveries still say who was sent a message on which channel and when."""
    return Message.objects.about(about).update(body=replacement, subject="", link="")


def _columns(batch: Batch) -> tuple[Sequence[Any], ...]:
    return (batch.channel, batch.kind, batch.recipient_id, batch.address, batch.region, batch.cell, batch.key)


def _check_kinds(kinds: set[str]) -> None:
    """Recipient kinds are short codes ("user", "subscriber" …), which the outbox's readers match on."""
    bad = [kind for kind in kinds if not KIND.fullmatch(kind)]
    if bad:
        raise ValueError(f"recipient kinds must be 1-16 letters, digits or _: {sorted(bad)[:5]}")


_INSERT_COLUMNS = (
    "created_at, next_attempt_at, status, attempts, claimed_by, provider_id, last_error, "
    "message_id, channel, recipient_kind, recipient_id, address, region_id, cell, idempotency_key"
)


def _insert(now: datetime, columns: list[list[Any]]) -> int:
    """Insert the rows (message, channel, kind, id, address, region, cell, key), skipping those whose
    key exists; how many were new."""
    if connection.vendor == "postgresql":
        return _insert_postgresql(now, columns)
    # The time is written into the statement (Django's own text for it, made from a datetime), and
    # the values go straight to sqlite3's executemany, ROWS_PER_INSERT rows a statement: no tuple
    # built per row, nothing of Django's between, a tenth of the statements to step through (a
    # fifth of the insert's time for a fan-out, together).
    stamp = connection.ops.adapt_datetimefield_value(now)
    row = f"('{stamp}', '{stamp}', 'queued', 0, '', '', '', ?, ?, ?, ?, ?, ?, ?, ?)"

    def insert(count: int) -> str:
        return (
            f"INSERT INTO {Delivery._meta.db_table} ({_INSERT_COLUMNS}) VALUES {', '.join([row] * count)} "
            "ON CONFLICT (idempotency_key) DO NOTHING"
        )

    rows = len(columns[0])
    whole = rows - rows % ROWS_PER_INSERT
    width = ROWS_PER_INSERT * len(columns)
    values = list(chain.from_iterable(zip(*(column[:whole] for column in columns), strict=True)))
    connection.ensure_connection()
    written = 0
    with connection.wrap_database_errors:
        if whole:
            cursor = connection.connection.executemany(
                insert(ROWS_PER_INSERT),
                (values[start : start + width] for start in range(0, len(values), width)),
            )
            written += max(cursor.rowcount, 0)
        if whole < rows:
            cursor = connection.connection.executemany(
                insert(1), zip(*(column[whole:] for column in columns), strict=True)
            )
            written += max(cursor.rowcount, 0)
    return written


# The types of _INSERT_COLUMNS, for COPY's binary format.
_COPY_TYPES = (
    "timestamptz", "timestamptz", "varchar", "int2", "varchar", "varchar", "text",
    "int8", "varchar", "varchar", "int8", "varchar", "varchar", "int4", "varchar",
)  # fmt: skip


def _insert_postgresql(now: datetime, columns: list[list[Any]]) -> int:
    """COPY, PostgreSQL's fastest way in, for a fan-out; INSERT for a few rows, or when some were queued
    already (COPY then fails whole).

    COPY's binary format: no text to build, escape and parse, on either side (about a tenth of the
    fan-out's time in the database, and a third of this process's).
    """
    table = Delivery._meta.db_table
    if len(columns[0]) >= COPY_AT_LEAST:
        head = (now, now, Delivery.QUEUED, 0, "", "", "")
        try:
            with (
                transaction.atomic(),
                connection.cursor() as cursor,
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({_INSERT_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy,
            ):
                copy.set_types(_COPY_TYPES)
                for row in zip(*columns, strict=True):
                    copy.write_row(head + row)
            return len(columns[0])
        except IntegrityError:
            pass  # some of the batch is queued already: the INSERT below skips those
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({_INSERT_COLUMNS}) SELECT %s, %s, 'queued', 0, '', '', '', u.* "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::bigint[], %s::text[], %s::text[], "
            "%s::int[], %s::text[]) AS u ON CONFLICT (idempotency_key) DO NOTHING",
            [now, now, *columns],
        )
        return max(cursor.rowcount, 0)
