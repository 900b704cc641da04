"""How messages leave the platform: one small interface, one adapter per transport.

Each channel (SMS, emergency broadcast, app push, the platform inbox) is served by the adapter named
in settings `MESSAGING_CHANNELS` (default: every channel "log", the inbox "inbox"):

- `log`: appends one JSON line per message to `MESSAGING_CHANNEL_LOG` (default var/deliveries.log)
  and counts it as delivered at once. The demo's channel.
- `http`: posts the batch as JSON to the channel's gateway (`MESSAGING_SMS_GATEWAY_URL`,
  `MESSAGING_BROADCAST_URL`, `MESSAGING_PUSH_URL`) over one keep-alive connection per process and
  thread, every message with its idempotency key, so that a gateway which deduplicates by key (as SMS
  gateways do) delivers a message once however often a worker retries it.
- `inbox`: writes core `Notification` rows for platform users. It only writes to the database, so the
  worker calls it inside the transaction that records the outcome: delivered exactly once.

The adapters send the text they are given: what a message says is the queuing domain's business.
"""

from __future__ import annotations

import http.client
import logging
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import orjson
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from yingji.core.models import Notification, User
from yingji.messaging.models import Delivery

log = logging.getLogger(__name__)

# What became of one message: taken by the provider (a receipt will say whether it arrived),
# confirmed at once, refused for now (retry later) or refused for good.
ACCEPTED, DELIVERED, TEMPORARY, PERMANENT = "accepted", "delivered", "temporary", "permanent"

DEFAULT_ADAPTERS = {
    Delivery.SMS: "log",
    Delivery.BROADCAST: "log",
    Delivery.APP: "log",
    Delivery.INBOX: "inbox",
}
GATEWAY_URL_SETTINGS = {
    Delivery.SMS: "MESSAGING_SMS_GATEWAY_URL",
    Delivery.BROADCAST: "MESSAGING_BROADCAST_URL",
    Delivery.APP: "MESSAGING_PUSH_URL",
}
DEFAULT_HTTP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message to one address; `key` is its idempotency key, the same on every retry."""

    key: str
    address: str
    text: str
    recipient_id: int = 0  # the platform user, for the inbox
    subject: str = ""  # the inbox's subject line and link
    link: str = ""
    object_type: str = ""  # what the message is about (models.Message)
    object_id: str = ""


@dataclass(frozen=True, slots=True)
class SendResult:
    """The provider's answer for one message: an outcome, its own message id, and why if refused."""

    key: str
    outcome: str
    provider_id: str = ""
    error: str = ""


class Channel(Protocol):
    """A transport: sends a batch, answers one result per message in the batch's order."""

    name: str
    # True for a channel that only writes to the database: the worker then calls it inside the
    # transaction that records the results, so that a crash leaves both undone.
    in_transaction: bool

    def send(self, messages: list[OutgoingMessage]) -> list[SendResult]: ...


# Adapters ----------------------------------------------------------------------------------------


class LogChannel:
    """The demo's transport: one JSON line per message in a file; a line written is a message delivered."""

    in_transaction = False

    def __init__(self, channel: str, path: Path) -> None:
        self.name = f"log:{channel}"
        self.channel = channel
        self.path = path

    def send(self, messages: list[OutgoingMessage]) -> list[SendResult]:
        at = timezone.now().isoformat()
        lines = b"".join(
            orjson.dumps({"at": at, "channel": self.channel, "key": m.key, "to": m.address, "text": m.text})
            + b"\n"
            for m in messages
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("ab") as stream:  # one write: workers appending at once do not interleave
                stream.write(lines)
        except OSError as error:
            return [SendResult(m.key, TEMPORARY, error=f"log: {error}") for m in messages]
        return [SendResult(m.key, DELIVERED) for m in messages]


class HttpChannel:
    """Posts batches to a gateway: `{"messages": [{"key", "to", "text"}]}` → `{"results": [...]}`.

    Each result is `{"key", "code", "id", "delivered", "error"}`: a 2xx code is accepted (delivered
    at once when "delivered" is true), a 4xx other than 429 refused for good, anything else for now.
    A whole answer of 5xx or 429, a timeout or a broken connection leaves every message of the batch
    to be retried; so does any other whole-batch 4xx (a wrong token or URL is fixed by configuration,
    and the messages should then still go out).
    """

    in_transaction = False

    def __init__(self, channel: str, url: str, *, token: str = "", timeout: float = DEFAULT_HTTP_TIMEOUT_S):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ImproperlyConfigured(f"the {channel} gateway URL {url!r} is not an http(s) URL")
        self.name = f"http:{channel}"
        self.url = url
        self.secure = parts.scheme == "https"
        self.host, self.port = parts.hostname, parts.port
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.timeout = timeout
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self._local = threading.local()  # one keep-alive connection per thread

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            return connection, True
        if self.secure:
            connection = http.client.HTTPSConnection(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self._local.connection = connection
        return connection, False

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def _post(self, body: bytes) -> tuple[int, bytes]:
        while True:
            connection, reused = self._connection()
            try:
                connection.request("POST", self.path, body, self.headers)
                response = connection.getresponse()
                data = response.read()
            except TimeoutError:
                self.close()
                raise
            except (ConnectionError, http.client.HTTPException):
                self.close()
                if reused:  # the gateway closed an idle keep-alive connection: once more on a new one
                    continue
                raise
            if response.will_close:
                self.close()
            return response.status, data

    def send(self, messages: list[OutgoingMessage]) -> list[SendResult]:
        body = orjson.dumps({"messages": [{"key": m.key, "to": m.address, "text": m.text} for m in messages]})
        try:
            status, data = self._post(body)
        except (OSError, http.client.HTTPException) as error:
            return _all(messages, TEMPORARY, f"{self.url}: {type(error).__name__}: {error}")
        if status >= 300:
            return _all(
                messages, TEMPORARY, f"{self.url}: HTTP {status} {data[:200].decode(errors='replace')}"
            )
        try:
            answers = {str(item["key"]): item for item in orjson.loads(data)["results"]}
        except (orjson.JSONDecodeError, KeyError, TypeError) as error:
            return _all(messages, TEMPORARY, f"{self.url}: unreadable answer ({error})")
        return [_result(m.key, answers.get(m.key)) for m in messages]


def _all(messages: list[OutgoingMessage], outcome: str, error: str) -> list[SendResult]:
    log.warning("%d messages not sent: %s", len(messages), error)
    return [SendResult(m.key, outcome, error=error[:500]) for m in messages]


def _result(key: str, answer: Any) -> SendResult:
    """One message's result from the gateway's answer for it (none: try again)."""
    if not isinstance(answer, dict):
        return SendResult(key, TEMPORARY, error="网关未答复此条 / no answer for this message")
    try:
        code = int(answer.get("code", 0))
    except (TypeError, ValueError):
        code = 0
    provider_id, error = str(answer.get("id") or "")[:100], str(answer.get("error") or "")[:500]
    if 200 <= code < 300:
        return SendResult(key, DELIVERED if answer.get("delivered") is True else ACCEPTED, provider_id)
    if 400 <= code < 500 and code != 429:
        return SendResult(key, PERMANENT, provider_id, error or f"code {code}")
    return SendResult(key, TEMPORARY, provider_id, error or f"code {code}")


class InboxChannel:
    """Platform users' inbox: a core `Notification` per message, written in the recording transaction."""

    name = "inbox"
    in_transaction = True

    def send(self, messages: list[OutgoingMessage]) -> list[SendResult]:
        regions = dict(
            User.objects.filter(pk__in={m.recipient_id for m in messages}, is_active=True).values_list(
                "pk", "region_id"
            )
        )
        now = timezone.now()
        notifications, results = [], []
        for m in messages:
            region_id = regions.get(m.recipient_id)
            if region_id is None:
                results.append(SendResult(m.key, PERMANENT, error="用户不存在或已停用 / no active user"))
                continue
            notifications.append(
                Notification(
                    recipient_id=m.recipient_id,
                    region_id=region_id,
                    channel="inbox",
                    subject=m.subject[:200],
                    body=m.text,
                    link=m.link[:200],
                    object_type=m.object_type,
                    object_id=m.object_id,
                    status=Notification.SENT,
                    sent_at=now,
                )
            )
            results.append(SendResult(m.key, DELIVERED))
        Notification.objects.bulk_create(notifications)
        return results


# Configuration -----------------------------------------------------------------------------------

_adapters: dict[tuple[Any, ...], Channel] = {}


def adapter_for(channel: str) -> Channel:
    """The configured adapter of a channel, made once per process (and again if its settings change)."""
    kind = {**DEFAULT_ADAPTERS, **getattr(settings, "MESSAGING_CHANNELS", {})}.get(channel)
    factory: Callable[[], Channel]
    if channel == Delivery.INBOX and kind == "inbox":
        identity: tuple[Any, ...] = (channel, kind)
        factory = InboxChannel
    elif channel in GATEWAY_URL_SETTINGS and kind == "log":
        path = Path(getattr(settings, "MESSAGING_CHANNEL_LOG", settings.VAR_DIR / "deliveries.log"))
        identity = (channel, kind, path)
        factory = partial(LogChannel, channel, path)
    elif channel in GATEWAY_URL_SETTINGS and kind == "http":
        url_setting = GATEWAY_URL_SETTINGS[channel]
        url = getattr(settings, url_setting, "")
        if not url:
            raise ImproperlyConfigured(
                f"the {channel} channel uses the http adapter but {url_setting} is empty"
            )
        token = getattr(settings, "MESSAGING_GATEWAY_TOKEN", "")
        timeout = float(getattr(settings, "MESSAGING_HTTP_TIMEOUT", DEFAULT_HTTP_TIMEOUT_S))
        identity = (channel, kind, url, token, timeout)
        factory = partial(HttpChannel, channel, url, token=token, timeout=timeout)
    else:
        raise ImproperlyConfigured(f"MESSAGING_CHANNELS: {kind!r} is not an adapter of the {channel} channel")
    adapter = _adapters.get(identity)
    if adapter is None:
        adapter = _adapters[identity] = factory()
    return adapter
