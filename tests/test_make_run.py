"""`make run` starts the worker and the live demo feed beside the server and stops both with it.

The recipe runs for real with a stand-in `yingji` that logs its commands: `serve` returns as soon as the
processes beside it have started (as if the server was stopped), `worker` and `demo-live` run until they
are sent SIGTERM.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
STAND_IN = """#!/bin/sh
command="$1"
case "$command" in
  worker|demo-live)
    trap 'echo "stopped $command" >> "$YINGJI_LOG"; exit 0' TERM
    echo "started $command" >> "$YINGJI_LOG"
    while :; do sleep 0.05; done ;;
  serve)
    echo "started serve" >> "$YINGJI_LOG"
    # Up until the processes beside it have started (a real server runs longer), at most 10 s.
    for tick in $(seq 200); do
      [ "$(grep -c -E '^started (worker|demo-live)$' "$YINGJI_LOG")" -ge "$YINGJI_BESIDE" ] && exit 0
      sleep 0.05
    done ;;
  *) echo "started $command" >> "$YINGJI_LOG" ;;
esac
"""


def make_run(tmp_path: Path, *arguments: str, beside: int) -> list[str]:
    """The stand-in's log of `make run`, whose server returns once `beside` processes have started."""
    if shutil.which("make") is None:
        pytest.fail("make is needed to develop Yingji (README); install it")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "yingji").write_text(STAND_IN)
    (bin_dir / "yingji").chmod(0o755)
    log = tmp_path / "log"
    environment = {**os.environ, "YINGJI_LOG": str(log), "YINGJI_BESIDE": str(beside)}
    environment.pop("DEMO_LIVE", None)
    subprocess.run(
        ["make", "--no-print-directory", "-s", "-o", "install", "run", f"BIN={bin_dir}", *arguments],
        cwd=REPOSITORY,
        env=environment,
        check=True,
        timeout=30,
        capture_output=True,
    )
    return log.read_text().splitlines()


def test_make_run_feeds_the_demo_live_beside_the_server_and_stops_it_with_the_server(tmp_path: Path) -> None:
    log = make_run(tmp_path, beside=2)
    assert {"started worker", "started demo-live", "started serve"} <= set(log)
    assert {"stopped worker", "stopped demo-live"} <= set(log)  # before make returned


def test_demo_live_0_serves_without_the_feed(tmp_path: Path) -> None:
    log = make_run(tmp_path, "DEMO_LIVE=0", beside=1)
    assert "started serve" in log and "stopped worker" in log
    assert not [line for line in log if "demo-live" in line]
