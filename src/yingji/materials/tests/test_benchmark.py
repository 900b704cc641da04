"""The benchmark helpers answer sane figures on a tiny scale."""

from __future__ import annotations

import pytest
from django.db import connection

from yingji.materials import benchmark
from yingji.materials.models import MaterialRequest

pytestmark = pytest.mark.django_db


def test_allocation_figures_time_a_request_and_leave_nothing_behind(demo: None) -> None:
    before = MaterialRequest.objects.count()

    figures = benchmark.allocation_figures(runs=3, items=5)

    assert figures["allocate_items"] == 5 and figures["allocate_runs"] == 3
    assert 0 < figures["allocate_p50_s"] <= figures["allocate_p95_s"] < 5
    assert figures["allocate_warehouses"] >= 2
    assert MaterialRequest.objects.count() == before


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the skip is SQLite's answer")
def test_oversell_figures_say_they_need_postgresql(demo: None) -> None:
    assert "oversell_skipped" in benchmark.oversell_figures(workers=2)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor == "sqlite", reason="PostgreSQL only")
def test_oversell_figures_count_no_oversold_units() -> None:
    figures = benchmark.oversell_figures(workers=4)

    assert figures["oversold"] == 0 and not figures["oversell_errors"]
    assert figures["oversell_won"] + figures["oversell_refused"] == 4 and figures["oversell_won"] >= 1
