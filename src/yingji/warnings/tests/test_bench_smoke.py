"""`yingji bench warnings` on a tiny dataset: every step runs and `--json` carries the issue's figures."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from yingji.core.management.commands.bench import DOMAINS, benchmarks_directory

FIGURES = ("recipients_county_s", "recipients_polygon_s", "fanout_per_s", "send_per_s", "coverage_s")


@pytest.mark.slow(reason="runs the whole benchmark in a subprocess, which builds its own database")
def test_the_benchmark_runs_on_a_few_hundred_subscribers_and_prints_its_figures_as_json():
    assert "warnings" in DOMAINS
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.warnings", "--subscribers", "300", "--send", "100", "--json"],
        cwd=benchmarks_directory().parent,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout)
    assert report["failures"] == []
    for key in FIGURES:
        assert isinstance(report[key], int | float) and report[key] > 0, key
        assert key in report["targets"] and key in report["targets_met"]
    assert report["subscribers"] == 300 and 0 < report["send_messages"] <= 100
    assert report["recipients_county"] > 0 and report["recipients_polygon"] > 0
    assert report["database_vendor"] == "sqlite" and report["machine"]["processors (nproc)"]
