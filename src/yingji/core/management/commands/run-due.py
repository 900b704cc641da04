"""`yingji run-due --now ISO-TIME`: run everything due at that time once (for cron and tests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from yingji.core.jobs import run_due


def parse_now(value: str) -> datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        raise CommandError(f"--now {value!r} is not an ISO date-time, e.g. 2026-12-01T08:00:00+08:00")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)  # a time without offset is Asia/Shanghai, as users read it
    return parsed


class Command(BaseCommand):
    help = "Run every deadline due and deliver every notification waiting at --now (default: now), once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="ISO date-time; without an offset it is Asia/Shanghai time")

    def handle(self, *args: Any, now: str | None, **options: Any) -> None:
        report = run_due(parse_now(now) if now else timezone.now())
        self.stdout.write(str(report))
