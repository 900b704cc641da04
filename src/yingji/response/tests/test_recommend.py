"""The dispatch recommendation: the nearest available help of the kinds an incident needs, and for a
chemical incident what lies around it."""

from __future__ import annotations

import pytest

from yingji.command.models import Incident
from yingji.core.errors import InvalidInput
from yingji.majorhazards.models import Installation
from yingji.resources.models import Team
from yingji.response import recommend
from yingji.response.tests.conftest import make_incident


@pytest.fixture
def chemical(demo):
    """A leak at a major hazard installation of the demo."""
    site = (
        Installation.objects.filter(is_major=True, longitude__isnull=False)
        .select_related("enterprise")
        .first()
    )
    assert site is not None
    county = site.enterprise.region.ancestor_at("county").code
    return make_incident(county, point=(site.longitude + 0.001, site.latitude + 0.001)), site


def test_a_chemical_incident_gets_needed_teams_and_its_surroundings(city_admin, chemical):
    incident, site = chemical
    found = recommend.recommend(city_admin, incident)

    assert found.profile is not None and found.profile.chemical
    kinds = set(
        Team.objects.filter(pk__in=[n.candidate.id for n in found.teams]).values_list("kind", flat=True)
    )
    assert found.teams and kinds <= set(found.profile.team_kinds)
    minutes = [n.minutes for n in found.teams]
    assert minutes == sorted(minutes) and len(found.teams) <= 5
    assert site.pk in [item["id"] for item in found.installations]
    assert site.enterprise.name in [item["name"] for item in found.enterprises]
    people = found.population
    assert set(people) == {"1", "3", "5"} and people["1"] <= people["3"] <= people["5"] and people["5"] > 0
    assert all(item["km"] <= found.radius_km for item in found.installations)
    assert found.as_dict()["profile"]["chemical"] is True


def test_the_recommendation_shows_only_what_the_user_may_see(county_admin, chemical):
    incident, _site = chemical
    found = recommend.recommend(county_admin, incident)
    visible = set(Team.objects.visible_to(county_admin).values_list("pk", flat=True))
    assert {n.candidate.id for n in found.teams} <= visible


def test_a_forest_fire_adds_the_helipads_by_air(city_admin, demo):
    fire = make_incident("140922", category=Incident.NATURAL, subtype="森林草原火灾", title="五台县山林火灾")
    found = recommend.recommend(city_admin, fire, limit=3)
    assert found.profile.aviation and not found.profile.chemical
    assert found.helipads and found.helipads[0]["minutes"] >= 15
    assert found.installations == [] and found.shelters == []


def test_a_point_off_the_road_network_explains_itself(city_admin, demo):
    far = make_incident(point=(100.0, 30.0))
    found = recommend.recommend(city_admin, far)
    assert found.problem and found.teams == []


@pytest.mark.parametrize("radius", [0.1, 50.0])
def test_the_radius_is_bounded(city_admin, radius, demo):
    with pytest.raises(InvalidInput):
        recommend.recommend(city_admin, make_incident(), radius_km=radius)


def test_when_no_team_of_the_kinds_needed_stands_by_the_nearest_of_other_kinds_are_offered(city_admin, demo):
    from yingji.response.models import IncidentProfile

    IncidentProfile.objects.filter(category="accident", subtype="道路交通事故").update(
        team_kinds=["none_such"]
    )
    found = recommend.recommend(city_admin, make_incident(subtype="道路交通事故"))
    assert found.other_kinds and found.teams and found.as_dict()["teams_of_other_kinds"]
