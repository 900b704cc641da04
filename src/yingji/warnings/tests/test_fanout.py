"""A warning's fan-out into the shared outbox, its texts on the way out, its coverage check, and its
deliveries API."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.core.models import Notification, User
from yingji.geography.models import PopulationGrid
from yingji.messaging import delivery
from yingji.messaging.models import Delivery, Message
from yingji.messaging.receipts import Receipt, apply_receipts
from yingji.warnings import coverage, fanout, texts
from yingji.warnings.models import EarlyWarning, WarningType
from yingji.warnings.targeting import SUBSCRIBER, TERMINAL, USER

NOW = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
COUNTY_A, COUNTY_B = "140902", "140921"
_serial = itertools.count(1)


@dataclass
class FakeRecipients:
    """What targeting.resolve returns, written out by hand."""

    kind: list[str]
    recipient_id: list[int]
    channel: list[str]
    address: list[str]
    county_code: list[str]
    cell: list[int]


def recipients(*rows: tuple[str, int, str, str, str]) -> FakeRecipients:
    """(kind, id, channel, address, county) per row; the cell is the row's position."""
    kinds, ids, channel_names, addresses, counties = (list(column) for column in zip(*rows, strict=True))
    return FakeRecipients(kinds, ids, channel_names, addresses, counties, list(range(len(rows))))


def subscribers(count: int, channel: str = "sms", county: str = COUNTY_A, first: int = 1) -> FakeRecipients:
    return recipients(*((SUBSCRIBER, n, channel, f"138{n:08d}", county) for n in range(first, first + count)))


def make_warning(region: str = COUNTY_A, **changes: Any) -> EarlyWarning:
    """A published red rainstorm warning of `region`, written directly (the services have their own tests)."""
    fields: dict[str, Any] = {
        "warning_type": WarningType.objects.get(code="rainstorm"),
        "category": "natural",
        "level": "red",
        "headline": "忻府区暴雨红色预警",
        "description": "预计未来3小时忻府区降雨量将达100毫米以上。",
        "instruction": "立即转移低洼地区群众。",
        "onset": NOW,
        "expires": NOW + timedelta(hours=12),
        "region_id": region,
        "area_codes": [region],
        "status": EarlyWarning.PUBLISHED,
        "published_at": NOW,
        "identifier": f"{region}32400000_20260701100000_{next(_serial)}",
    }
    fields.update(changes)
    return EarlyWarning.objects.create(**fields)


def a_grid() -> None:
    """A population grid (the coverage check measures only where there is one); its cells do not matter."""
    PopulationGrid.objects.get_or_create(
        region_id="140900",
        defaults={"west": 112, "south": 38, "cell_lon": 0.01, "cell_lat": 0.01, "rows": 0, "cols": 0},
    )


def rows(warning: EarlyWarning) -> list[dict[str, Any]]:
    """The warning's deliveries by recipient (rows are written in key order, not the recipients')."""
    return list(Delivery.objects.about(warning).order_by("recipient_id", "channel").values())


def statuses(warning: EarlyWarning) -> list[str]:
    return [row["status"] for row in rows(warning)]


# Fan-out ----------------------------------------------------------------------------------------


def test_fan_out_writes_one_queued_row_per_recipient_and_channel(demo: None) -> None:
    warning = make_warning()
    written = fanout.write_deliveries(
        warning,
        recipients(
            (SUBSCRIBER, 7, Delivery.SMS, "13800000007", COUNTY_A),
            (TERMINAL, 3, Delivery.BROADCAST, "GB-0003", COUNTY_B),
        ),
        NOW,
    )
    assert written == 2
    broadcast, sms = rows(warning)  # by recipient id: the terminal (3) first
    assert (sms["channel"], sms["recipient_kind"], sms["recipient_id"], sms["address"]) == (
        "sms",
        "subscriber",
        7,
        "13800000007",
    )
    assert (sms["region_id"], sms["cell"], broadcast["region_id"], broadcast["cell"]) == (
        COUNTY_A,
        0,
        COUNTY_B,
        1,
    )
    assert (sms["status"], sms["attempts"], sms["next_attempt_at"], sms["created_at"]) == (
        "queued",
        0,
        NOW,
        NOW,
    )
    assert sms["idempotency_key"] == fanout.idempotency_key(warning, "subscriber", 7, "sms")


def test_fan_out_twice_writes_nothing_new(demo: None) -> None:
    warning = make_warning()
    assert fanout.write_deliveries(warning, subscribers(5), NOW) == 5
    assert fanout.write_deliveries(warning, subscribers(6), NOW + timedelta(minutes=1)) == 1
    assert Delivery.objects.about(warning).count() == 6


def test_keys_differ_per_version_recipient_and_channel(demo: None) -> None:
    first, second = make_warning(), make_warning()
    keys = {
        fanout.idempotency_key(first, "subscriber", 1, "sms"),
        fanout.idempotency_key(second, "subscriber", 1, "sms"),
        fanout.idempotency_key(first, "responder", 1, "sms"),
        fanout.idempotency_key(first, "subscriber", 2, "sms"),
        fanout.idempotency_key(first, "subscriber", 1, "app"),
    }
    assert len(keys) == 5 and len({key[:16] for key in keys}) == 2 and all(len(key) <= 64 for key in keys)


def test_the_keys_of_a_fan_out_are_those_of_its_messages_one_by_one(demo: None) -> None:
    warning = make_warning()
    mixed = recipients(
        *((SUBSCRIBER, n, "sms" if n % 3 else "app", "x", COUNTY_A) for n in (1, 15, 16, 255, 256, 10**9)),
        (USER, 4, "inbox", "u", COUNTY_A),
        (USER, 4, "sms", "u", COUNTY_A),
        (TERMINAL, 4, "broadcast", "t", COUNTY_B),
    )
    expected = [
        fanout.idempotency_key(warning, kind, recipient, channel)
        for kind, recipient, channel in zip(mixed.kind, mixed.recipient_id, mixed.channel, strict=True)
    ]
    assert fanout._keys(fanout._key_prefix(warning), mixed).tolist() == expected
    assert len(set(expected)) == len(expected)


def test_fan_out_writes_what_targeting_resolves(demo: None, monkeypatch: Any) -> None:
    from yingji.warnings import targeting

    warning = make_warning()
    monkeypatch.setattr(
        targeting, "resolve", lambda resolved: subscribers(4) if resolved == warning else None
    )
    assert fanout.fan_out(warning, NOW) == 4
    assert Delivery.objects.about(warning).filter(status="queued").count() == 4


def test_fan_out_of_a_county_warning_queues_everyone_targeting_finds(demo: None) -> None:
    from yingji.warnings import targeting

    warning = make_warning()
    resolved = targeting.resolve(warning)
    assert fanout.fan_out(warning, NOW) == len(resolved) > 0
    assert fanout.fan_out(warning, NOW) == 0
    queued = Delivery.objects.about(warning)
    assert queued.count() == len(resolved) and not queued.exclude(status="queued").exists()
    assert dict(Counter(queued.values_list("channel", flat=True))) == resolved.count_by("channel")
    written = dict(Message.objects.about(warning).values_list("deliveries__channel", "body").distinct())
    assert written == {
        channel: texts.message_text(warning, channel) for channel in resolved.count_by("channel")
    }


# On the way out ----------------------------------------------------------------------------------


def test_the_worker_sends_each_channel_the_warning_s_text(demo: None, settings: Any, tmp_path: Any) -> None:
    settings.MESSAGING_CHANNEL_LOG, settings.MESSAGING_CHANNELS = tmp_path / "deliveries.log", {}
    warning = make_warning()
    fanout.write_deliveries(
        warning,
        recipients(
            (SUBSCRIBER, 1, Delivery.SMS, "13800000001", COUNTY_A),
            (TERMINAL, 2, Delivery.BROADCAST, "GB-0002", COUNTY_A),
        ),
        NOW,
    )
    assert delivery.drain(NOW, "worker-a").delivered == 2
    lines = {
        line["channel"]: line["text"]
        for line in map(orjson.loads, settings.MESSAGING_CHANNEL_LOG.read_bytes().splitlines())
    }
    assert lines == {channel: texts.message_text(warning, channel) for channel in ("sms", "broadcast")}
    assert lines["sms"].startswith("【忻州应急】忻府区暴雨红色预警：")


def test_the_inbox_entry_links_the_warning_s_staff_page(demo: None, county_admin: User) -> None:
    warning = make_warning()
    fanout.write_deliveries(
        warning, recipients((USER, county_admin.pk, Delivery.INBOX, county_admin.username, COUNTY_A)), NOW
    )
    assert delivery.drain(NOW, "worker-a").delivered == 1
    note = Notification.objects.get(
        recipient=county_admin, object_type="early_warnings.earlywarning", object_id=str(warning.pk)
    )
    assert (note.subject, note.link) == ("忻府区暴雨红色预警", f"/warnings/{warning.pk}/")


# Coverage ---------------------------------------------------------------------------------------


def test_coverage_is_measured_again_once_after_new_deliveries(demo: None, monkeypatch: Any) -> None:
    measured: list[int] = []

    def refresh(warning: EarlyWarning, now: datetime) -> None:
        measured.append(warning.pk)
        EarlyWarning.objects.filter(pk=warning.pk).update(coverage={}, coverage_at=now)

    monkeypatch.setattr(coverage, "refresh", refresh)
    a_grid()
    warning, quiet = make_warning(), make_warning()
    fanout.write_deliveries(warning, subscribers(2), NOW)
    fanout.write_deliveries(quiet, subscribers(2), NOW)
    delivery.drain(NOW, "worker-a", limit=2)  # only the first warning's rows go out
    assert coverage.refresh_stale_coverage(NOW) == 1 and measured == [warning.pk]
    assert coverage.refresh_stale_coverage(NOW + timedelta(minutes=1)) == 0  # nothing newer
    later = NOW + timedelta(minutes=2)
    apply_receipts([Receipt("delivered", key=rows(quiet)[0]["idempotency_key"], at=later)])
    assert coverage.refresh_stale_coverage(later) == 1 and measured == [warning.pk, quiet.pk]


def test_without_a_population_grid_coverage_is_not_measured(demo: None, monkeypatch: Any) -> None:
    monkeypatch.setattr(coverage, "refresh", lambda warning, now: pytest.fail("measured without a grid"))
    PopulationGrid.objects.all().delete()
    warning = make_warning()
    fanout.write_deliveries(warning, subscribers(1), NOW)
    delivery.drain(NOW, "worker-a")
    assert coverage.refresh_stale_coverage(NOW) == 0


# The API ----------------------------------------------------------------------------------------


@pytest.fixture
def spread(demo: None) -> EarlyWarning:
    """A 140902 warning with deliveries in 140902 (two SMS, one delivered) and one across the border."""
    warning = make_warning()
    fanout.write_deliveries(
        warning,
        recipients(
            (SUBSCRIBER, 1, Delivery.SMS, "13812345678", COUNTY_A),
            (TERMINAL, 2, Delivery.BROADCAST, "GB-0002", COUNTY_A),
            (SUBSCRIBER, 3, Delivery.SMS, "13800000003", COUNTY_B),
        ),
        NOW,
    )
    apply_receipts([Receipt("delivered", key=rows(warning)[0]["idempotency_key"], at=NOW)])
    return warning


def test_the_deliveries_of_a_warning_are_listed_masked_and_filtered(
    spread: EarlyWarning, api_client: Any, city_admin: User
) -> None:
    client = api_client(city_admin)
    listed = client.get(f"/api/v1/warnings/{spread.pk}/deliveries").json()
    assert listed["count"] == 3
    by_recipient = {item["recipient_id"]: item for item in listed["items"]}
    first = by_recipient[1]
    assert (first["address"], first["status"], first["region_code"]) == ("138****5678", "delivered", COUNTY_A)
    assert by_recipient[2]["address"] == "GB-0002"
    only = client.get(f"/api/v1/warnings/{spread.pk}/deliveries?channel=sms&status=queued").json()
    assert [item["region_code"] for item in only["items"]] == [COUNTY_B]
    region = client.get(f"/api/v1/warnings/{spread.pk}/deliveries?region={COUNTY_B}").json()
    assert region["count"] == 1
    assert client.get(f"/api/v1/warnings/{spread.pk}/deliveries?status=lost").status_code == 422


def test_a_county_sees_its_own_county_of_its_warning_and_another_county_nothing(
    spread: EarlyWarning, api_client: Any, county_admin: User, other_county_admin: User
) -> None:
    own = api_client(county_admin).get(f"/api/v1/warnings/{spread.pk}/deliveries").json()
    assert {item["region_code"] for item in own["items"]} == {COUNTY_A} and own["count"] == 2
    other = api_client(other_county_admin)
    for path in ("deliveries", "deliveries/summary"):
        answer = other.get(f"/api/v1/warnings/{spread.pk}/{path}")
        assert answer.status_code == 404 and answer.json()["code"] == "not_found"


def test_the_summary_counts_by_channel_and_status(
    spread: EarlyWarning, api_client: Any, city_admin: User
) -> None:
    summary = api_client(city_admin).get(f"/api/v1/warnings/{spread.pk}/deliveries/summary").json()
    assert summary == {
        "warning_id": spread.pk,
        "total": 3,
        "by_status": {"delivered": 1, "queued": 2},
        "by_channel": {"sms": {"delivered": 1, "queued": 1}, "broadcast": {"queued": 1}},
    }


def test_the_list_costs_the_same_queries_for_more_rows(
    spread: EarlyWarning, api_client: Any, city_admin: User
) -> None:
    client = api_client(city_admin)
    client.get(f"/api/v1/warnings/{spread.pk}/deliveries")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        client.get(f"/api/v1/warnings/{spread.pk}/deliveries")
    fanout.write_deliveries(spread, subscribers(30, first=100), NOW)
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/api/v1/warnings/{spread.pk}/deliveries").json()["count"] == 33
    assert len(many) == len(few)
