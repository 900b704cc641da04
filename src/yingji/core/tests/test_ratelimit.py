"""core.ratelimit: counts in the database per key and window, refuses past the limit, keeps no keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from yingji.core import jobs, ratelimit
from yingji.core.errors import RateLimited
from yingji.core.models import RateCounter

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 7, 1, 12, 0, 5, tzinfo=UTC)


def hit(key: str = "13800001111", now: datetime = NOON, limit: int = 3) -> int:
    return ratelimit.hit("test.kind", key, limit=limit, window=3600, message="太频繁 / too many", now=now)


def test_requests_are_counted_until_the_limit_then_refused_with_when_to_retry() -> None:
    assert [hit() for _ in range(3)] == [1, 2, 3]
    with pytest.raises(RateLimited) as refused:
        hit()
    assert refused.value.status == 429 and refused.value.message == "太频繁 / too many"
    assert refused.value.details == {"limit": 3, "window_seconds": 3600, "retry_after": 3596}
    assert hit(key="13800002222") == 1  # another key has its own count


def test_a_refused_request_is_not_counted_and_the_next_window_starts_afresh() -> None:
    for _ in range(3):
        hit()
    for _ in range(5):
        with pytest.raises(RateLimited):
            hit()
    assert RateCounter.objects.get().count == 3
    assert hit(now=NOON + timedelta(hours=1)) == 1


def test_the_table_keeps_no_number_and_old_windows_are_forgotten() -> None:
    hit()
    row = RateCounter.objects.get()
    assert "13800001111" not in row.key_digest and row.key_digest == ratelimit.key_digest(
        "test.kind", "13800001111"
    )
    jobs.run_due(NOON + timedelta(days=3))
    assert not RateCounter.objects.exists()
