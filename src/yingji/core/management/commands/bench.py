"""`yingji bench <domain>`: run a domain's benchmark from the source checkout's benchmarks/ directory.

Each domain's benchmark is `benchmarks/<domain>.py` with `main(argv) -> int`, and builds its own scratch
database before configuring Django. This command therefore runs it as a fresh process
(`python -m benchmarks.<domain> ARGS...`) instead of calling it here, where Django is already set up
on the configured database, which a benchmark must not write to. A later domain adds its module and
one line to DOMAINS.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

# Domain → what its benchmark measures.
DOMAINS = {
    "monitoring": "readings/s through the pipeline, HTTP and MQTT; reading-to-alarm latency; baseline",
    "warnings": "recipients of a county and of a drawn polygon, fan-out/s, SMS sent/s, coverage time",
    "resources": "nearest help by road time (bundled and detailed network), reach of the fire stations",
    "command": "incident intake to dispatch recommendation, the command screen's data, a dispatch SMS queued",
}


def benchmarks_directory() -> Path:
    """benchmarks/ of the source checkout this package runs from (src/yingji/../../benchmarks)."""
    return Path(__file__).resolve().parents[5] / "benchmarks"


class Command(BaseCommand):
    help = "Run a domain's benchmark on a scratch database, e.g. `yingji bench monitoring --json`."
    requires_system_checks: list[str] = []  # it only starts the benchmark, which runs them itself

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "domain", choices=sorted(DOMAINS), help="; ".join(f"{k}: {v}" for k, v in DOMAINS.items())
        )
        parser.add_argument(
            "options",
            nargs=argparse.REMAINDER,
            help="the benchmark's own options (`yingji bench DOMAIN --help` lists them)",
        )

    def handle(self, *args: Any, domain: str, options: list[str], **rest: Any) -> None:
        directory = benchmarks_directory()
        if not (directory / f"{domain}.py").is_file():
            raise CommandError(
                f"{directory / (domain + '.py')} not found: benchmarks run from a source checkout of Yingji"
            )
        os.chdir(directory.parent)  # so that `python -m benchmarks.<domain>` finds the package
        sys.stdout.flush()
        os.execv(sys.executable, [sys.executable, "-m", f"benchmarks.{domain}", *options])
