"""The delivery outbox: fan-out, the drain (retries, failures, leases), receipts, and the deliveries API."""

from __future__ import annotations

import itertools
import queue
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.core import jobs
from yingji.core.models import Notification, User
from yingji.warnings import channels, delivery
from yingji.warnings.delivery import LEASE, MAX_ATTEMPTS, Receipt
from yingji.warnings.models import Delivery, EarlyWarning, PopulationGrid, WarningType
from yingji.warnings.smsgateway import SmsGateway

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
    return recipients(
        *((Delivery.SUBSCRIBER, n, channel, f"138{n:08d}", county) for n in range(first, first + count))
    )


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
    return list(Delivery.objects.filter(warning=warning).order_by("recipient_id", "channel").values())


def statuses(warning: EarlyWarning) -> list[str]:
    return [row["status"] for row in rows(warning)]


@pytest.fixture
def logged(settings: Any, tmp_path: Any) -> Any:
    """Every channel through the log, in a file of the test's own."""
    settings.WARNINGS_CHANNEL_LOG = tmp_path / "deliveries.log"
    settings.WARNINGS_CHANNELS = {}
    return settings.WARNINGS_CHANNEL_LOG


@pytest.fixture
def gateway(settings: Any, logged: Any) -> Iterator[SmsGateway]:
    """SMS through the HTTP adapter to a simulator gateway; the other channels through the log."""
    with SmsGateway(refuse=["13800000404"]) as running:
        settings.WARNINGS_CHANNELS = {"sms": "http"}
        settings.WARNINGS_SMS_GATEWAY_URL = running.url
        yield running


# Fan-out ----------------------------------------------------------------------------------------


def test_fan_out_writes_one_queued_row_per_recipient_and_channel(demo: None) -> None:
    warning = make_warning()
    written = delivery.write_deliveries(
        warning,
        recipients(
            (Delivery.SUBSCRIBER, 7, Delivery.SMS, "13800000007", COUNTY_A),
            (Delivery.TERMINAL, 3, Delivery.BROADCAST, "GB-0003", COUNTY_B),
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
    assert sms["idempotency_key"] == delivery.idempotency_key(warning, "subscriber", 7, "sms")


def test_fan_out_twice_writes_nothing_new(demo: None) -> None:
    warning = make_warning()
    assert delivery.write_deliveries(warning, subscribers(5), NOW) == 5
    assert delivery.write_deliveries(warning, subscribers(6), NOW + timedelta(minutes=1)) == 1
    assert Delivery.objects.filter(warning=warning).count() == 6


def test_fan_out_keeps_any_address_as_it_was_given(demo: None) -> None:
    warning = make_warning()
    odd = "token\\with\ttab\nand 中文"
    assert delivery.write_deliveries(
        warning, recipients((Delivery.SUBSCRIBER, 1, Delivery.APP, odd, COUNTY_A)), NOW
    )
    assert (
        delivery.write_deliveries(
            warning, recipients((Delivery.SUBSCRIBER, 1, Delivery.APP, odd, COUNTY_A)), NOW
        )
        == 0
    )
    assert [row["address"] for row in rows(warning)] == [odd]


def test_keys_differ_per_version_recipient_and_channel(demo: None) -> None:
    first, second = make_warning(), make_warning()
    keys = {
        delivery.idempotency_key(first, "subscriber", 1, "sms"),
        delivery.idempotency_key(second, "subscriber", 1, "sms"),
        delivery.idempotency_key(first, "responder", 1, "sms"),
        delivery.idempotency_key(first, "subscriber", 2, "sms"),
        delivery.idempotency_key(first, "subscriber", 1, "app"),
    }
    assert len(keys) == 5 and len({key[:16] for key in keys}) == 2 and all(len(key) <= 64 for key in keys)


def test_fan_out_writes_what_targeting_resolves(demo: None, monkeypatch: Any) -> None:
    from yingji.warnings import targeting

    warning = make_warning()
    monkeypatch.setattr(
        targeting, "resolve", lambda resolved: subscribers(4) if resolved == warning else None
    )
    assert delivery.fan_out(warning, NOW) == 4
    assert Delivery.objects.filter(warning=warning, status="queued").count() == 4


def test_fan_out_of_a_county_warning_queues_everyone_targeting_finds(demo: None) -> None:
    from yingji.warnings import targeting

    warning = make_warning()
    resolved = targeting.resolve(warning)
    assert delivery.fan_out(warning, NOW) == len(resolved) > 0
    assert delivery.fan_out(warning, NOW) == 0
    queued = Delivery.objects.filter(warning=warning)
    assert queued.count() == len(resolved) and not queued.exclude(status="queued").exists()
    assert dict(Counter(queued.values_list("channel", flat=True))) == resolved.count_by("channel")


# Draining ---------------------------------------------------------------------------------------


def test_the_log_delivers_at_once(demo: None, logged: Any) -> None:
    warning = make_warning()
    delivery.write_deliveries(warning, subscribers(3), NOW)
    report = delivery.drain(NOW, "worker-a")
    assert (report.claimed, report.delivered) == (3, 3)
    assert {
        (r["status"], r["sent_at"], r["delivered_at"], r["attempts"], r["claimed_by"], r["claimed_until"])
        for r in rows(warning)
    } == {("delivered", NOW, NOW, 1, "worker-a", None)}
    lines = [orjson.loads(line) for line in logged.read_bytes().splitlines()]
    assert sorted(line["to"] for line in lines) == ["13800000001", "13800000002", "13800000003"]
    assert lines[0]["text"].startswith("【忻州应急】忻府区暴雨红色预警：")


def test_the_worker_and_run_due_drain_the_outbox(demo: None, logged: Any) -> None:
    warning = make_warning()
    delivery.write_deliveries(warning, subscribers(2), NOW)
    report = jobs.run_due(NOW)
    assert report.checks_done >= 2 and statuses(warning) == ["delivered", "delivered"]


def test_nothing_is_sent_before_it_is_due(demo: None, logged: Any) -> None:
    warning = make_warning()
    delivery.write_deliveries(warning, subscribers(2), NOW)
    assert delivery.drain(NOW - timedelta(seconds=1), "worker-a").claimed == 0
    assert statuses(warning) == ["queued", "queued"]


def test_a_pass_is_bounded(demo: None, logged: Any) -> None:
    warning = make_warning()
    delivery.write_deliveries(warning, subscribers(5), NOW)
    assert delivery.drain(NOW, "worker-a", limit=3, batch_size=2).claimed == 3
    assert sorted(statuses(warning)) == ["delivered"] * 3 + ["queued"] * 2


def test_the_inbox_gets_one_notification_per_user(demo: None, logged: Any, county_admin: User) -> None:
    warning = make_warning()
    delivery.write_deliveries(
        warning,
        recipients((Delivery.USER, county_admin.pk, Delivery.INBOX, county_admin.username, COUNTY_A)),
        NOW,
    )
    assert delivery.drain(NOW, "worker-a").delivered == 1
    delivery.drain(NOW + timedelta(hours=1), "worker-a")
    note = Notification.objects.get(
        recipient=county_admin, object_type="early_warnings.earlywarning", object_id=str(warning.pk)
    )
    assert (note.subject, note.link) == ("忻府区暴雨红色预警", f"/warnings/{warning.pk}/")


def test_an_inbox_failing_half_way_leaves_nothing_and_is_retried(
    demo: None, logged: Any, county_admin: User, monkeypatch: Any
) -> None:
    warning = make_warning()
    delivery.write_deliveries(
        warning,
        recipients(
            (Delivery.USER, county_admin.pk, Delivery.INBOX, county_admin.username, COUNTY_A),
            (Delivery.SUBSCRIBER, county_admin.pk + 1, Delivery.SMS, "13800000001", COUNTY_A),
        ),
        NOW,
    )

    def write_then_fail(self: Any, messages: Any) -> Any:
        Notification.objects.create(recipient=county_admin, region_id=COUNTY_A, subject="半条")
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(channels.InboxChannel, "send", write_then_fail)
    report = delivery.drain(NOW, "worker-a")
    assert (report.delivered, report.retrying) == (1, 1)
    inbox, sms = rows(warning)
    assert (inbox["status"], inbox["attempts"], sms["status"]) == ("queued", 1, "delivered")
    assert "database hiccup" in inbox["last_error"]
    assert not Notification.objects.filter(recipient=county_admin, subject="半条").exists()


def test_sms_through_the_gateway_is_sent_then_delivered_by_receipt(demo: None, gateway: SmsGateway) -> None:
    warning = make_warning()
    delivery.write_deliveries(warning, subscribers(3), NOW)
    report = delivery.drain(NOW, "worker-a")
    assert (report.claimed, report.sent) == (3, 3)
    sent = rows(warning)
    assert {(r["status"], r["sent_at"], r["delivered_at"]) for r in sent} == {("sent", NOW, None)}
    assert {r["idempotency_key"] for r in sent} == set(gateway.delivered)
    assert {r["provider_id"] for r in sent} == {d.provider_id for d in gateway.delivered.values()}
    later = NOW + timedelta(seconds=20)
    applied = delivery.apply_receipts(
        [
            Receipt("delivered", key=sent[0]["idempotency_key"], at=later),
            Receipt("delivered", provider_id=sent[1]["provider_id"], at=later),
            Receipt("failed", key=sent[2]["idempotency_key"], error="关机"),
        ]
    )
    assert (applied.applied, applied.unchanged, applied.unknown) == (3, 0, [])
    after = rows(warning)
    assert [(r["status"], r["delivered_at"]) for r in after] == [
        ("delivered", later),
        ("delivered", later),
        ("failed", None),
    ]
    assert after[2]["last_error"] == "关机"


def test_a_refusal_for_now_is_retried_with_backoff_until_the_last_attempt(
    demo: None, gateway: SmsGateway
) -> None:
    warning = make_warning()
    delivery.write_deliveries(warning, subscribers(2), NOW)
    gateway.fail_rate = 1.0
    at = NOW
    for attempt in range(1, MAX_ATTEMPTS):
        assert delivery.drain(at, "worker-a").retrying == 2
        (row, _) = rows(warning)
        assert (row["status"], row["attempts"]) == ("queued", attempt) and "HTTP 503" in row["last_error"]
        assert row["next_attempt_at"] == at + delivery.retry_delay(attempt)
        assert delivery.drain(row["next_attempt_at"] - timedelta(seconds=1), "worker-a").claimed == 0
        at = row["next_attempt_at"]
    assert delivery.drain(at, "worker-a").failed == 2
    assert statuses(warning) == ["failed", "failed"] and rows(warning)[0]["attempts"] == MAX_ATTEMPTS
    assert delivery.retry_delay(1) == timedelta(seconds=30) and delivery.retry_delay(20) == delivery.RETRY_CAP


def test_a_gateway_that_recovers_gets_the_retry(demo: None, gateway: SmsGateway) -> None:
    warning = make_warning()
    delivery.write_deliveries(warning, subscribers(2), NOW)
    gateway.fail_rate = 1.0
    delivery.drain(NOW, "worker-a")
    gateway.fail_rate = 0.0
    assert delivery.drain(NOW + timedelta(minutes=1), "worker-a").sent == 2
    assert statuses(warning) == ["sent", "sent"] and len(gateway.delivered) == 2


def test_a_refused_number_fails_at_once(demo: None, gateway: SmsGateway) -> None:
    warning = make_warning()
    delivery.write_deliveries(
        warning,
        recipients(
            (Delivery.SUBSCRIBER, 1, Delivery.SMS, "13800000001", COUNTY_A),
            (Delivery.SUBSCRIBER, 2, Delivery.SMS, "13800000404", COUNTY_A),
        ),
        NOW,
    )
    report = delivery.drain(NOW, "worker-a")
    assert (report.sent, report.failed) == (1, 1)
    refused = rows(warning)[1]
    assert (refused["status"], refused["attempts"]) == ("failed", 1) and "空号" in refused["last_error"]


def test_a_worker_whose_lease_ran_out_records_nothing_and_nothing_goes_twice(
    demo: None, gateway: SmsGateway, county_admin: User, monkeypatch: Any
) -> None:
    """Worker A stalls after sending; B takes the rows over when the lease ends and sends them again."""
    warning = make_warning()
    delivery.write_deliveries(warning, subscribers(3), NOW)
    delivery.write_deliveries(
        warning,
        recipients((Delivery.USER, county_admin.pk, Delivery.INBOX, county_admin.username, COUNTY_A)),
        NOW,
    )
    other: dict[str, delivery.DrainReport] = {}

    def stall_then_let_b_work(point: str) -> None:
        if point == "after_send" and "b" not in other:
            other["b"] = delivery.DrainReport()  # B has started: its own crash points pass through
            other["b"] = delivery.drain(NOW + LEASE + timedelta(seconds=1), "worker-b")

    monkeypatch.setattr(delivery, "_crash_point", stall_then_let_b_work)
    a = delivery.drain(NOW, "worker-a")
    assert (a.claimed, a.taken_over, a.sent, a.delivered) == (4, 4, 0, 0)
    assert (other["b"].sent, other["b"].delivered) == (3, 1)
    assert {
        (r["status"], r["claimed_by"], r["attempts"]) for r in rows(warning) if r["channel"] == "sms"
    } == {("sent", "worker-b", 2)}
    assert (len(gateway.delivered), gateway.repeats) == (3, 3)  # A's sending and B's: each key delivered once
    assert (
        Notification.objects.filter(
            recipient=county_admin, object_type="early_warnings.earlywarning", object_id=str(warning.pk)
        ).count()
        == 1
    )


def test_a_row_abandoned_on_its_last_attempt_fails(demo: None, logged: Any) -> None:
    warning = make_warning()
    delivery.write_deliveries(warning, subscribers(2), NOW)
    Delivery.objects.filter(warning=warning).update(
        status="sending", attempts=MAX_ATTEMPTS, claimed_by="gone", next_attempt_at=NOW
    )
    Delivery.objects.filter(warning=warning, recipient_id=2).update(attempts=1)
    report = delivery.drain(NOW, "worker-a")
    assert (report.claimed, report.delivered) == (1, 1)
    assert statuses(warning) == ["failed", "delivered"] and "stopped" in rows(warning)[0]["last_error"]


def test_a_misconfigured_channel_claims_nothing(demo: None, settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    warning = make_warning()
    delivery.write_deliveries(warning, subscribers(1), NOW)
    settings.WARNINGS_CHANNELS, settings.WARNINGS_SMS_GATEWAY_URL = {"sms": "http"}, ""
    with pytest.raises(ImproperlyConfigured):
        delivery.drain(NOW, "worker-a")
    assert statuses(warning) == ["queued"]


# Receipts ---------------------------------------------------------------------------------------


def test_a_delivered_row_never_goes_back_and_unknown_receipts_are_reported(demo: None, logged: Any) -> None:
    warning = make_warning()
    delivery.write_deliveries(warning, subscribers(1), NOW)
    delivery.drain(NOW, "worker-a")
    key = rows(warning)[0]["idempotency_key"]
    report = delivery.apply_receipts(
        [Receipt("failed", key=key), Receipt("delivered", key="nope"), Receipt("failed", provider_id="sim-x")]
    )
    assert (report.applied, report.unchanged, report.unknown) == (0, 1, ["nope", "sim-x"])
    assert rows(warning)[0]["status"] == "delivered"


def test_delivered_wins_over_failed_in_one_batch(demo: None, gateway: SmsGateway) -> None:
    warning = make_warning()
    delivery.write_deliveries(warning, subscribers(1), NOW)
    delivery.drain(NOW, "worker-a")
    key = rows(warning)[0]["idempotency_key"]
    delivery.apply_receipts([Receipt("delivered", key=key, at=NOW), Receipt("failed", key=key)], NOW)
    assert (rows(warning)[0]["status"], rows(warning)[0]["delivered_at"]) == ("delivered", NOW)


# Coverage ---------------------------------------------------------------------------------------


def test_coverage_is_measured_again_once_after_new_deliveries(
    demo: None, logged: Any, monkeypatch: Any
) -> None:
    from yingji.warnings import coverage

    measured: list[int] = []

    def refresh(warning: EarlyWarning, now: datetime) -> None:
        measured.append(warning.pk)
        EarlyWarning.objects.filter(pk=warning.pk).update(coverage={}, coverage_at=now)

    monkeypatch.setattr(coverage, "refresh", refresh)
    a_grid()
    warning, quiet = make_warning(), make_warning()
    delivery.write_deliveries(warning, subscribers(2), NOW)
    delivery.write_deliveries(quiet, subscribers(2), NOW)
    delivery.drain(NOW, "worker-a", limit=2)  # only the first warning's rows go out
    assert delivery.refresh_stale_coverage(NOW) == 1 and measured == [warning.pk]
    assert delivery.refresh_stale_coverage(NOW + timedelta(minutes=1)) == 0  # nothing newer
    later = NOW + timedelta(minutes=2)
    delivery.apply_receipts([Receipt("delivered", key=rows(quiet)[0]["idempotency_key"], at=later)])
    assert delivery.refresh_stale_coverage(later) == 1 and measured == [warning.pk, quiet.pk]


def test_without_a_population_grid_coverage_is_not_measured(
    demo: None, logged: Any, monkeypatch: Any
) -> None:
    from yingji.warnings import coverage

    monkeypatch.setattr(coverage, "refresh", lambda warning, now: pytest.fail("measured without a grid"))
    PopulationGrid.objects.all().delete()
    warning = make_warning()
    delivery.write_deliveries(warning, subscribers(1), NOW)
    delivery.drain(NOW, "worker-a")
    assert delivery.refresh_stale_coverage(NOW) == 0


# The API ----------------------------------------------------------------------------------------


@pytest.fixture
def spread(demo: None, logged: Any) -> EarlyWarning:
    """A 140902 warning with deliveries in 140902 (two SMS, one delivered) and one across the border."""
    warning = make_warning()
    delivery.write_deliveries(
        warning,
        recipients(
            (Delivery.SUBSCRIBER, 1, Delivery.SMS, "13812345678", COUNTY_A),
            (Delivery.TERMINAL, 2, Delivery.BROADCAST, "GB-0002", COUNTY_A),
            (Delivery.SUBSCRIBER, 3, Delivery.SMS, "13800000003", COUNTY_B),
        ),
        NOW,
    )
    delivery.apply_receipts([Receipt("delivered", key=rows(warning)[0]["idempotency_key"], at=NOW)])
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
    delivery.write_deliveries(spread, subscribers(30, first=100), NOW)
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/api/v1/warnings/{spread.pk}/deliveries").json()["count"] == 33
    assert len(many) == len(few)


def test_receipts_need_the_configured_token(spread: EarlyWarning, settings: Any, client: Any) -> None:
    key = rows(spread)[0]["idempotency_key"]
    body = orjson.dumps({"receipts": [{"key": key, "status": "delivered"}]})
    path = "/api/v1/warnings/receipts"
    settings.WARNINGS_RECEIPT_TOKEN = ""
    assert client.post(path, body, "application/json", HTTP_AUTHORIZATION="Bearer x").status_code == 404
    settings.WARNINGS_RECEIPT_TOKEN = "s3cret-receipts"
    assert client.post(path, body, "application/json").status_code == 401
    assert client.post(path, body, "application/json", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 401
    assert rows(spread)[0]["status"] == "delivered" and rows(spread)[2]["status"] == "queued"


def test_receipts_are_applied_and_unknown_ones_reported(
    spread: EarlyWarning, settings: Any, client: Any
) -> None:
    settings.WARNINGS_RECEIPT_TOKEN = "s3cret-receipts"
    queued_sms = rows(spread)[2]["idempotency_key"]
    answer = client.post(
        "/api/v1/warnings/receipts",
        {
            "receipts": [
                {"key": queued_sms, "status": "delivered", "at": "2026-07-01T10:00:30"},
                {"provider_id": "elsewhere-1", "status": "failed", "error": "空号"},
            ]
        },
        "application/json",
        HTTP_AUTHORIZATION="Bearer s3cret-receipts",
    )
    assert answer.status_code == 200
    assert answer.json() == {"applied": 1, "unchanged": 0, "unknown": ["elsewhere-1"]}
    assert rows(spread)[2]["delivered_at"] == NOW + timedelta(seconds=30)  # Beijing time without an offset


@pytest.mark.parametrize(
    ("receipts", "status"),
    [
        ([{"status": "delivered"}], 400),
        ([{"key": "k", "status": "lost"}], 422),
        ([], 422),
        ("not a list", 422),
    ],
)
def test_bad_receipt_bodies_are_refused_and_change_nothing(
    spread: EarlyWarning, settings: Any, client: Any, receipts: Any, status: int
) -> None:
    settings.WARNINGS_RECEIPT_TOKEN = "s3cret-receipts"
    before = rows(spread)
    answer = client.post(
        "/api/v1/warnings/receipts",
        {"receipts": receipts},
        "application/json",
        HTTP_AUTHORIZATION="Bearer s3cret-receipts",
    )
    assert answer.status_code == status and answer.json()["code"] == "invalid_input"
    assert rows(spread) == before


def test_the_simulator_posts_receipts_the_api_takes(
    demo: None, settings: Any, logged: Any, client: Any
) -> None:
    """What the simulator gateway posts as receipts, POST /warnings/receipts accepts and applies."""
    received: queue.Queue[tuple[str, bytes]] = queue.Queue()

    class Capture(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            received.put(
                (self.headers["Authorization"], self.rfile.read(int(self.headers["Content-Length"])))
            )
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    capture = ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    threading.Thread(target=capture.serve_forever, daemon=True).start()
    warning = make_warning()
    delivery.write_deliveries(warning, subscribers(2), NOW)
    receipt_url = f"http://127.0.0.1:{capture.server_address[1]}/api/v1/warnings/receipts"
    with SmsGateway(receipt_url=receipt_url, receipt_token="s3cret-receipts") as running:
        settings.WARNINGS_CHANNELS = {"sms": "http"}
        settings.WARNINGS_SMS_GATEWAY_URL = running.url
        assert delivery.drain(NOW, "worker-a").sent == 2
        authorization, body = received.get(timeout=10)
    capture.shutdown()
    capture.server_close()
    settings.WARNINGS_RECEIPT_TOKEN = "s3cret-receipts"
    answer = client.post(
        "/api/v1/warnings/receipts", body, "application/json", HTTP_AUTHORIZATION=authorization
    )
    assert answer.json() == {"applied": 2, "unchanged": 0, "unknown": []}
    assert statuses(warning) == ["delivered", "delivered"]
