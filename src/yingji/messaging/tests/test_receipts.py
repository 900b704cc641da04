"""Receipts: applied by key or by the gateway's id, never undoing a delivery, through either route."""

from __future__ import annotations

import queue
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest

from yingji.messaging import delivery
from yingji.messaging.receipts import Receipt, apply_receipts
from yingji.messaging.smsgateway import SmsGateway
from yingji.messaging.tests.helpers import COUNTY_A, COUNTY_B, NOW, SUBSCRIBER, batch, rows, sms, statuses
from yingji.messaging.tests.helpers import queue as queue_messages

TOKEN = "s3cret-receipts"
ROUTES = ["/api/v1/messages/receipts", "/api/v1/warnings/receipts"]


def test_sms_sent_through_the_gateway_is_delivered_by_receipt(demo: None, gateway: SmsGateway) -> None:
    queue_messages(sms(3))
    delivery.drain(NOW, "worker-a")
    sent = rows()
    later = NOW + timedelta(seconds=20)
    applied = apply_receipts(
        [
            Receipt("delivered", key=sent[0]["idempotency_key"], at=later),
            Receipt("delivered", provider_id=sent[1]["provider_id"], at=later),
            Receipt("failed", key=sent[2]["idempotency_key"], error="关机"),
        ]
    )
    assert (applied.applied, applied.unchanged, applied.unknown) == (3, 0, [])
    after = rows()
    assert [(r["status"], r["delivered_at"]) for r in after] == [
        ("delivered", later),
        ("delivered", later),
        ("failed", None),
    ]
    assert after[2]["last_error"] == "关机"


def test_a_delivered_row_never_goes_back_and_unknown_receipts_are_reported(demo: None, logged: Any) -> None:
    queue_messages(sms(1))
    delivery.drain(NOW, "worker-a")
    key = rows()[0]["idempotency_key"]
    report = apply_receipts(
        [Receipt("failed", key=key), Receipt("delivered", key="nope"), Receipt("failed", provider_id="sim-x")]
    )
    assert (report.applied, report.unchanged, report.unknown) == (0, 1, ["nope", "sim-x"])
    assert statuses() == ["delivered"]


def test_delivered_wins_over_failed_in_one_batch(demo: None, gateway: SmsGateway) -> None:
    queue_messages(sms(1))
    delivery.drain(NOW, "worker-a")
    key = rows()[0]["idempotency_key"]
    apply_receipts([Receipt("delivered", key=key, at=NOW), Receipt("failed", key=key)], NOW)
    assert (rows()[0]["status"], rows()[0]["delivered_at"]) == ("delivered", NOW)


# The API ----------------------------------------------------------------------------------------


@pytest.fixture
def spread(demo: None, logged: Any) -> None:
    """Two SMS and a loudspeaker message queued, the first SMS confirmed."""
    queue_messages(
        batch(
            (SUBSCRIBER, 1, "sms", "13812345678", COUNTY_A),
            ("terminal", 2, "broadcast", "GB-0002", COUNTY_A),
            (SUBSCRIBER, 3, "sms", "13800000003", COUNTY_B),
        )
    )
    apply_receipts([Receipt("delivered", key=rows()[0]["idempotency_key"], at=NOW)])


@pytest.mark.parametrize("path", ROUTES)
def test_receipts_need_the_configured_token(spread: None, settings: Any, client: Any, path: str) -> None:
    key = rows()[0]["idempotency_key"]
    body = orjson.dumps({"receipts": [{"key": key, "status": "delivered"}]})
    settings.MESSAGING_RECEIPT_TOKEN = ""
    assert client.post(path, body, "application/json", HTTP_AUTHORIZATION="Bearer x").status_code == 404
    settings.MESSAGING_RECEIPT_TOKEN = TOKEN
    assert client.post(path, body, "application/json").status_code == 401
    assert client.post(path, body, "application/json", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 401
    assert rows()[0]["status"] == "delivered" and rows()[2]["status"] == "queued"


@pytest.mark.parametrize("path", ROUTES)
def test_receipts_are_applied_and_unknown_ones_reported(
    spread: None, settings: Any, client: Any, path: str
) -> None:
    settings.MESSAGING_RECEIPT_TOKEN = TOKEN
    queued_sms = rows()[2]["idempotency_key"]
    answer = client.post(
        path,
        {
            "receipts": [
                {"key": queued_sms, "status": "delivered", "at": "2026-07-01T10:00:30"},
                {"provider_id": "elsewhere-1", "status": "failed", "error": "空号"},
            ]
        },
        "application/json",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
    )
    assert answer.status_code == 200
    assert answer.json() == {"applied": 1, "unchanged": 0, "unknown": ["elsewhere-1"]}
    assert rows()[2]["delivered_at"] == NOW + timedelta(seconds=30)  # Beijing time without an offset


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
    spread: None, settings: Any, client: Any, receipts: Any, status: int
) -> None:
    settings.MESSAGING_RECEIPT_TOKEN = TOKEN
    before = rows()
    answer = client.post(
        ROUTES[0], {"receipts": receipts}, "application/json", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"
    )
    assert answer.status_code == status and answer.json()["code"] == "invalid_input"
    assert rows() == before


def test_the_simulator_posts_receipts_the_api_takes(
    demo: None, settings: Any, logged: Any, client: Any
) -> None:
    """What the simulator gateway posts as receipts, POST /messages/receipts accepts and applies."""
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
    queue_messages(sms(2))
    receipt_url = f"http://127.0.0.1:{capture.server_address[1]}{ROUTES[0]}"
    with SmsGateway(receipt_url=receipt_url, receipt_token=TOKEN) as running:
        settings.MESSAGING_CHANNELS = {"sms": "http"}
        settings.MESSAGING_SMS_GATEWAY_URL = running.url
        assert delivery.drain(NOW, "worker-a").sent == 2
        authorization, body = received.get(timeout=10)
    capture.shutdown()
    capture.server_close()
    settings.MESSAGING_RECEIPT_TOKEN = TOKEN
    answer = client.post(ROUTES[0], body, "application/json", HTTP_AUTHORIZATION=authorization)
    assert answer.json() == {"applied": 2, "unchanged": 0, "unknown": []}
    assert statuses() == ["delivered", "delivered"]
