"""What the domain benchmarks that measure inside a scratch demo database share (`yingji bench resources`,
`yingji bench command`): their results, figures against targets, and their `main`."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks.machine import describe_machine
from benchmarks.monitoring import Target, git_commit, reachable
from benchmarks.run import BenchError, exit_on_sigterm, log


@dataclass
class DomainResults:
    """Every figure of one run, filled step by step; `as_json` is what `--json` prints."""

    started: datetime
    targets: dict[str, Target] = field(default_factory=dict)
    load_average: str = field(default_factory=lambda: ", ".join(f"{load:.2f}" for load in os.getloadavg()))
    database: str = ""
    vendor: str = ""
    commit: str = ""
    figures: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        main = {key: self.figures.get(key) for key in self.targets}
        return {
            **main,
            **{key: value for key, value in self.figures.items() if key not in main},
            "targets": {key: target.text for key, target in self.targets.items()},
            "targets_met": {key: target.met(self.figures.get(key)) for key, target in self.targets.items()},
            "database": self.database,
            "database_vendor": self.vendor,
            "commit": self.commit,
            "started": self.started.isoformat(timespec="seconds"),
            "machine": dict(describe_machine()),
            "load_average_at_start": self.load_average,
            "notes": self.notes,
            "failures": self.failures,
        }


def main(
    name: str,
    args: argparse.Namespace,
    targets: dict[str, Target],
    run: Callable[[argparse.Namespace, DomainResults, Path], None],
    render: Callable[[DomainResults], str],
) -> int:
    """Run one domain benchmark in a scratch directory (and database), print its table or JSON.

    Exit status 0 when every step ran (a missed target is reported, not a failure), 1 otherwise;
    `--if-reachable` makes an unreachable PostgreSQL a skip.
    """
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    if args.database == "postgresql" and not reachable(args.postgres_url):
        where = urlsplit(args.postgres_url)
        message = f"PostgreSQL does not answer at {where.hostname}:{where.port or 5432}"
        log(message + (f"; {name} benchmark on PostgreSQL skipped" if args.if_reachable else ""))
        return 0 if args.if_reachable else 1
    results = DomainResults(started=datetime.now().astimezone(), targets=targets, commit=git_commit())
    scratch = Path(tempfile.mkdtemp(prefix=f"yingji-bench-{name}-", dir="/tmp"))
    try:
        run(args, results, scratch)
    except BenchError as error:
        results.failures.append(str(error))
    except Exception:
        results.failures.append(traceback.format_exc().strip())
    finally:
        if args.keep:
            log(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(results.as_json(), ensure_ascii=False, indent=2) if args.json else render(results))
    return 1 if results.failures else 0
