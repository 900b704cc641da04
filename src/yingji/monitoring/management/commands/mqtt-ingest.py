"""`yingji mqtt-ingest --url mqtt://host:port`: store the readings gateways publish to an MQTT broker."""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yingji.core.runtime import freeze_loaded_heap
from yingji.monitoring.mqtt import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_CLIENT_ID,
    DEFAULT_FLUSH_MS,
    TOPIC_ROOT,
    MqttIngester,
)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Subscribe to <topic-root>/<gateway>/<sensor> (QoS 1, persistent session) and store the readings "
        "through the ingestion pipeline, acknowledging each message after its batch is committed. "
        "Runs until SIGTERM or SIGINT, which flush, acknowledge and disconnect first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", required=True, help="mqtt://[user:password@]host[:port] or mqtts://…")
        parser.add_argument(
            "--client-id",
            default=DEFAULT_CLIENT_ID,
            help="fixed MQTT client id: the broker keeps this session's messages while the command is down",
        )
        parser.add_argument("--batch-size", type=positive_int, default=DEFAULT_BATCH_SIZE)
        parser.add_argument(
            "--flush-ms",
            type=positive_int,
            default=DEFAULT_FLUSH_MS,
            help="longest time a message waits for its batch to fill before it is stored",
        )
        parser.add_argument(
            "--shared",
            metavar="GROUP",
            help="subscribe as $share/GROUP/…: the broker spreads messages over every ingester of GROUP",
        )
        parser.add_argument(
            "--topic-root",
            default=TOPIC_ROOT,
            help="first topic level (default yingji), to keep deployments that share a broker apart",
        )
        parser.add_argument(
            "--max-seconds", type=positive_float, help="stop after this many seconds (tests, benchmarks)"
        )
        parser.add_argument(
            "--exit-when-idle",
            type=positive_float,
            metavar="SECONDS",
            help="stop once no message has come for this many seconds (tests, draining a backlog)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        freeze_loaded_heap()
        try:
            ingester = MqttIngester(
                options["url"],
                client_id=options["client_id"],
                batch_size=options["batch_size"],
                flush_ms=options["flush_ms"],
                shared_group=options["shared"],
                topic_root=options["topic_root"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        stop = lambda signum, frame: ingester.request_stop()  # noqa: E731
        previous = {number: signal.signal(number, stop) for number in (signal.SIGTERM, signal.SIGINT)}
        try:
            ingester.start()
            totals = ingester.run(
                max_seconds=options["max_seconds"], exit_when_idle=options["exit_when_idle"]
            )
        finally:
            ingester.close()
            for number, handler in previous.items():
                signal.signal(number, handler)
        self.stdout.write(totals.summary())
