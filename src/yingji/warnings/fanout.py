"""A published warning fanned out into the shared outbox: one message per recipient × channel.

Fan-out is part of the publication's transaction: `fan_out` resolves the recipients (targeting.py),
writes the version's text once per channel (texts.py) and queues every message in bulk through
`messaging.outbox.queue_many`, each with an idempotency key derived from (version, recipient,
channel), so calling it twice writes nothing new. The worker sends them (messaging/delivery.py);
the coverage check then measures what reached people (coverage.py).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import numpy as np

from yingji.messaging import outbox
from yingji.warnings import targeting, texts
from yingji.warnings.models import EarlyWarning


def fan_out(warning: EarlyWarning, now: datetime) -> int:
    """Queue the warning's messages to every recipient it targets; the number of new rows."""
    return write_deliveries(warning, targeting.resolve(warning), now)


def _key_prefix(warning: EarlyWarning) -> str:
    # The identifier carries the publication time: two installations, or a demo rebuilt, do not
    # send a gateway keys it has already seen under the same warning number.
    return hashlib.blake2b(f"{warning.identifier}|{warning.pk}".encode(), digest_size=8).hexdigest()


def _key(prefix: str, kind: str, recipient_id: int, channel: str) -> str:
    # One version's keys share their first 16 digits, so its rows go into the key index side by side.
    # The first letters tell the warning's recipient kinds and the channels apart.
    return f"{prefix}-{kind[0]}{channel[0]}-{recipient_id:x}"


def idempotency_key(warning: EarlyWarning, kind: str, recipient_id: int, channel: str) -> str:
    """A message's key, the same on every retry: the version's 16 hex digits, then recipient and channel."""
    return _key(_key_prefix(warning), kind, recipient_id, channel)


def _keys(prefix: str, recipients: targeting.Recipients) -> np.ndarray:
    """Every row's key, as `_key` makes it: one format per kind × channel, applied in C."""
    kinds, channels = np.asarray(recipients.kind, dtype=str), np.asarray(recipients.channel, dtype=str)
    tags = np.char.add(kinds.astype("<U1"), channels.astype("<U1"))
    ids = np.asarray(recipients.recipient_id, dtype=np.int64)
    keys = np.empty(len(ids), dtype=object)
    for tag in np.unique(tags).tolist():
        rows = np.flatnonzero(tags == tag)
        keys[rows] = list(map(f"{prefix}-{tag}-%x".__mod__, ids[rows].tolist()))
    return keys.astype(str) if len(keys) else np.array([], dtype=str)


def write_deliveries(warning: EarlyWarning, recipients: targeting.Recipients, now: datetime) -> int:
    """Queue one message per recipient × channel, in bulk; those queued already are left as they are."""
    batch = outbox.Batch(
        kind=recipients.kind,
        recipient_id=recipients.recipient_id,
        channel=recipients.channel,
        address=recipients.address,
        region=recipients.county_code,
        cell=recipients.cell,
        key=_keys(_key_prefix(warning), recipients),
    )
    return outbox.queue_many(warning, texts.texts(warning), batch, now)
