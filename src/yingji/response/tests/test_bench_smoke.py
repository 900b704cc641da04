"""`yingji bench command` at a small scale, in process on the test demo: every step runs and reports."""

from __future__ import annotations

from datetime import datetime

from benchmarks.command import TARGETS, Results, measure, render

from yingji.core.management.commands.bench import DOMAINS


def test_the_benchmark_measures_every_figure_on_a_small_scale(demo):
    assert "command" in DOMAINS
    results = Results(started=datetime.now().astimezone())

    measure(results, runs=3, incidents=2, teams=10)

    assert results.failures == []
    for key in TARGETS:
        assert isinstance(results.figures[key], float) and results.figures[key] > 0, key
    assert results.figures["intake_teams_found_min"] > 0 and results.figures["screen_open_incidents"] >= 2
    assert "intake_recommendation_s" in results.as_json()["targets_met"]
    assert "Command benchmark" in render(results)
