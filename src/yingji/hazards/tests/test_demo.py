"""The demo gives every county hazards in every state, with plans, listings, overdue ones and timelines."""

from __future__ import annotations

import pytest

from yingji.core.demo import run_demo
from yingji.core.models import Deadline, Region
from yingji.hazards import lifecycle
from yingji.hazards.models import (
    ExtensionRequest,
    Hazard,
    HazardAttachment,
    HazardTransition,
    RectificationPlan,
)

pytestmark = pytest.mark.django_db


def test_every_county_has_hazards_in_every_state_and_kind(demo: None) -> None:
    for county in Region.objects.filter(level="county", parent_id="140900"):
        hazards = Hazard.objects.in_region(county)
        assert set(hazards.values_list("status", flat=True)) == set(lifecycle.STATES), county.name
        assert hazards.filter(is_overdue=True, supervising_level="city", grade="major").exists(), county.name
        assert hazards.filter(listed_at__isnull=False).exists() and hazards.filter(grade="general").exists()
        for model in (RectificationPlan, HazardTransition, HazardAttachment, ExtensionRequest):
            assert model.objects.in_region(county).exists(), (model.__name__, county.name)


def test_a_major_hazard_of_a_coal_mine_or_chemical_enterprise_names_its_criterion(demo: None) -> None:
    majors = Hazard.objects.filter(
        grade="major", enterprise__industry__in=["coal_mine", "hazardous_chemicals"]
    )
    assert majors.exists() and not majors.filter(criterion_code="").exists()


def test_open_hazards_with_a_running_deadline_have_their_deadline_row(demo: None) -> None:
    running = Hazard.objects.filter(status__in=lifecycle.DEADLINE_STATES, is_overdue=False).exclude(
        rectification_deadline=None
    )
    rows = Deadline.objects.filter(kind="hazards.rectification_overdue", status="pending")
    assert set(rows.values_list("object_id", flat=True)) >= {
        str(pk) for pk in running.values_list("pk", flat=True)
    }


def test_running_the_demo_again_changes_nothing(demo: None) -> None:
    counts = [Hazard.objects.count(), HazardTransition.objects.count(), HazardAttachment.objects.count()]
    run_demo(scale=1, seed=1, progress=lambda name: None)
    assert [
        Hazard.objects.count(),
        HazardTransition.objects.count(),
        HazardAttachment.objects.count(),
    ] == counts
