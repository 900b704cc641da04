"""Fixtures of the outbox's tests: every channel through a log of the test's own, or SMS to a gateway."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from yingji.messaging.smsgateway import SmsGateway


@pytest.fixture
def logged(settings: Any, tmp_path: Any) -> Any:
    """Every channel through the log, in a file of the test's own."""
    settings.MESSAGING_CHANNEL_LOG = tmp_path / "deliveries.log"
    settings.MESSAGING_CHANNELS = {}
    return settings.MESSAGING_CHANNEL_LOG


@pytest.fixture
def gateway(settings: Any, logged: Any) -> Iterator[SmsGateway]:
    """SMS over HTTP to a simulator gateway that refuses 13800000404; the other channels to the log."""
    with SmsGateway(refuse=["13800000404"]) as running:
        settings.MESSAGING_CHANNELS = {"sms": "http"}
        settings.MESSAGING_SMS_GATEWAY_URL = running.url
        yield running
