"""The per-process snapshot of the subscribers: reloaded on every kind of change, never stale."""

from __future__ import annotations

from typing import Any

from yingji.warnings import subscribers, subscriptions
from yingji.warnings.models import Subscriber


def test_the_snapshot_follows_every_change(demo: None, county_admin: Any) -> None:
    first = subscribers.snapshot()
    assert subscribers.snapshot() is first  # unchanged table: the same snapshot, no reload
    assert len(first.ids) == Subscriber.objects.filter(active=True).count()

    added, token = subscriptions.subscribe_public("sms", "13900001111", longitude=112.73, latitude=38.42)
    second = subscribers.snapshot()
    assert second is not first and added.pk in second.ids.tolist()

    subscriptions.update(county_admin, added.pk, min_level="red")
    third = subscribers.snapshot()
    row = third.ids.tolist().index(added.pk)
    assert third is not second and third.level[row] == 3

    subscriptions.unsubscribe_public(token)
    assert added.pk not in subscribers.snapshot().ids.tolist()

    subscriptions.delete(county_admin, added.pk)
    assert len(subscribers.snapshot().ids) == len(first.ids)
