"""`yingji audit verify`: check the audit log's hash chain; exit 1 naming the first broken entry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yingji.core.audit import verify_chain


class Command(BaseCommand):
    help = "Verify that no audit entry was changed, removed or inserted behind the application's back."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        checked, problem = verify_chain()
        if problem is None:
            self.stdout.write(f"audit chain intact: {checked} entries verified")
            return
        where = "after the last entry" if problem.entry_id < 0 else f"at entry {problem.entry_id}"
        self.stderr.write(
            f"audit chain BROKEN {where}: {problem.reason} ({checked} entries verified before it)"
        )
        raise SystemExit(1)
