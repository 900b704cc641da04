"""A local SMS gateway that speaks the `http` channel's protocol, for tests, the benchmark and the demo.

It behaves as a real gateway does where the outbox relies on it: a message is delivered once per
idempotency key (a repeat is answered as the first sending was, and counted), and it can be told
to fail: a share of requests answered 503 (the batch is retried), addresses refused for good (per
message 400, as for a number that does not exist). With a receipt URL it posts delivery receipts
back to the platform (`POST /api/v1/messages/receipts`) in batches, as gateways do.
`yingji sms-gateway --port N` runs it on its own.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import random
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import orjson

log = logging.getLogger(__name__)

RECEIPT_BATCH = 1000
RECEIPT_INTERVAL_S = 0.2
MAX_BODY = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Delivered:
    """A message the gateway delivered: to whom, what, under which id and when."""

    key: str
    address: str
    text: str
    provider_id: str
    at: datetime


class SmsGateway:
    """The simulator: `start()` serves on a thread, `url` is where the http channel posts."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        fail_rate: float = 0.0,
        refuse: Iterable[str] = (),
        token: str = "",
        receipt_url: str = "",
        receipt_token: str = "",
        seed: int = 0,
    ) -> None:
        self.host = host
        self.fail_rate = fail_rate
        self.refused_addresses = frozenset(refuse)
        self.token = token
        self.receipt_url, self.receipt_token = receipt_url, receipt_token
        self.delivered: dict[str, Delivered] = {}
        self.requests = self.failed_requests = self.repeats = self.refused = 0
        self.receipts_posted = 0
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._pending_receipts: list[dict[str, Any]] = []
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._threads: list[threading.Thread] = []
        self._connections: set[socket.socket] = set()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self._server.server_port}/send"

    def _run(self, target: Any) -> None:
        thread = threading.Thread(target=target, daemon=True)
        self._threads.append(thread)
        thread.start()

    def start(self) -> SmsGateway:
        """Serve on a thread of its own (tests, the benchmark)."""
        self._run(self._server.serve_forever)
        if self.receipt_url:
            self._run(self._post_receipts)
        return self

    def stop(self) -> None:
        """Stop listening and close every open connection, as a gateway going down does."""
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            for open_connection in self._connections:
                with contextlib.suppress(OSError):
                    open_connection.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> SmsGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # What a request gets ----------------------------------------------------------------------

    def answer(self, body: bytes) -> tuple[int, dict[str, Any]]:
        """The HTTP status and JSON answer for one posted batch."""
        with self._lock:
            self.requests += 1
            if self.fail_rate and self._random.random() < self.fail_rate:
                self.failed_requests += 1
                return 503, {"error": "网关繁忙 / gateway busy"}
        try:
            messages = orjson.loads(body)["messages"]
            batch = [(str(m["key"]), str(m["to"]), str(m["text"])) for m in messages]
        except (orjson.JSONDecodeError, KeyError, TypeError) as error:
            return 400, {"error": f"bad batch: {error}"}
        now = datetime.now(UTC)
        results = []
        with self._lock:
            for key, address, text in batch:
                if address in self.refused_addresses:
                    self.refused += 1
                    results.append({"key": key, "code": 400, "error": "空号 / no such number"})
                    continue
                earlier = self.delivered.get(key)
                if earlier is not None:
                    self.repeats += 1
                    results.append({"key": key, "code": 200, "id": earlier.provider_id})
                    continue
                provider_id = f"sim-{len(self.delivered) + 1}"
                self.delivered[key] = Delivered(key, address, text, provider_id, now)
                results.append({"key": key, "code": 200, "id": provider_id})
                if self.receipt_url:
                    self._pending_receipts.append(
                        {"key": key, "provider_id": provider_id, "status": "delivered", "at": now.isoformat()}
                    )
        return 200, {"results": results}

    # Receipts ---------------------------------------------------------------------------------

    def _post_receipts(self) -> None:
        parts = urlsplit(self.receipt_url)
        connection: http.client.HTTPConnection | None = None
        headers = {"Content-Type": "application/json"}
        if self.receipt_token:
            headers["Authorization"] = f"Bearer {self.receipt_token}"
        while not self._stopping.wait(RECEIPT_INTERVAL_S):
            with self._lock:
                batch = self._pending_receipts[:RECEIPT_BATCH]
            if not batch:
                continue
            try:
                connection = connection or http.client.HTTPConnection(parts.netloc, timeout=10)
                connection.request("POST", parts.path, orjson.dumps({"receipts": batch}), headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as error:
                log.warning("receipts not posted (%s), trying again", error)
                connection = None
                continue
            if response.status >= 300:
                log.warning("receipts refused: HTTP %s", response.status)
                continue
            with self._lock:
                del self._pending_receipts[: len(batch)]
                self.receipts_posted += len(batch)

    def stats(self) -> str:
        with self._lock:
            return (
                f"{len(self.delivered)} delivered, {self.repeats} repeats, {self.refused} refused, "
                f"{self.requests} requests ({self.failed_requests} failed on purpose), "
                f"{self.receipts_posted} receipts posted"
            )


def _handler_for(gateway: SmsGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the http channel expects

        def setup(self) -> None:
            super().setup()
            with gateway._lock:
                gateway._connections.add(self.connection)

        def finish(self) -> None:
            with gateway._lock:
                gateway._connections.discard(self.connection)
            super().finish()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if gateway.token and self.headers.get("Authorization") != f"Bearer {gateway.token}":
                self._reply(401, {"error": "bad token"}, close=True)
            elif length > MAX_BODY:
                self._reply(413, {"error": "batch too large"}, close=True)
            else:
                self._reply(*gateway.answer(self.rfile.read(length)))

        def _reply(self, status: int, answer: dict[str, Any], close: bool = False) -> None:
            body = orjson.dumps(answer)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if close:  # the body was not read: the connection cannot carry another request
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return  # one line per batch would drown the command's output

    return Handler
