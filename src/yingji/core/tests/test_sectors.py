"""Department staff see the records of their sector's industries and monitoring sites only."""

from __future__ import annotations

from typing import Any

import pytest

from yingji.core import roles, sectors, services
from yingji.core.models import Organization, User
from yingji.enterprises.models import INDUSTRY_CHOICES, Enterprise
from yingji.hazards.models import Hazard
from yingji.majorhazards.models import Installation
from yingji.monitoring.models import Alarm, Sensor, Site
from yingji.risks.models import RiskPoint


def _department(sector: str) -> User:
    return User.objects.select_related("region", "organization").get(username=f"demo-dept-{sector}")


def test_the_table_names_every_sector_and_only_codes_that_exist() -> None:
    table = sectors.table()
    assert set(table) == {code for code, _ in Organization.SECTOR_CHOICES}
    industries = {code for code, _ in INDUSTRY_CHOICES}
    site_kinds = {code for code, _ in Site.KIND_CHOICES}
    for sector, records in table.items():
        assert records.industries <= industries, sector
        assert records.site_kinds <= site_kinds, sector


def test_the_water_department_sees_no_enterprise_and_only_water_sites(api_client: Any, demo: None) -> None:
    """The finding: demo-dept-water read all 147 enterprises and all hazards."""
    water = _department("water")
    api = api_client(water)
    assert api.get("/api/v1/enterprises").json()["count"] == 0
    assert api.get("/api/v1/hazards").json()["count"] == 0
    for model in (Enterprise, Hazard, RiskPoint, Installation):
        assert not model.objects.visible_to(water).exists(), model.__name__
    sensors = Sensor.objects.visible_to(water)
    assert sensors.exists() and not sensors.filter(enterprise__isnull=False).exists()
    assert set(sensors.values_list("site__kind", flat=True)) == {
        "rain_gauge",
        "river_gauge",
        "reservoir_gauge",
    }
    assert set(Alarm.objects.visible_to(water).values_list("sensor__site__kind", flat=True)) <= {
        "rain_gauge",
        "river_gauge",
        "reservoir_gauge",
    }


def test_the_housing_department_sees_construction_and_gas_across_the_city(demo: None) -> None:
    housing = _department("housing")
    visible = Enterprise.objects.visible_to(housing)
    assert set(visible.values_list("industry", flat=True)) == {"construction", "gas"}
    assert visible.count() == Enterprise.objects.filter(industry__in=["construction", "gas"]).count()
    hazards = Hazard.objects.visible_to(housing)
    assert hazards.count() == Hazard.objects.filter(enterprise__industry__in=["construction", "gas"]).count()


def test_a_department_sees_bureaus_but_not_other_sectors_enterprises_among_organizations(demo: None) -> None:
    transport = _department("transport")
    organizations = Organization.objects.visible_to(transport)
    assert organizations.filter(kind=Organization.BUREAU).exists()
    kinds = set(
        organizations.filter(kind=Organization.ENTERPRISE).values_list("enterprise__industry", flat=True)
    )
    assert kinds == {"road_transport"}


@pytest.mark.parametrize("organization", ["none", "no sector"])
def test_a_department_account_without_a_sector_sees_no_sector_records(
    county_admin: Any, organization: str
) -> None:
    unit = None
    if organization == "no sector":
        unit = services.create_organization(
            county_admin, name="忻府区某科室", kind=Organization.DEPARTMENT, region_code="140902"
        )
    user = services.create_user(
        county_admin,
        username="dept-nobody",
        password="hu-tuo-river-2027",
        role=roles.DEPARTMENT_STAFF,
        region_code="140902",
        organization_id=unit.pk if unit else None,
    )
    assert not Enterprise.objects.visible_to(user).exists()
    assert not Sensor.objects.visible_to(user).exists()


def test_a_county_department_sees_its_sector_in_its_county_only(county_admin: Any) -> None:
    bureau = Organization.objects.get(region_id="140902", sector="housing", kind=Organization.DEPARTMENT)
    user = services.create_user(
        county_admin,
        username="dept-housing-140902",
        password="hu-tuo-river-2027",
        role=roles.DEPARTMENT_STAFF,
        region_code="140902",
        organization_id=bureau.pk,
    )
    visible = Enterprise.objects.visible_to(user)
    expected = Enterprise.objects.filter(
        region__path__startswith=county_admin.region.path, industry__in=["construction", "gas"]
    )
    assert visible.exists() and set(visible) == set(expected)
