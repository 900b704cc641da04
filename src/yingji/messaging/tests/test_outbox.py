"""Queuing: one message or a batch, about any object of the platform, each once under its key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
import pytest
from django.db import transaction

from yingji.core import jobs
from yingji.core.models import Notification, Organization, User
from yingji.messaging import outbox
from yingji.messaging.models import Delivery, Message
from yingji.messaging.outbox import Recipient, Text
from yingji.messaging.tests.helpers import (
    COUNTY_A,
    COUNTY_B,
    NOW,
    SUBSCRIBER,
    TEXTS,
    batch,
    county,
    queue,
    rows,
    sms,
)

# A confirmation code for a new account: a message about a user, nothing to do with warnings.
CODE = "【忻州应急】您的验证码为 482913，10分钟内有效。"


def phone_of(user: User) -> Recipient:
    return Recipient(Delivery.USER, user.pk, "13912345678", user.region_id)


# A batch -----------------------------------------------------------------------------------------


def test_a_batch_writes_one_queued_row_per_message(demo: None) -> None:
    written = queue(
        batch(
            (SUBSCRIBER, 7, Delivery.SMS, "13800000007", COUNTY_A),
            ("terminal", 3, Delivery.BROADCAST, "GB-0003", COUNTY_B),
        )
    )
    assert written == 2
    broadcast, sent = rows()  # by recipient id: the terminal (3) first
    assert (sent["channel"], sent["recipient_kind"], sent["recipient_id"], sent["address"]) == (
        "sms",
        "subscriber",
        7,
        "13800000007",
    )
    assert (sent["region_id"], sent["cell"], broadcast["region_id"], broadcast["cell"]) == (
        COUNTY_A,
        0,
        COUNTY_B,
        1,
    )
    assert (sent["status"], sent["attempts"], sent["next_attempt_at"], sent["created_at"]) == (
        "queued",
        0,
        NOW,
        NOW,
    )
    assert sent["idempotency_key"] == "test-subscriber-sms-7"


def test_each_channel_s_rows_share_one_message_about_the_object(demo: None) -> None:
    queue(sms(3))
    queue(batch(("terminal", 3, Delivery.BROADCAST, "GB-0003", COUNTY_A)))
    about = Message.objects.about(county())
    assert sorted(about.values_list("body", flat=True)) == sorted(
        [TEXTS["sms"].body, TEXTS["broadcast"].body]
    )
    assert {(m.object_type, m.object_id) for m in about} == {("core.region", COUNTY_A)}
    assert Delivery.objects.about(county()).values("message").distinct().count() == 2


def test_a_batch_queued_twice_writes_nothing_new(demo: None) -> None:
    assert queue(sms(5)) == 5
    assert queue(sms(6), now=NOW + timedelta(minutes=1)) == 1
    assert len(rows()) == 6 and Message.objects.about(county()).count() == 1


def test_a_large_batch_queued_again_with_more_writes_only_the_new(demo: None) -> None:
    many = 3 * outbox.ROWS_PER_INSERT + 7  # SQLite: statements of many rows, and the rest one by one
    assert queue(sms(many)) == many
    assert queue(sms(many + outbox.ROWS_PER_INSERT + 1), now=NOW + timedelta(minutes=1)) == (
        outbox.ROWS_PER_INSERT + 1
    )
    assert sorted(row["recipient_id"] for row in rows()) == list(range(1, many + outbox.ROWS_PER_INSERT + 2))


def test_any_address_is_kept_as_it_was_given(demo: None, monkeypatch: Any) -> None:
    monkeypatch.setattr(outbox, "COPY_AT_LEAST", 1)  # PostgreSQL: COPY, then COPY refused and INSERT
    odd = "token\\with\ttab\nand 中文"
    assert queue(batch((SUBSCRIBER, 1, Delivery.APP, odd, COUNTY_A))) == 1
    assert queue(batch((SUBSCRIBER, 1, Delivery.APP, odd, COUNTY_A))) == 0
    assert [row["address"] for row in rows()] == [odd]


def test_keys_go_in_in_their_order_as_text_whatever_their_characters() -> None:
    ascii_keys = ["b-2", "a-10", "a-9", "A"]
    assert [ascii_keys[i] for i in outbox._key_order(ascii_keys)] == sorted(ascii_keys)
    other = ["键-b", "键-a", "z", "éa"]
    assert [other[i] for i in outbox._key_order(other)] == sorted(other)


def test_a_channel_without_a_text_or_an_odd_kind_is_refused(demo: None) -> None:
    with pytest.raises(ValueError, match="no text"):
        outbox.queue_many(county(), {Delivery.INBOX: TEXTS[Delivery.INBOX]}, sms(1), NOW)
    with pytest.raises(ValueError, match="recipient kinds"):
        queue(batch(("sub\tscriber", 1, Delivery.SMS, "13800000001", COUNTY_A)))
    assert rows() == []


# One message -------------------------------------------------------------------------------------


def test_a_message_about_anything_is_queued_and_the_worker_pass_delivers_it(
    demo: None, logged: Any, county_admin: User
) -> None:
    assert outbox.queue(phone_of(county_admin), Delivery.SMS, CODE, about=county_admin, now=NOW)
    report = jobs.run_due(NOW)
    (row,) = Delivery.objects.about(county_admin).values()
    assert (row["status"], row["delivered_at"], row["recipient_kind"], row["region_id"]) == (
        "delivered",
        NOW,
        "user",
        COUNTY_A,
    )
    assert report.checks_done >= 1
    (line,) = [orjson.loads(line) for line in logged.read_bytes().splitlines()]
    assert (line["to"], line["text"], line["key"]) == ("13912345678", CODE, row["idempotency_key"])
    message = Message.objects.get(pk=row["message_id"])
    assert (message.object_type, message.object_id) == ("core.user", str(county_admin.pk))


def test_the_same_message_is_queued_once_unless_its_key_says_otherwise(
    demo: None, county_admin: User
) -> None:
    to = phone_of(county_admin)
    assert outbox.queue(to, Delivery.SMS, CODE, about=county_admin)
    assert not outbox.queue(to, Delivery.SMS, CODE, about=county_admin)
    assert outbox.queue(to, Delivery.SMS, CODE, about=county_admin, key=f"code-{county_admin.pk}-2")
    assert outbox.queue(to, Delivery.SMS, CODE.replace("482913", "771204"), about=county_admin)
    assert Delivery.objects.about(county_admin).count() == 3


def test_an_inbox_message_becomes_a_notification_about_its_object(
    demo: None, logged: Any, county_admin: User
) -> None:
    bureau = Organization.objects.filter(region_id=COUNTY_A).first()
    assert bureau is not None
    text = Text("请于今日18:00前完成值班签到。", "值班签到提醒", "/duty/")
    inbox = Recipient(Delivery.USER, county_admin.pk, county_admin.username, COUNTY_A)
    outbox.queue(inbox, Delivery.INBOX, text, about=bureau, now=NOW)
    jobs.run_due(NOW)
    note = Notification.objects.get(recipient=county_admin, object_type="core.organization")
    assert (note.object_id, note.subject, note.body, note.link) == (
        str(bureau.pk),
        text.subject,
        text.body,
        "/duty/",
    )


def test_nothing_is_queued_when_the_change_it_reports_rolls_back(demo: None, county_admin: User) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.queue(phone_of(county_admin), Delivery.SMS, CODE, about=county_admin)
        raise RuntimeError("the change failed")
    assert not Delivery.objects.about(county_admin).exists()


def test_an_unknown_channel_is_refused(demo: None, county_admin: User) -> None:
    with pytest.raises(ValueError, match="channel"):
        outbox.queue(phone_of(county_admin), "pigeon", CODE, about=county_admin)


# Withdrawing -------------------------------------------------------------------------------------


def test_withdrawn_messages_are_not_sent_and_the_others_are_left(demo: None, logged: Any) -> None:
    queue(sms(3))
    Delivery.objects.about(county()).filter(recipient_id=1).update(status=Delivery.DELIVERED)
    assert outbox.withdraw(county(), "superseded") == 2
    assert [(r["status"], r["last_error"]) for r in rows()] == [
        ("delivered", ""),
        ("failed", "superseded"),
        ("failed", "superseded"),
    ]
