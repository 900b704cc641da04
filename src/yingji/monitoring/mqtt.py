"""MQTT ingestion: readings a broker holds on `yingji/<gateway>/<sensor>` fed, in batches, to the pipeline.

`yingji mqtt-ingest` and the benchmark both drive an `MqttIngester`. Paho's network thread only puts
each message in an inbox; the calling thread takes them in batches (every `batch_size` messages or
`flush_ms`), stores them through `pipeline.ingest_items` (one transaction per gateway) and only then
acknowledges them (MQTT 5, QoS 1, manual PUBACK). A message is therefore acknowledged only once its
readings are committed, refused or found to be repeats: if the process dies before that, the broker
keeps it in the persistent session (fixed client id, no clean start, a session expiry) and sends it
again, and the pipeline's (ts, sensor) key drops the copy that had been stored already.
"""

from __future__ import annotations

import logging
import socket
import ssl
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import orjson
import paho.mqtt.client as paho
from django.db import DatabaseError, connection
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from yingji.monitoring import pipeline
from yingji.monitoring.models import Gateway

log = logging.getLogger(__name__)
T = TypeVar("T")

TOPIC_ROOT = "yingji"
DEFAULT_CLIENT_ID = "yingji-ingest"
DEFAULT_BATCH_SIZE = 5000
DEFAULT_FLUSH_MS = 200
# How long the broker keeps the session (subscription and unacknowledged messages) while we are away.
SESSION_EXPIRY_S = 7 * 24 * 3600
# Unacknowledged messages the broker may have on the way to us. It bounds memory, and it must exceed a
# batch: Mosquitto's own default (20) would make every batch wait for acknowledgements.
RECEIVE_MAXIMUM = 65535
KEEPALIVE_S = 30
RECONNECT_MIN_S, RECONNECT_MAX_S = 1, 30
# A flush that fails on the database is tried again this many times (1 s, 2 s, 4 s apart) before the
# ingester gives up and raises; its messages stay unacknowledged, so the broker sends them again.
FLUSH_ATTEMPTS = 4
REASONS_LOGGED = 3
READ_CHUNK_BYTES = 256 * 1024
PUBACK_SUCCESS = struct.Struct("!BBH")  # packet type, remaining length 2, packet id: MQTT 5 success
IDLE_WAIT_S = 0.1  # how often an idle ingester checks whether it should stop


@dataclass(frozen=True)
class Broker:
    """Where the broker is and how to sign in, from `mqtt://[user:password@]host[:port]` (or mqtts://)."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False

    @classmethod
    def from_url(cls, url: str) -> Broker:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
            raise ValueError(f"{url!r}: the broker URL must start with mqtt:// or mqtts://")
        tls = parts.scheme in ("mqtts", "ssl")
        try:
            port = parts.port or (8883 if tls else 1883)
        except ValueError:
            raise ValueError(f"{url!r}: the port is not a number from 1 to 65535") from None
        if not parts.hostname:
            raise ValueError(f"{url!r}: the broker URL names no host")
        if parts.path not in ("", "/") or parts.query:
            raise ValueError(f"{url!r}: a broker URL has no path or query, only mqtt://host:port")
        username = unquote(parts.username) if parts.username is not None else None
        password = unquote(parts.password) if parts.password is not None else None
        return cls(parts.hostname, port, username, password, tls)

    def __str__(self) -> str:
        """The address without the password, for logs."""
        user = f"{self.username}@" if self.username else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{user}{self.host}:{self.port}"


@dataclass
class IngestTotals:
    """What an ingester has done since it started; `run()` returns it and every flush adds to it."""

    messages: int = 0  # messages taken from the broker and acknowledged (or, at QoS 0, just taken)
    readings: int = 0  # readings in them, bad ones included
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    dropped: int = 0  # messages of unknown or revoked gateways, acknowledged and discarded
    flushes: int = 0
    connections: int = 0  # successful connections to the broker; more than one means it reconnected
    last_flush_at: float = 0.0  # time.perf_counter() when the latest flush was acknowledged

    def summary(self) -> str:
        return (
            f"{self.messages} messages, {self.readings} readings: {self.accepted} accepted, "
            f"{self.duplicates} duplicates, {self.rejected} rejected; dropped (unknown or revoked gateway): "
            f"{self.dropped}; {self.flushes} flushes, {self.connections} connections"
        )


@dataclass
class _Batch:
    """One flush's readings, grouped by gateway, and what to tell the log about it."""

    gateways: dict[str, Gateway] = field(default_factory=dict)
    items: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    refused: dict[str, list[pipeline.Rejection]] = field(default_factory=dict)
    topics: list[str] = field(default_factory=list)  # topic of each line, 1-based through index + 1
    dropped: dict[str, int] = field(default_factory=dict)  # messages per unknown gateway name


class _IngestClient(paho.Client):
    """paho's client, reading the socket in large chunks and acknowledging a batch in one packet.

    paho reads every packet with three recv() calls after a select() and writes one PUBACK per ack()
    call; at thousands of messages a second that is most of the ingester's time. The overrides keep
    paho's protocol handling and touch only how bytes reach and leave the socket.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_chunk = b""
        self._read_position = 0
        # Called with (packet id, QoS, topic bytes, payload) of each PUBLISH; None: paho's on_message.
        self.deliver: Callable[[int, int, bytes, bytes], None] | None = None

    def _sock_recv(self, bufsize: int) -> bytes:
        chunk, position = self._read_chunk, self._read_position
        if position >= len(chunk):
            chunk = super()._sock_recv(READ_CHUNK_BYTES)  # raises BlockingIOError when nothing waits
            if not chunk:
                return chunk  # the connection closed
            self._read_chunk, position = chunk, 0
        self._read_position = position + bufsize
        return chunk[position : position + bufsize]

    def loop_read(self, max_packets: int = 1) -> paho.MQTTErrorCode:
        """Handle every packet already read, not one per select() as paho does."""
        rc = super().loop_read(max_packets)
        while not rc and self._sock is not None and self._read_position < len(self._read_chunk):
            rc = super().loop_read(max_packets)
        return rc

    def _sock_close(self) -> None:
        self._read_chunk, self._read_position = b"", 0  # nothing of an old connection is read on a new one
        super()._sock_close()

    def _handle_publish(self) -> paho.MQTTErrorCode:
        """An incoming PUBLISH at QoS 0 or 1: its packet id, QoS, topic and payload straight to `deliver`.

        paho's own handling builds a Properties object, a message object and a debug line for every
        packet and matches the topic against its callbacks: most of the network thread's time. The
        ingester reads no property (and the broker sends no topic alias: the client allows none), so
        they are skipped. QoS 2, which the subscription never grants, keeps paho's path.
        """
        header, packet = self._in_packet["command"], self._in_packet["packet"]
        qos = (header & 0x06) >> 1
        if qos == 2 or self.deliver is None:
            return super()._handle_publish()
        try:
            end = 2 + int.from_bytes(packet[:2], "big")
            topic, mid = packet[2:end], 0
            if qos:
                mid, end = int.from_bytes(packet[end : end + 2], "big"), end + 2
            length, shift = 0, 0  # the properties' length: a variable byte integer of up to 4 bytes
            while True:
                byte = packet[end]
                end, length, shift = end + 1, length | (byte & 0x7F) << shift, shift + 7
                if byte < 0x80:
                    break
                if shift > 21:
                    raise IndexError
            if end + length > len(packet):
                raise IndexError
        except IndexError:  # a packet shorter than its own lengths say
            return paho.MQTTErrorCode.MQTT_ERR_PROTOCOL
        self.deliver(mid, qos, topic, packet[end + length :])
        return paho.MQTTErrorCode.MQTT_ERR_SUCCESS

    def ack_all(self, mids: list[int]) -> None:
        """PUBACK (reason: success) for each QoS 1 packet id, queued as one write."""
        if mids:
            packet = b"".join([PUBACK_SUCCESS.pack(paho.PUBACK, 2, mid) for mid in mids])
            self._packet_queue(paho.PUBACK, packet, 0, 0)


# A message as the network thread queues it: (connection number, packet id, QoS, topic, payload).
Message = tuple[int, int, int, str, bytes | bytearray]


class MqttIngester:
    """Subscribes to a broker and stores what arrives through the pipeline, acknowledging after commit."""

    def __init__(
        self,
        url: str,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        batch_size: int = DEFAULT_BATCH_SIZE,
        flush_ms: int = DEFAULT_FLUSH_MS,
        shared_group: str | None = None,
        topic_root: str = TOPIC_ROOT,
        session_expiry_s: int = SESSION_EXPIRY_S,
    ) -> None:
        if batch_size < 1 or flush_ms < 1:
            raise ValueError("batch size and flush interval must be positive")
        for name, value in (("topic root", topic_root), ("shared group", shared_group or "x")):
            if not value or any(char in value for char in "+#") or (name == "shared group" and "/" in value):
                raise ValueError(f"{name} {value!r} may not be empty or contain + or #")
        self.broker = Broker.from_url(url)
        self.client_id = client_id
        self.batch_size = batch_size
        self.flush_s = flush_ms / 1000
        self.topic_root = topic_root.strip("/")
        topic_filter = f"{self.topic_root}/+/+"
        self.subscription = f"$share/{shared_group}/{topic_filter}" if shared_group else topic_filter
        self.totals = IngestTotals()
        # The network thread appends, the calling thread takes: a deque needs no lock for that, and the
        # calling thread is woken only by the first message and by a full batch, not by every message.
        self._inbox: deque[Message] = deque()
        self._wake = threading.Event()
        self._first_arrival = 0.0
        self._subscribed = threading.Event()
        self._stopping = False
        # Bumped when a connection ends: packet ids of an earlier connection must not be acknowledged
        # on a later one, where the broker may have given them to other messages.
        self._connection_number = 0
        self._ack_lock = threading.Lock()
        self.client = self._make_client(session_expiry_s)

    # The network thread --------------------------------------------------------------------------

    def _make_client(self, session_expiry_s: int) -> _IngestClient:
        client = _IngestClient(
            paho.CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=paho.MQTTv5,
            manual_ack=True,
        )
        if self.broker.username is not None:
            client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
        client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        client.deliver = self._deliver
        self._connect_properties = Properties(PacketTypes.CONNECT)
        self._connect_properties.SessionExpiryInterval = session_expiry_s
        self._connect_properties.ReceiveMaximum = RECEIVE_MAXIMUM
        return client

    def _on_connect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any
    ) -> None:
        if reason.is_failure:
            log.error("MQTT broker %s refused the connection: %s", self.broker, reason)
            return
        with self._ack_lock:
            self._connection_number += 1
        self.totals.connections += 1
        log.info(
            "connected to %s as %s (session %s); subscribing to %s",
            self.broker,
            self.client_id,
            "resumed" if flags.session_present else "new",
            self.subscription,
        )
        client.subscribe(self.subscription, qos=1)

    def _on_disconnect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any
    ) -> None:
        with self._ack_lock:
            self._connection_number += 1
        self._subscribed.clear()
        if not self._stopping:
            log.warning("lost the connection to %s (%s); reconnecting", self.broker, reason)

    def _on_subscribe(
        self, client: paho.Client, userdata: Any, mid: int, reasons: list[ReasonCode], props: Any
    ) -> None:
        granted = reasons[0]
        if granted.is_failure:
            log.error("the broker refused the subscription to %s: %s", self.subscription, granted)
            return
        if granted.value < 1:
            log.warning("the broker granted QoS 0 only on %s: messages may be lost", self.subscription)
        self._subscribed.set()

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        """paho's path (QoS 2, never granted by the subscription); QoS 0 and 1 come to `_deliver`."""
        try:
            topic = message.topic
        except UnicodeDecodeError:  # brokers refuse such topics; were one to come, it must not stop us
            log.warning("dropped a message whose topic is not UTF-8")
            client.ack(message.mid, message.qos)
            return
        self._queue(message.mid, message.qos, topic, message.payload)

    def _deliver(self, mid: int, qos: int, topic: bytes, payload: bytes) -> None:
        try:
            name = topic.decode()
        except UnicodeDecodeError:  # brokers refuse such topics; were one to come, it must not stop us
            log.warning("dropped a message whose topic is not UTF-8")
            self.client.ack(mid, qos)
            return
        self._queue(mid, qos, name, payload)

    def _queue(self, mid: int, qos: int, topic: str, payload: bytes | bytearray) -> None:
        inbox = self._inbox
        inbox.append((self._connection_number, mid, qos, topic, payload))
        queued = len(inbox)
        if queued == 1:
            self._first_arrival = time.monotonic()
            self._wake.set()
        elif queued >= self.batch_size:
            self._wake.set()

    # Lifecycle ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background; paho's thread reconnects on its own whenever the connection drops."""
        self.client.connect_async(
            self.broker.host,
            self.broker.port,
            keepalive=KEEPALIVE_S,
            clean_start=False,
            properties=self._connect_properties,
        )
        self.client.loop_start()

    def wait_subscribed(self, timeout: float) -> bool:
        """Whether the broker confirmed the subscription within `timeout` seconds."""
        return self._subscribed.wait(timeout)

    def request_stop(self) -> None:
        """Ask `run()` to flush what it holds and return; safe to call from a signal handler."""
        self._stopping = True  # a plain assignment: a signal handler must not take a lock

    def close(self) -> None:
        """Disconnect cleanly (acknowledgements already queued go out first) and stop the network thread."""
        self._stopping = True
        self.client.disconnect()
        self.client.loop_stop()

    def abandon(self) -> None:
        """Stop and drop the connection without a DISCONNECT, as a crash would; acknowledge nothing more."""
        self._stopping = True
        with self._ack_lock:
            self._connection_number += 1
        self.client.loop_stop()
        sock = self.client.socket()
        if isinstance(sock, socket.socket):
            sock.close()

    # The calling thread ---------------------------------------------------------------------------

    def run(
        self,
        *,
        max_seconds: float | None = None,
        exit_when_idle: float | None = None,
        until: Callable[[IngestTotals], bool] | None = None,
    ) -> IngestTotals:
        """Take messages in batches and flush them until stopped; returns the totals.

        It returns, after flushing and acknowledging what it holds, on `request_stop()` (SIGTERM),
        after `max_seconds`, after `exit_when_idle` seconds without a message, or once `until(totals)`.
        """
        started = last_message_at = time.monotonic()
        inbox, wake = self._inbox, self._wake
        while not self._stopping:
            if not inbox:
                wake.clear()
                if not inbox:  # checked again after clearing, so a message in between is not missed
                    wake.wait(IDLE_WAIT_S)
            if inbox:
                # Wait for a full batch, or until the oldest message has waited flush_ms.
                while len(inbox) < self.batch_size and not self._stopping:
                    remaining = self._first_arrival + self.flush_s - time.monotonic()
                    if remaining <= 0:
                        break
                    wake.clear()
                    if len(inbox) < self.batch_size:
                        wake.wait(min(remaining, IDLE_WAIT_S))
                self.flush(self._take(self.batch_size))
                last_message_at = time.monotonic()
            now = time.monotonic()
            if (
                (max_seconds is not None and now - started >= max_seconds)
                or (exit_when_idle is not None and not inbox and now - last_message_at >= exit_when_idle)
                or (until is not None and until(self.totals))
            ):
                break
        while inbox:  # what arrived before the stop is stored and acknowledged, not left to redelivery
            self.flush(self._take(self.batch_size))
        return self.totals

    def _take(self, count: int) -> list[Message]:
        """Up to `count` messages from the inbox, oldest first."""
        inbox = self._inbox
        taken = [inbox.popleft() for _ in range(min(count, len(inbox)))]
        if inbox:
            self._first_arrival = time.monotonic()  # the rest waits for a batch of its own
        return taken

    def flush(self, messages: list[Message]) -> None:
        """Store one batch of messages, then acknowledge them; a failure acknowledges nothing."""
        names = {topic.rsplit("/", 2)[1] for _, _, _, topic, _ in messages}
        gateways = _with_retries(
            lambda: {g.name: g for g in Gateway.objects.filter(name__in=names, revoked_at__isnull=True)}
        )
        batch = self._group(messages, gateways)
        results = [
            _with_retries(partial(_ingest, gateway, batch.items[name], batch.refused[name]))
            for name, gateway in batch.gateways.items()
        ]
        self._acknowledge(messages)
        self._account(messages, batch, results)

    def _group(self, messages: list[Message], known: dict[str, Gateway]) -> _Batch:
        """Readings by gateway with their line (position in the flush); payload errors refused here."""
        batch = _Batch()
        topics = batch.topics
        line = 0
        for _, _, _, topic, payload in messages:
            _, name, sensor = topic.rsplit("/", 2)
            items = batch.items.get(name)
            if items is None:
                if name not in known:
                    batch.dropped[name] = batch.dropped.get(name, 0) + 1
                    continue
                batch.gateways[name] = known[name]
                items = batch.items[name] = []
                batch.refused[name] = []
            try:
                parsed = orjson.loads(payload)
            except orjson.JSONDecodeError:
                line += 1
                topics.append(topic)
                batch.refused[name].append(pipeline.Rejection(line, pipeline.NOT_JSON))
                continue
            for reading in parsed if type(parsed) is list else (parsed,):
                line += 1
                topics.append(topic)
                # The topic names the sensor; a payload that names one must name the same.
                if type(reading) is dict and reading.setdefault("sensor", sensor) != sensor:
                    batch.refused[name].append(pipeline.Rejection(line, pipeline.TOPIC_MISMATCH))
                else:
                    items.append((line, reading))
        return batch

    def _acknowledge(self, messages: Iterable[Message]) -> None:
        """PUBACK every QoS 1 message of the current connection; older ones will come again and be repeats."""
        with self._ack_lock:
            current = self._connection_number
            self.client.ack_all(
                [mid for number, mid, qos, _, _ in messages if qos == 1 and number == current]
            )

    def _account(self, messages: list[Message], batch: _Batch, results: list[pipeline.IngestResult]) -> None:
        totals = self.totals
        dropped = sum(batch.dropped.values())
        accepted = sum(result.accepted for result in results)
        duplicates = sum(result.duplicates for result in results)
        rejections = [rejection for result in results for rejection in result.rejected]
        totals.messages += len(messages)
        totals.readings += len(batch.topics)
        totals.accepted += accepted
        totals.duplicates += duplicates
        totals.rejected += len(rejections)
        totals.dropped += dropped
        totals.flushes += 1
        totals.last_flush_at = time.perf_counter()
        for name, count in batch.dropped.items():
            log.warning("dropped %d messages for %r: no such gateway, or it was revoked", count, name)
        first = sorted(rejections, key=lambda rejection: rejection.line)[:REASONS_LOGGED]
        log.info(
            "flushed %d messages: %d accepted, %d duplicates, %d rejected%s",
            len(messages),
            accepted,
            duplicates,
            len(rejections),
            "".join(f"; {batch.topics[r.line - 1]} #{r.line}: {r.reason}" for r in first),
        )


def _ingest(
    gateway: Gateway, items: list[tuple[int, Any]], refused: list[pipeline.Rejection]
) -> pipeline.IngestResult:
    """One gateway's readings through the pipeline, with the refusals found before it (a copy: it appends)."""
    return pipeline.ingest_items(gateway, items, refused=list(refused))


def _with_retries(work: Callable[[], T]) -> T:
    """Run a database step; on a database error try again (after 1, 2, 4 s), then let the error out."""
    for attempt in range(1, FLUSH_ATTEMPTS):
        try:
            return work()
        except DatabaseError:
            log.exception("storing a batch failed (attempt %d of %d); retrying", attempt, FLUSH_ATTEMPTS)
            if not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()  # a broken connection is opened afresh
            time.sleep(2 ** (attempt - 1))
    return work()


def forget_session(url: str, client_id: str) -> None:
    """Make the broker drop a client id's session and whatever it holds for it (clean start, expiry 0)."""
    broker = Broker.from_url(url)
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5)
    if broker.username is not None:
        client.username_pw_set(broker.username, broker.password)
    if broker.tls:
        client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 0
    client.connect(broker.host, broker.port, clean_start=True, properties=properties)
    client.loop_start()
    client.disconnect()
    client.loop_stop()
