"""The 企业风险 map layer and the 重大风险 county count, scoped like everything else."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.enterprises.models import Enterprise
from yingji.risks.models import LEVEL_HEX, UNGRADED_HEX, RiskPoint
from yingji.risks.tests.conftest import enterprises_in

URL = "/api/v1/map/enterprise-risks"


def features(client: Any) -> dict[int, dict[str, Any]]:
    response = client.get(URL)
    assert response.status_code == 200
    return {feature["properties"]["id"]: feature for feature in response.json()["features"]}


def test_a_county_admin_sees_only_their_countys_enterprises(api_client: Any, county_admin: Any) -> None:
    shown = features(api_client(county_admin))
    own = set(enterprises_in("140902").filter(longitude__isnull=False).values_list("id", flat=True))
    assert set(shown) == own and own


def test_an_officer_sees_only_their_own_enterprise(
    api_client: Any, officer_a: Any, enterprise_a: Any
) -> None:
    assert set(features(api_client(officer_a))) == {enterprise_a.pk}


def test_the_city_sees_every_located_enterprise(api_client: Any, city_admin: Any) -> None:
    shown = features(api_client(city_admin))
    assert len(shown) == Enterprise.objects.filter(longitude__isnull=False, latitude__isnull=False).count()


def test_an_enterprise_takes_the_color_of_its_highest_level(api_client: Any, county_admin: Any) -> None:
    shown = features(api_client(county_admin))
    for enterprise in enterprises_in("140902").filter(longitude__isnull=False):
        levels = set(enterprise.risk_points.values_list("color", flat=True))
        top = next((color for color in ("red", "orange", "yellow", "blue") if color in levels), None)
        style = shown[enterprise.pk]["properties"]["style"]
        assert style["fillColor"] == (LEVEL_HEX[top] if top else UNGRADED_HEX)


def test_an_enterprise_without_graded_points_is_grey(
    api_client: Any, county_admin: Any, enterprise_a: Any
) -> None:
    RiskPoint.objects.filter(enterprise=enterprise_a).delete()
    properties = features(api_client(county_admin))[enterprise_a.pk]["properties"]
    assert properties["style"]["fillColor"] == UNGRADED_HEX and properties["level"] is None
    assert properties["popup"][-1] == "风险点：未评价"


def test_the_popup_names_the_enterprise_its_industry_and_counts(
    api_client: Any, county_admin: Any, enterprise_a: Any
) -> None:
    popup = features(api_client(county_admin))[enterprise_a.pk]["properties"]["popup"]
    majors = enterprise_a.risk_points.filter(level="major").count()
    assert popup[0] == enterprise_a.name
    assert popup[1] == enterprise_a.get_industry_display()
    assert f"重大 {majors}" in popup[2]


def test_the_layer_takes_a_constant_number_of_queries(api_client: Any, city_admin: Any) -> None:
    client = api_client(city_admin)
    client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        client.get(URL)
    assert len(queries) <= 4


def test_the_layer_is_offered_to_signed_in_users_only(
    page_client: Any, county_admin: Any, client: Any
) -> None:
    keys = {layer["key"] for layer in page_client(county_admin).get("/api/v1/map/layers").json()}
    assert "enterprise_risks" in keys
    assert "enterprise_risks" not in {layer["key"] for layer in client.get("/api/v1/map/layers").json()}
    assert client.get(URL).status_code == 401


def test_the_county_dashboard_counts_major_risks(api_client: Any, city_admin: Any) -> None:
    rows = {
        row["region_code"]: row for row in api_client(city_admin).get("/api/v1/dashboard/counties").json()
    }
    for code in ("140902", "140921"):
        expected = RiskPoint.objects.filter(
            level="major", enterprise__region__path__contains=f"/{code}/"
        ).count()
        assert rows[code]["counts"]["major_risks"] == expected
    assert (
        sum(row["counts"]["major_risks"] for row in rows.values())
        == RiskPoint.objects.filter(level="major").count()
    )
