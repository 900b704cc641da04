"""The drain: claims, sending through the channels, retries, failures, leases and the worker's pass."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
import pytest
from django.core.exceptions import ImproperlyConfigured

from yingji.core import jobs
from yingji.core.models import Notification, User
from yingji.messaging import channels, delivery
from yingji.messaging.delivery import LEASE, MAX_ATTEMPTS
from yingji.messaging.models import Delivery
from yingji.messaging.smsgateway import SmsGateway
from yingji.messaging.tests.helpers import (
    COUNTY_A,
    NOW,
    SUBSCRIBER,
    batch,
    county,
    queue,
    rows,
    sms,
    statuses,
)


def to_inbox(user: User) -> Any:
    return batch((Delivery.USER, user.pk, Delivery.INBOX, user.username, COUNTY_A))


def test_the_log_delivers_at_once(demo: None, logged: Any) -> None:
    queue(sms(3))
    report = delivery.drain(NOW, "worker-a")
    assert (report.claimed, report.delivered) == (3, 3)
    assert {
        (r["status"], r["sent_at"], r["delivered_at"], r["attempts"], r["claimed_by"], r["claimed_until"])
        for r in rows()
    } == {("delivered", NOW, NOW, 1, "worker-a", None)}
    lines = [orjson.loads(line) for line in logged.read_bytes().splitlines()]
    assert sorted(line["to"] for line in lines) == ["13800000001", "13800000002", "13800000003"]
    assert {line["text"] for line in lines} == {"【忻州应急】请于今日18:00前完成值班签到。"}


def test_the_worker_and_run_due_drain_the_outbox(demo: None, logged: Any) -> None:
    queue(sms(2))
    report = jobs.run_due(NOW)
    assert report.checks_done >= 2 and statuses() == ["delivered", "delivered"]


def test_nothing_is_sent_before_it_is_due(demo: None, logged: Any) -> None:
    queue(sms(2))
    assert delivery.drain(NOW - timedelta(seconds=1), "worker-a").claimed == 0
    assert statuses() == ["queued", "queued"]


def test_a_pass_is_bounded(demo: None, logged: Any) -> None:
    queue(sms(5))
    assert delivery.drain(NOW, "worker-a", limit=3, batch_size=2).claimed == 3
    assert sorted(statuses()) == ["delivered"] * 3 + ["queued"] * 2


def test_the_inbox_gets_one_notification_per_user(demo: None, logged: Any, county_admin: User) -> None:
    queue(to_inbox(county_admin))
    assert delivery.drain(NOW, "worker-a").delivered == 1
    delivery.drain(NOW + timedelta(hours=1), "worker-a")
    note = Notification.objects.get(recipient=county_admin, object_type="core.region", object_id=COUNTY_A)
    assert (note.subject, note.body, note.link) == ("值班签到提醒", "请于今日18:00前完成值班签到。", "/duty/")


def test_an_inbox_failing_half_way_leaves_nothing_and_is_retried(
    demo: None, logged: Any, county_admin: User, monkeypatch: Any
) -> None:
    queue(
        batch(
            (Delivery.USER, county_admin.pk, Delivery.INBOX, county_admin.username, COUNTY_A),
            (SUBSCRIBER, county_admin.pk + 1, Delivery.SMS, "13800000001", COUNTY_A),
        )
    )

    def write_then_fail(self: Any, messages: Any) -> Any:
        Notification.objects.create(recipient=county_admin, region_id=COUNTY_A, subject="半条")
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(channels.InboxChannel, "send", write_then_fail)
    report = delivery.drain(NOW, "worker-a")
    assert (report.delivered, report.retrying) == (1, 1)
    inbox, sent = rows()
    assert (inbox["status"], inbox["attempts"], sent["status"]) == ("queued", 1, "delivered")
    assert "database hiccup" in inbox["last_error"]
    assert not Notification.objects.filter(recipient=county_admin, subject="半条").exists()


def test_sms_through_the_gateway_is_sent_with_its_key(demo: None, gateway: SmsGateway) -> None:
    queue(sms(3))
    report = delivery.drain(NOW, "worker-a")
    assert (report.claimed, report.sent) == (3, 3)
    sent = rows()
    assert {(r["status"], r["sent_at"], r["delivered_at"]) for r in sent} == {("sent", NOW, None)}
    assert {r["idempotency_key"] for r in sent} == set(gateway.delivered)
    assert {r["provider_id"] for r in sent} == {d.provider_id for d in gateway.delivered.values()}


def test_a_refusal_for_now_is_retried_with_backoff_until_the_last_attempt(
    demo: None, gateway: SmsGateway
) -> None:
    queue(sms(2))
    gateway.fail_rate = 1.0
    at = NOW
    for attempt in range(1, MAX_ATTEMPTS):
        assert delivery.drain(at, "worker-a").retrying == 2
        (row, _) = rows()
        assert (row["status"], row["attempts"]) == ("queued", attempt) and "HTTP 503" in row["last_error"]
        assert row["next_attempt_at"] == at + delivery.retry_delay(attempt)
        assert delivery.drain(row["next_attempt_at"] - timedelta(seconds=1), "worker-a").claimed == 0
        at = row["next_attempt_at"]
    assert delivery.drain(at, "worker-a").failed == 2
    assert statuses() == ["failed", "failed"] and rows()[0]["attempts"] == MAX_ATTEMPTS
    assert delivery.retry_delay(1) == timedelta(seconds=30) and delivery.retry_delay(20) == delivery.RETRY_CAP


def test_a_gateway_that_recovers_gets_the_retry(demo: None, gateway: SmsGateway) -> None:
    queue(sms(2))
    gateway.fail_rate = 1.0
    delivery.drain(NOW, "worker-a")
    gateway.fail_rate = 0.0
    assert delivery.drain(NOW + timedelta(minutes=1), "worker-a").sent == 2
    assert statuses() == ["sent", "sent"] and len(gateway.delivered) == 2


def test_a_refused_number_fails_at_once(demo: None, gateway: SmsGateway) -> None:
    queue(
        batch(
            (SUBSCRIBER, 1, Delivery.SMS, "13800000001", COUNTY_A),
            (SUBSCRIBER, 2, Delivery.SMS, "13800000404", COUNTY_A),
        )
    )
    report = delivery.drain(NOW, "worker-a")
    assert (report.sent, report.failed) == (1, 1)
    refused = rows()[1]
    assert (refused["status"], refused["attempts"]) == ("failed", 1) and "空号" in refused["last_error"]


def test_a_worker_whose_lease_ran_out_records_nothing_and_nothing_goes_twice(
    demo: None, gateway: SmsGateway, county_admin: User, monkeypatch: Any
) -> None:
    """Worker A stalls after sending; B takes the rows over when the lease ends and sends them again."""
    queue(sms(3))
    queue(to_inbox(county_admin))
    other: dict[str, delivery.DrainReport] = {}

    def stall_then_let_b_work(point: str) -> None:
        if point == "after_send" and "b" not in other:
            other["b"] = delivery.DrainReport()  # B has started: its own crash points pass through
            other["b"] = delivery.drain(NOW + LEASE + timedelta(seconds=1), "worker-b")

    monkeypatch.setattr(delivery, "_crash_point", stall_then_let_b_work)
    a = delivery.drain(NOW, "worker-a")
    assert (a.claimed, a.taken_over, a.sent, a.delivered) == (4, 4, 0, 0)
    assert (other["b"].sent, other["b"].delivered) == (3, 1)
    assert {(r["status"], r["claimed_by"], r["attempts"]) for r in rows() if r["channel"] == "sms"} == {
        ("sent", "worker-b", 2)
    }
    assert (len(gateway.delivered), gateway.repeats) == (3, 3)  # A's sending and B's: each key delivered once
    assert Notification.objects.filter(recipient=county_admin, object_type="core.region").count() == 1


def test_a_row_abandoned_on_its_last_attempt_fails(demo: None, logged: Any) -> None:
    queue(sms(2))
    abandoned = Delivery.objects.about(county())
    abandoned.update(status="sending", attempts=MAX_ATTEMPTS, claimed_by="gone", next_attempt_at=NOW)
    abandoned.filter(recipient_id=2).update(attempts=1)
    report = delivery.drain(NOW, "worker-a")
    assert (report.claimed, report.delivered) == (1, 1)
    assert statuses() == ["failed", "delivered"] and "stopped" in rows()[0]["last_error"]


def test_a_misconfigured_channel_claims_nothing(demo: None, settings: Any) -> None:
    queue(sms(1))
    settings.MESSAGING_CHANNELS, settings.MESSAGING_SMS_GATEWAY_URL = {"sms": "http"}, ""
    with pytest.raises(ImproperlyConfigured):
        delivery.drain(NOW, "worker-a")
    assert statuses() == ["queued"]
