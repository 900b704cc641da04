"""Fixtures of the resources tests: demo teams and shelters of the two test counties, and their people."""

from __future__ import annotations

import pytest

from yingji.core.models import User
from yingji.resources import kinds
from yingji.resources.models import Shelter, Team

COUNTY_A = "140902"  # 忻府区
COUNTY_B = "140921"  # 定襄县


@pytest.fixture
def station_a(demo: None) -> Team:
    """忻府区's fire and rescue station."""
    return Team.objects.get(name="忻府消防救援站")


@pytest.fixture
def station_b(demo: None) -> Team:
    """定襄县's fire and rescue station."""
    return Team.objects.get(name="定襄消防救援站")


def _shelter(county: str, status: str | None = None) -> Shelter:
    shelters = Shelter.objects.filter(region__path__contains=f"/{county}/").order_by("id")
    if status:
        shelters = shelters.filter(status=status)
    return shelters.first()


@pytest.fixture
def shelter_a(demo: None) -> Shelter:
    return _shelter(COUNTY_A, kinds.CLOSED)


@pytest.fixture
def shelter_b(demo: None) -> Shelter:
    return _shelter(COUNTY_B)


@pytest.fixture
def duty_officer(demo: None) -> User:
    return User.objects.select_related("region").get(username="demo-duty")


@pytest.fixture
def reporter(demo: None) -> User:
    return User.objects.select_related("region").get(username=f"demo-reporter-{COUNTY_A}")


@pytest.fixture
def chemical_officer(demo: None) -> User:
    """The safety officer of an enterprise that keeps its own full-time fire brigade (demo)."""
    team = Team.objects.filter(name__endswith="专职消防队").order_by("id").first()
    return (
        User.objects.select_related("region")
        .filter(organization_id=team.organization_id, role="enterprise_officer")
        .first()
    )
