"""The demo register: every county has an installation, a mix of levels, and a second run changes nothing."""

from __future__ import annotations

import random
from typing import Any

import pytest

from yingji.core.demo import DemoContext
from yingji.core.models import Region
from yingji.majorhazards.demo import build_major_hazards
from yingji.majorhazards.models import Installation, Inventory, Unit

pytestmark = pytest.mark.django_db


def test_every_county_has_an_installation_with_units_and_inventories(demo: None) -> None:
    for county in Region.objects.filter(level="county"):
        inside = {"enterprise__region__path__startswith": county.path}
        assert Installation.objects.filter(**inside).exists(), county.name
        assert Inventory.objects.filter(**{f"unit__installation__{k}": v for k, v in inside.items()}).exists()


def test_the_demo_has_every_level_and_non_major_gas_stations(demo: None) -> None:
    levels = set(Installation.objects.values_list("level", flat=True))
    assert levels == {1, 2, 3, 4, None}
    stations = Installation.objects.filter(enterprise__name__endswith="加油站")
    assert stations.exists() and not stations.filter(is_major=True).exists()
    assert set(Installation.objects.values_list("filing_status", flat=True)) == {
        "not_filed",
        "filed",
        "review_due",
    }


def test_running_the_step_again_changes_nothing(demo: None) -> None:
    counts = (Installation.objects.count(), Unit.objects.count(), Inventory.objects.count())
    context: Any = DemoContext(scale=1, rng=random.Random(7), progress=lambda name: None, password_hash="x")

    build_major_hazards(context)

    assert (Installation.objects.count(), Unit.objects.count(), Inventory.objects.count()) == counts
