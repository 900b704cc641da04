"""Rate limits kept in the database, so that they hold across every web and API process.

`hit(kind, key, limit=…, window=…)` counts one request of `kind` by `key` (a phone number, a client
address) in the current fixed window of `window` seconds and refuses it with 429 `rate_limited`
once the count passes `limit`. The count is taken before the request's work is done: the counter
row is incremented with one UPDATE (which waits for a concurrent increment's lock on PostgreSQL;
SQLite's write transactions already queue), then read back, so parallel requests cannot all slip
under the limit. A refused request is not counted (its increment rolls back with the 429), so a
flood does not keep extending the lockout past the window.

Fixed windows allow up to twice `limit` across a window's edge; that bound is stated with every
limit's setting. Keys are stored as a keyed digest (HMAC of SECRET_KEY), never as the number or
address itself. The worker deletes counters of windows long past (the check `rate_counters`).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from yingji.core import jobs
from yingji.core.errors import RateLimited
from yingji.core.models import RateCounter

FORGET_AFTER = timedelta(days=2)  # windows are at most a day long


def key_digest(kind: str, key: str) -> str:
    """The stored form of a key: an HMAC, so the table keeps no phone numbers or addresses."""
    secret = str(settings.SECRET_KEY).encode()
    return hmac.new(secret, f"{kind}\x1f{key}".encode(), hashlib.sha256).hexdigest()


def window_start(now: datetime, window: int) -> datetime:
    """The start of the fixed window of `window` seconds that `now` falls in."""
    seconds = int(now.timestamp())
    return datetime.fromtimestamp(
        seconds - seconds % window, tz=now.tzinfo or timezone.get_current_timezone()
    )


@transaction.atomic
def hit(kind: str, key: str, *, limit: int, window: int, message: str, now: datetime | None = None) -> int:
    """Count one request of `kind` by `key`; 429 `rate_limited` (with `message`) when it passes `limit`.

    Returns the count in this window, this request included.
    """
    now = now or timezone.now()
    start = window_start(now, window)
    row = RateCounter.objects.filter(kind=kind, key_digest=key_digest(kind, key), window_start=start)
    if not row.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                RateCounter.objects.create(
                    kind=kind, key_digest=key_digest(kind, key), window_start=start, count=1
                )
        except IntegrityError:  # a concurrent request created it first
            row.update(count=F("count") + 1)
    count = int(row.values_list("count", flat=True).get())
    if count > limit:
        retry_after = int((start + timedelta(seconds=window) - now).total_seconds()) + 1
        raise RateLimited(
            message, details={"limit": limit, "window_seconds": window, "retry_after": retry_after}
        )
    return count


@jobs.periodic_check("rate_counters")
def forget_old_counters(now: datetime) -> int:
    """Delete the counters of windows that started more than two days ago: no window is longer than a
    day, so each of them ended a day ago or more."""
    deleted, _ = RateCounter.objects.filter(window_start__lt=now - FORGET_AFTER).delete()
    return deleted
