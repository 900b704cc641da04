"""The demo gives every county hazards in every state, with plans, listings, overdue ones and timelines, and
more in proportion to its enterprises, so that counties differ."""

from __future__ import annotations

import pytest

from yingji.core.demo import run_demo
from yingji.core.models import Deadline, Region
from yingji.enterprises.models import Enterprise
from yingji.hazards import lifecycle
from yingji.hazards.demo import (
    ANY_TRADE_MAJOR_TITLES,
    EVERY_COUNTY,
    HIGH_RISK,
    MORE_PER_ENTERPRISE,
    OTHER_MAJOR_TITLES,
    SCENARIOS,
    STRETCH,
    _shares,
    _stretched,
)
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


def test_counties_tell_different_stories_in_proportion_to_their_enterprises(demo: None) -> None:
    stories, sizes = set(), {}
    for county in Region.objects.filter(level="county", parent_id="140900"):
        hazards = Hazard.objects.in_region(county)
        stories.add(
            (
                hazards.exclude(status=lifecycle.CLOSED).count(),
                hazards.filter(is_overdue=True).count(),
                hazards.filter(status=lifecycle.CLOSED).count(),
            )
        )
        enterprises = Enterprise.objects.filter(region__path__startswith=county.path)
        weight = sum(2 if e.industry in HIGH_RISK else 1 for e in enterprises)
        sizes[county.code] = (weight, hazards.count())
    assert len(stories) >= 7, stories  # not one story told in fourteen counties
    smallest, largest = min(sizes.values()), max(sizes.values())
    assert largest[1] > smallest[1]
    drawn = Hazard.objects.count() - len(sizes) * len(EVERY_COUNTY)
    assert drawn == round(MORE_PER_ENTERPRISE * Enterprise.objects.count())


def test_stretched_scenarios_keep_their_order_of_events() -> None:
    for scenario in SCENARIOS:
        for factor in STRETCH:
            stretched = _stretched(scenario, factor)
            assert stretched.status == scenario.status and stretched.found_days_ago >= 1
            if scenario.deadline_in_days is not None:
                assert (stretched.deadline_in_days > 0) == (scenario.deadline_in_days > 0)
            if scenario.closed_days_ago is not None:
                assert (
                    stretched.found_days_ago - stretched.closed_days_ago > 5
                )  # started, submitted, accepted


def test_shares_add_up_and_follow_the_weights() -> None:
    assert _shares(88, [15, 13, 15, 25, 9]) == [17, 15, 17, 29, 10]
    assert sum(_shares(7, [1, 1, 1])) == 7 and _shares(5, [0, 0]) == [0, 0]


def test_a_major_hazard_without_a_criterion_is_one_of_its_enterprises_trade(demo: None) -> None:
    majors = Hazard.objects.filter(grade="major", criterion_code="").select_related("enterprise")
    assert majors.exists()
    for hazard in majors:
        titles = OTHER_MAJOR_TITLES.get(hazard.enterprise.industry, ANY_TRADE_MAJOR_TITLES)
        assert any(hazard.title.startswith(title) for title, _ in titles), (hazard.title, hazard.enterprise)
