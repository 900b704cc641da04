"""The subscribers' arrays: stored, brought up to date on every use, honouring every change at once."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from django.db import transaction
from django.utils import timezone

from yingji.messaging.models import Message
from yingji.warnings import subscribers, subscription_codes, subscriptions
from yingji.warnings.models import Subscriber, SubscriberSnapshot

WHERE = {"longitude": 112.73, "latitude": 38.42}


@pytest.fixture(autouse=True)
def fresh_process() -> Any:
    """Each test starts as a fresh process: no arrays kept from another test."""
    subscribers.forget()
    yield
    subscribers.forget()


def confirmed(number: str) -> Subscriber:
    """A public subscription, confirmed with the code sent to the number."""
    pending = subscription_codes.request_subscription(number, client="203.0.113.1", **WHERE)
    code = re.search(r"验证码 (\d{6})", Message.objects.about(pending).get().body).group(1)  # type: ignore[union-attr]
    subscription_codes.confirm(pending.reference, code, client="203.0.113.1", site="http://testserver")
    return Subscriber.objects.get(address=number)


def row(table: subscribers.Snapshot, pk: int) -> int | None:
    found = np.flatnonzero(table.ids == pk)
    return int(found[0]) if len(found) else None


def assert_is_the_table(table: subscribers.Snapshot) -> None:
    """The arrays hold exactly what the subscriber table holds."""
    expected = {
        pk: (level, channel == Subscriber.APP, active, address, region)
        for pk, level, channel, active, address, region in Subscriber.objects.values_list(
            "id", "min_level", "channel", "active", "address", "region_id"
        )
    }
    ranks = {name: rank for rank, name in enumerate(("blue", "yellow", "orange", "red"))}
    assert table.ids.tolist() == sorted(expected)
    got = {
        int(pk): (int(level), bool(app), bool(active), address, table.region_codes[region])
        for pk, level, app, active, address, region in zip(
            table.ids, table.level, table.app, table.active, table.address, table.region, strict=True
        )
    }
    assert got == {pk: (ranks[level], *rest) for pk, (level, *rest) in expected.items()}


def test_the_arrays_follow_every_change_from_the_stored_ones(demo: None, county_admin: Any) -> None:
    subscribers.store(subscribers.read_table())
    assert_is_the_table(subscribers.snapshot())

    added = confirmed("13900001111")
    second = subscribers.snapshot()
    assert second.active[row(second, added.pk)]

    subscriptions.update(county_admin, added.pk, min_level="red")
    assert subscribers.snapshot().level[row(subscribers.snapshot(), added.pk)] == 3

    subscriptions.update(county_admin, added.pk, active=False)
    third = subscribers.snapshot()
    assert not third.active[row(third, added.pk)]

    subscriptions.delete(county_admin, added.pk)
    assert row(subscribers.snapshot(), added.pk) is None
    assert_is_the_table(subscribers.snapshot())


def test_kept_arrays_are_brought_up_to_date_by_the_rows_changed_since(
    demo: None, county_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The path of a warm process: its kept arrays plus what changed, not the stored ones again."""
    with django_capture_on_commit_callbacks(execute=True):
        kept = subscribers.snapshot()
    assert subscribers._kept  # kept once "committed"
    assert subscribers.refresh(kept).ids is kept.ids  # nothing changed: the same arrays, nothing copied
    some = Subscriber.objects.visible_to(county_admin).filter(active=True).first()
    subscriptions.update(county_admin, some.pk, min_level="red", active=False)
    added = subscriptions.create(county_admin, channel="app", address="push-token-0000000001", **WHERE)
    current = subscribers.snapshot()
    assert current.ids is not kept.ids
    assert not current.active[row(current, some.pk)] and current.level[row(current, some.pk)] == 3
    assert current.app[row(current, added.pk)]
    assert_is_the_table(current)


def test_a_change_stamped_before_the_last_look_but_committed_after_is_seen(demo: None) -> None:
    table = subscribers.snapshot()
    some = Subscriber.objects.filter(active=True).first()
    late = table.read_at - subscribers.LATE_COMMIT / 2
    Subscriber.objects.filter(pk=some.pk).update(active=False, updated_at=late)
    assert not subscribers.refresh(table).active[row(table, some.pk)]


def old_stamped(address: str) -> Subscriber:
    """A subscriber inserted as a bulk load does: with an `updated_at` long past."""
    old = timezone.now() - timedelta(days=30)
    return Subscriber.objects.create(
        channel="sms", address=address, region_id="140902", updated_at=old, created_at=old
    )


@pytest.mark.parametrize("delete", [True, False])
@pytest.mark.parametrize("insert", [True, False])
def test_rows_deleted_or_inserted_with_an_old_stamp_are_found_by_count_and_last_id(
    demo: None, delete: bool, insert: bool
) -> None:
    table = subscribers.snapshot()
    gone = Subscriber.objects.order_by("id")[5]
    if delete:
        Subscriber.objects.filter(pk=gone.pk).delete()
    if insert:
        old_stamped("13900002222")
    current = subscribers.refresh(table)
    assert (row(current, gone.pk) is None) == delete
    assert_is_the_table(current)


def test_what_a_transaction_rolled_back_is_not_kept(demo: None) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        added = confirmed("13900003333")
        assert row(subscribers.snapshot(), added.pk) is not None
        raise RuntimeError("rolled back")
    assert not subscribers._kept
    assert row(subscribers.snapshot(), added.pk) is None


def test_the_stored_value_reads_back_as_it_was_written(demo: None) -> None:
    table = subscribers.read_table()
    odd = dataclasses.replace(
        table,
        address=np.array(["号码-1", *table.address[1:].tolist()], dtype=object),
        longitude=np.where(np.arange(len(table)) == 0, np.nan, table.longitude),
    )
    back = subscribers.decode(subscribers.encode(odd))
    assert back is not None and back.read_at == odd.read_at and back.region_codes == odd.region_codes
    for name in ("ids", "region", "level", "app", "active", "address"):
        assert np.array_equal(getattr(back, name), getattr(odd, name)), name
    for name in ("longitude", "latitude"):
        assert np.array_equal(getattr(back, name), getattr(odd, name), equal_nan=True), name
    empty = subscribers._from_rows([], table.read_at)
    assert len(subscribers.decode(subscribers.encode(empty))) == 0


def test_the_worker_stores_the_arrays_when_none_or_when_much_changed(
    demo: None, county_admin: Any, monkeypatch: Any
) -> None:
    now = timezone.now()
    SubscriberSnapshot.objects.all().delete()
    assert subscribers.keep_stored(now) == 1  # none stored
    stored = SubscriberSnapshot.objects.get()
    assert stored.rows == Subscriber.objects.count()
    assert subscribers.keep_stored(now) == 0  # nothing changed
    confirmed("13900004444")
    assert subscribers.keep_stored(now) == 0  # one change: read from the table by whoever loads
    monkeypatch.setattr(subscribers, "STORE_AFTER", 1)
    assert subscribers.keep_stored(now) == 1
    monkeypatch.undo()
    Subscriber.objects.filter(pk=Subscriber.objects.order_by("id").first().pk).delete()
    assert subscribers.keep_stored(now) == 1  # a deletion: only the count shows it
    assert subscribers.keep_stored(now + subscribers.STORE_EVERY * 2) == 1  # a day old
    assert SubscriberSnapshot.objects.count() == 1
    assert_is_the_table(subscribers.load_stored())


def test_merging_replaces_adds_and_keeps_the_ids_in_order() -> None:
    now = timezone.now()

    def table(ids: list[int], codes: tuple[str, ...], region: list[int], level: list[int]) -> Any:
        size = len(ids)
        return subscribers.Snapshot(
            read_at=now,
            ids=np.array(ids, dtype=np.int64),
            longitude=np.full(size, np.nan),
            latitude=np.full(size, np.nan),
            region=np.array(region, dtype=np.int32),
            region_codes=codes,
            level=np.array(level, dtype=np.int8),
            app=np.zeros(size, dtype=bool),
            active=np.ones(size, dtype=bool),
            address=np.array([f"a{pk}" for pk in ids], dtype=object),
        )

    base = table([2, 5, 9], ("140902",), [0, 0, 0], [0, 1, 2])
    assert subscribers._merge(base, table([5], ("140902",), [0], [1]), now).ids is base.ids
    merged = subscribers._merge(base, table([5, 3], ("140921", "140902"), [0, 1], [3, 0]), now)
    assert merged.ids.tolist() == [2, 3, 5, 9]
    assert merged.level.tolist() == [0, 0, 3, 2]
    assert [merged.region_codes[index] for index in merged.region] == ["140902", "140902", "140921", "140902"]
    assert merged.address.tolist() == ["a2", "a3", "a5", "a9"]
    assert base.level.tolist() == [0, 1, 2]  # the arrays merged from are left as they were
