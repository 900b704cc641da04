"""`yingji sms-gateway --port N`: the local SMS gateway simulator, for the demo and development.

Point the platform at it with `MESSAGING_CHANNELS = {"sms": "http"}` and
`MESSAGING_SMS_GATEWAY_URL = "http://127.0.0.1:N/send"`; with `--receipt-url` it posts delivery
receipts back (`--receipt-token` = the platform's MESSAGING_RECEIPT_TOKEN). Stop with Ctrl-C.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yingji.messaging.smsgateway import SmsGateway


class Command(BaseCommand):
    help = "Run a local SMS gateway that delivers each idempotency key once, and can fail on request."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=9099)
        parser.add_argument("--fail-rate", type=float, default=0.0, help="share of requests answered 503")
        parser.add_argument(
            "--refuse", action="append", default=[], metavar="ADDRESS", help="an address refused for good"
        )
        parser.add_argument("--token", default="", help="bearer token the platform must send")
        parser.add_argument(
            "--receipt-url", default="", help="e.g. http://127.0.0.1:8000/api/v1/messages/receipts"
        )
        parser.add_argument("--receipt-token", default="")
        parser.add_argument("--stats-every", type=float, default=10.0, help="seconds between status lines")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0.0 <= options["fail_rate"] <= 1.0:
            raise CommandError("--fail-rate must lie between 0 and 1")
        try:
            gateway = SmsGateway(
                options["host"],
                options["port"],
                fail_rate=options["fail_rate"],
                refuse=options["refuse"],
                token=options["token"],
                receipt_url=options["receipt_url"],
                receipt_token=options["receipt_token"],
            )
        except OSError as error:
            raise CommandError(f"cannot listen on {options['host']}:{options['port']}: {error}") from None
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        gateway.start()
        self.stdout.write(f"SMS gateway simulator at {gateway.url}")
        last = ""
        while not stop.wait(options["stats_every"]):
            if (line := gateway.stats()) != last:
                self.stdout.write(line)
                last = line
        gateway.stop()
        self.stdout.write(f"stopped: {gateway.stats()}")
