"""The channels: the log, HTTP and inbox adapters, and which adapter a channel uses."""

from __future__ import annotations

import socket
from typing import Any

import orjson
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from yingji.core.models import Notification, User
from yingji.messaging import channels
from yingji.messaging.channels import OutgoingMessage
from yingji.messaging.smsgateway import SmsGateway


def messages(*addresses: str) -> list[OutgoingMessage]:
    return [OutgoingMessage(key=f"k{n}", address=a, text="测试短信") for n, a in enumerate(addresses)]


@pytest.fixture
def simulator() -> Any:
    with SmsGateway() as running:
        yield running


# The log ----------------------------------------------------------------------------------------


def test_the_log_channel_writes_a_line_per_message_and_delivers(tmp_path: Any) -> None:
    log = tmp_path / "sub" / "deliveries.log"
    results = channels.LogChannel("sms", log).send(messages("13800000001", "13800000002"))
    assert [r.outcome for r in results] == [channels.DELIVERED, channels.DELIVERED]
    lines = [orjson.loads(line) for line in log.read_bytes().splitlines()]
    assert [(line["key"], line["to"], line["channel"]) for line in lines] == [
        ("k0", "13800000001", "sms"),
        ("k1", "13800000002", "sms"),
    ]


def test_an_unwritable_log_is_a_failure_for_now(tmp_path: Any) -> None:
    (tmp_path / "file").write_text("")
    results = channels.LogChannel("sms", tmp_path / "file" / "deliveries.log").send(messages("1"))
    assert results[0].outcome == channels.TEMPORARY and "log:" in results[0].error


# HTTP -------------------------------------------------------------------------------------------


def test_the_gateway_accepts_a_batch_and_names_each_message(simulator: SmsGateway) -> None:
    results = channels.HttpChannel("sms", simulator.url).send(messages("13800000001", "13800000002"))
    assert [(r.key, r.outcome) for r in results] == [("k0", "accepted"), ("k1", "accepted")]
    assert {r.provider_id for r in results} == {"sim-1", "sim-2"}
    assert simulator.delivered["k1"].address == "13800000002" and simulator.delivered["k1"].text == "测试短信"


def test_a_repeated_key_is_delivered_once(simulator: SmsGateway) -> None:
    adapter = channels.HttpChannel("sms", simulator.url)
    first = adapter.send(messages("13800000001"))
    again = adapter.send(messages("13800000001"))
    assert first == again and len(simulator.delivered) == 1 and simulator.repeats == 1


def test_a_refused_address_is_a_permanent_failure() -> None:
    with SmsGateway(refuse=["13800000002"]) as gateway:
        results = channels.HttpChannel("sms", gateway.url).send(messages("13800000001", "13800000002"))
    assert [r.outcome for r in results] == [channels.ACCEPTED, channels.PERMANENT]
    assert "空号" in results[1].error


def test_a_busy_gateway_fails_the_whole_batch_for_now() -> None:
    with SmsGateway(fail_rate=1.0) as gateway:
        results = channels.HttpChannel("sms", gateway.url).send(messages("1", "2"))
    assert [r.outcome for r in results] == [channels.TEMPORARY] * 2 and "HTTP 503" in results[0].error


def test_a_wrong_token_is_retried_not_dropped() -> None:
    with SmsGateway(token="right") as gateway:
        refused = channels.HttpChannel("sms", gateway.url, token="wrong").send(messages("1"))
        accepted = channels.HttpChannel("sms", gateway.url, token="right").send(messages("1"))
    assert refused[0].outcome == channels.TEMPORARY and "HTTP 401" in refused[0].error
    assert accepted[0].outcome == channels.ACCEPTED


def test_no_gateway_and_a_silent_gateway_are_failures_for_now() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts connections into the backlog and never answers
        port = silent.getsockname()[1]
        timed_out = channels.HttpChannel("sms", f"http://127.0.0.1:{port}/send", timeout=0.2).send(
            messages("1")
        )
    refused = channels.HttpChannel("sms", f"http://127.0.0.1:{port}/send").send(messages("1"))
    assert timed_out[0].outcome == channels.TEMPORARY and "TimeoutError" in timed_out[0].error
    assert refused[0].outcome == channels.TEMPORARY and "ConnectionRefusedError" in refused[0].error


def test_one_connection_is_kept_alive_and_renewed_when_the_gateway_closed_it() -> None:
    first = SmsGateway().start()
    adapter = channels.HttpChannel("sms", first.url)
    adapter.send(messages("1"))
    kept = adapter._local.connection
    adapter.send(messages("2"))
    assert adapter._local.connection is kept
    port = int(first.url.split(":")[2].split("/")[0])
    first.stop()
    with SmsGateway(port=port) as second:
        results = adapter.send(messages("3"))
    assert results[0].outcome == channels.ACCEPTED and list(second.delivered) == ["k0"]


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ({"key": "k0", "code": 202, "id": "p1"}, channels.ACCEPTED),
        ({"key": "k0", "code": 200, "id": "p1", "delivered": True}, channels.DELIVERED),
        ({"key": "k0", "code": 429}, channels.TEMPORARY),
        ({"key": "k0", "code": 500}, channels.TEMPORARY),
        ({"key": "k0", "code": 404}, channels.PERMANENT),
        ({"key": "k0", "code": "bad"}, channels.TEMPORARY),
        (None, channels.TEMPORARY),
    ],
)
def test_each_answer_code_has_its_outcome(answer: Any, outcome: str) -> None:
    assert channels._result("k0", answer).outcome == outcome


def test_the_simulator_command_refuses_a_rate_outside_0_to_1() -> None:
    with pytest.raises(CommandError, match="--fail-rate"):
        call_command("sms-gateway", fail_rate=1.5)


# The inbox --------------------------------------------------------------------------------------


def test_the_inbox_writes_a_read_notification_about_the_message_s_object(county_admin: User) -> None:
    inactive = User.objects.create_user(
        username="gone-140902", password="x" * 12, role="duty_officer", region_id="140902", is_active=False
    )
    about = {"subject": "标题", "link": "/hazards/12/", "object_type": "hazards.hazard", "object_id": "12"}
    sent = [
        OutgoingMessage("a", county_admin.username, "正文", county_admin.pk, **about),
        OutgoingMessage("b", inactive.username, "正文", inactive.pk, **about),
    ]
    results = channels.InboxChannel().send(sent)
    assert [r.outcome for r in results] == [channels.DELIVERED, channels.PERMANENT]
    note = Notification.objects.get(recipient=county_admin, object_type="hazards.hazard", object_id="12")
    assert (note.subject, note.body, note.link, note.status) == ("标题", "正文", "/hazards/12/", "sent")
    assert note.region_id == county_admin.region_id and not Notification.objects.filter(recipient=inactive)


# Configuration ----------------------------------------------------------------------------------


def test_every_channel_logs_by_default_and_the_inbox_is_the_inbox(settings: Any, tmp_path: Any) -> None:
    settings.MESSAGING_CHANNEL_LOG = tmp_path / "d.log"
    assert isinstance(channels.adapter_for("sms"), channels.LogChannel)
    assert channels.adapter_for("sms").path == tmp_path / "d.log"
    assert isinstance(channels.adapter_for("inbox"), channels.InboxChannel)
    assert channels.adapter_for("sms") is channels.adapter_for("sms")  # one per process


def test_the_http_adapter_needs_its_url(settings: Any) -> None:
    settings.MESSAGING_CHANNELS = {"sms": "http", "broadcast": "http"}
    settings.MESSAGING_SMS_GATEWAY_URL = "http://127.0.0.1:9099/send"
    settings.MESSAGING_BROADCAST_URL = ""
    assert channels.adapter_for("sms").url == "http://127.0.0.1:9099/send"
    with pytest.raises(ImproperlyConfigured, match="MESSAGING_BROADCAST_URL"):
        channels.adapter_for("broadcast")


@pytest.mark.parametrize("configured", [{"inbox": "log"}, {"sms": "inbox"}, {"app": "carrier-pigeon"}])
def test_an_adapter_a_channel_cannot_use_is_refused(settings: Any, configured: dict[str, str]) -> None:
    settings.MESSAGING_CHANNELS = configured
    with pytest.raises(ImproperlyConfigured):
        channels.adapter_for(next(iter(configured)))
