"""`yingji cap validate FILE` and `yingji cap import FILE --user USERNAME`.

validate exits 0 for a valid CAP 1.2 message and 1 with every problem listed otherwise; import puts
a foreign message on air as that user, or submits it for approval when its sender is not trusted for
its area (the same rules as `POST /api/v1/warnings/cap`), printing the new warning, or exits 1 with
every problem and nothing written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yingji.core.errors import DomainError
from yingji.core.models import User
from yingji.warnings.cap import importing, protocol
from yingji.warnings.models import EarlyWarning

INVALID = 1


class Command(BaseCommand):
    help = "Check a CAP 1.2 message (validate) or import one from another issuer (import)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        validate = actions.add_parser("validate", help="list every problem of a CAP file")
        validate.add_argument("file", type=Path)
        imported = actions.add_parser(
            "import",
            help="import a CAP file: published if its sender is trusted for its area, else submitted",
        )
        imported.add_argument("file", type=Path)
        imported.add_argument("--user", required=True, help="the account the import is made as")

    def handle(self, *args: Any, action: str, file: Path, **options: Any) -> None:
        data = self._read(file)
        if action == "import":
            self._import(file, data, options["user"])
            return
        problems = protocol.problems(data)
        if problems:
            self._fail(file, problems)
        self.stdout.write(f"{file}: CAP 1.2 有效 / valid")

    def _read(self, file: Path) -> bytes:
        try:
            with file.open("rb") as stream:
                return stream.read(protocol.MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None

    def _import(self, file: Path, data: bytes, username: str) -> None:
        user = User.objects.select_related("region").filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有有效账号 {username} / no active account {username}")
        try:
            warning = importing.import_cap(user, data)
        except DomainError as error:
            self._fail(file, error.details.get("problems") or [error.message])
        self.stdout.write(
            f"{file}: 已导入 / imported: warning {warning.pk} {warning.identifier} "
            f"({warning.msg_type}, {warning.status})"
        )
        if warning.status == EarlyWarning.SUBMITTED:
            self.stdout.write(
                f"{file}: 发送方 {warning.sender} 未获准在该区域直接发布，已提交审批 / the sender is not "
                "trusted for this area: the warning waits for approval"
            )

    def _fail(self, file: Path, problems: list[str]) -> NoReturn:
        for problem in problems:
            self.stderr.write(f"{file}: {problem}")
        raise CommandError(f"{len(problems)} 个问题 / {len(problems)} problem(s)", returncode=INVALID)
