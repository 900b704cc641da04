"""`yingji cap validate FILE`: exit 0 for a valid CAP 1.2 message, 1 with every problem listed otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yingji.warnings import cap

INVALID = 1


class Command(BaseCommand):
    help = "Check a CAP 1.2 message against the OASIS schema and the rules CAP validators apply beyond it."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        validate = actions.add_parser("validate", help="list every problem of a CAP file")
        validate.add_argument("file", type=Path)

    def handle(self, *args: Any, action: str, file: Path, **options: Any) -> None:
        try:
            with file.open("rb") as stream:
                data = stream.read(cap.MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        found = cap.problems(data)
        if not found:
            self.stdout.write(f"{file}: CAP 1.2 有效 / valid")
            return
        for problem in found:
            self.stderr.write(f"{file}: {problem}")
        raise CommandError(f"{len(found)} 个问题 / {len(found)} problem(s)", returncode=INVALID)
