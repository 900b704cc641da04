"""`yingji worker`: run deadlines and deliver notifications continuously; stop with SIGTERM or Ctrl-C."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from yingji.core.jobs import run_due
from yingji.core.runtime import freeze_loaded_heap


class Command(BaseCommand):
    help = "Drain due deadlines and the notification outbox every few seconds; several may run at once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between passes")
        parser.add_argument("--once", action="store_true", help="one pass, then exit")

    def handle(self, *args: Any, interval: float, once: bool, **options: Any) -> None:
        freeze_loaded_heap()
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"worker started, a pass every {interval:g} s")
        while not stop.is_set():
            close_old_connections()
            report = run_due()
            if (
                report.checks_done
                or report.deadlines_done
                or report.deadlines_failed
                or report.notifications_sent
            ):
                self.stdout.write(str(report))
            if once:
                break
            stop.wait(interval)
        self.stdout.write("worker stopped")
