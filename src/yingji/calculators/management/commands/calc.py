"""`yingji calc gb18218|lec|ls|rain-signal|accident-grade|accident-deadlines`: read the API's JSON input
on stdin, write its JSON answer on stdout.

Bad input prints the same bilingual message the API would give on stderr and exits with status 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from pydantic import ValidationError

from yingji.calculators.api import (
    CalcGB18218In,
    CalcLecIn,
    CalcLsIn,
    CalcRainSignalIn,
    calculate_gb18218,
    calculate_lec,
    calculate_ls,
    calculate_rain_signal,
)
from yingji.command.calculators import (
    CalcAccidentDeadlinesIn,
    CalcAccidentGradeIn,
    calculate_accident_deadlines,
    calculate_accident_grade,
)
from yingji.core.errors import DomainError

CALCULATORS: dict[str, tuple[Any, Callable[[Any], dict[str, Any]]]] = {
    "gb18218": (CalcGB18218In, calculate_gb18218),
    "lec": (CalcLecIn, calculate_lec),
    "ls": (CalcLsIn, calculate_ls),
    "rain-signal": (CalcRainSignalIn, calculate_rain_signal),
    "accident-grade": (CalcAccidentGradeIn, calculate_accident_grade),
    "accident-deadlines": (CalcAccidentDeadlinesIn, calculate_accident_deadlines),
}
BAD_INPUT = 2


def _use_utf8(stream: Any) -> None:
    """Read and write UTF-8 whatever the terminal's locale says (the JSON is UTF-8)."""
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
    if hasattr(stream, "reconfigure") and encoding != "utf8":
        stream.reconfigure(encoding="utf-8")


def _validation_message(error: ValidationError) -> str:
    problems = "; ".join(
        f"{'.'.join(str(part) for part in problem['loc']) or '(root)'}: {problem['msg']}"
        for problem in error.errors()
    )
    return f"输入有误 / The input is invalid: {problems}"


class Command(BaseCommand):
    help = (
        "Run a standard's calculator (GB 18218-2018, LEC, LS, rainstorm signal, Order 493 accidents) "
        "on JSON from stdin; answer JSON on stdout."
    )
    requires_system_checks: list[str] = []
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("method", choices=sorted(CALCULATORS), help="which calculator to run")

    def handle(self, *args: Any, method: str, **options: Any) -> None:
        source = options.get("stdin")
        if source is None:
            _use_utf8(sys.stdin)
            source = sys.stdin
        if not options.get("stdout"):
            _use_utf8(sys.stdout)
        schema, calculate = CALCULATORS[method]
        try:
            payload = schema.model_validate(json.loads(source.read()))
            answer = calculate(payload)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise CommandError(
                f"输入不是有效的 JSON / The input is not valid JSON: {error}", returncode=BAD_INPUT
            ) from None
        except ValidationError as error:
            raise CommandError(_validation_message(error), returncode=BAD_INPUT) from None
        except DomainError as error:
            raise CommandError(error.message, returncode=BAD_INPUT) from None
        self.stdout.write(json.dumps(answer, ensure_ascii=False))
