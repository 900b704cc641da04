"""The risk pages: overview, list, a point with its forms, create and edit, bandings, the enterprise panel."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.template.loader import render_to_string
from django.test import RequestFactory

from yingji.risks import services, views
from yingji.risks.models import ControlMeasure, RiskBanding, RiskPoint
from yingji.risks.tests.conftest import enterprises_in, lec_point


def test_the_overview_counts_points_by_county_and_level(page_client: Any, city_admin: Any) -> None:
    response = page_client(city_admin).get("/risks/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "忻府区" in page and "定襄县" in page and 'id="county-chart"' in page
    majors = response.context["level_totals"][0][1]
    assert majors == RiskPoint.objects.filter(level="major").count()


def test_a_county_admins_overview_has_only_their_county(page_client: Any, county_admin: Any) -> None:
    response = page_client(county_admin).get("/risks/")
    assert [row["code"] for row in response.context["county_rows"]] == ["140902"]
    assert (
        response.context["total"]
        == RiskPoint.objects.filter(enterprise__region__path__contains="/140902/").count()
    )


def test_the_list_filters_by_level_and_shows_the_due_mark(page_client: Any, county_admin: Any) -> None:
    client = page_client(county_admin)
    response = client.get("/risks/points/", {"level": "major"})
    assert {point.level for point in response.context["page"]} == {"major"}
    due = client.get("/risks/points/", {"due": "1"})
    assert all(point.reassessment_due for point in due.context["page"])


def test_a_point_opens_for_its_county_and_not_for_another(
    page_client: Any, county_admin: Any, other_county_admin: Any, enterprise_a: Any
) -> None:
    point = enterprise_a.risk_points.first()
    response = page_client(county_admin).get(f"/risks/points/{point.pk}/")
    assert response.status_code == 200 and point.name in response.content.decode()
    assert page_client(other_county_admin).get(f"/risks/points/{point.pk}/").status_code == 404


def test_department_staff_see_a_point_without_its_forms(page_client: Any, department_staff: Any) -> None:
    # demo-dept-housing supervises construction and gas.
    point = RiskPoint.objects.filter(enterprise__industry__in=["construction", "gas"]).order_by("id").first()
    client = page_client(department_staff)
    response = client.get(f"/risks/points/{point.pk}/")
    assert response.status_code == 200 and 'value="assess"' not in response.content.decode()
    token = client.cookies["csrftoken"].value
    refused = client.post(f"/risks/points/{point.pk}/", {"csrfmiddlewaretoken": token, "action": "assess"})
    assert refused.status_code == 404
    assert client.get("/risks/points/new/").status_code == 404


def csrf(client: Any, path: str) -> str:
    client.get(path)
    return client.cookies["csrftoken"].value


def test_an_officer_registers_a_point_through_the_form(
    page_client: Any, officer_a: Any, enterprise_a: Any
) -> None:
    client = page_client(officer_a)
    token = csrf(client, f"/risks/points/new/?enterprise={enterprise_a.pk}")
    response = client.post(
        "/risks/points/new/",
        {
            "csrfmiddlewaretoken": token,
            "enterprise": enterprise_a.pk,
            "name": "二号卸车台",
            "kind": "place",
            "method": "lec",
            "lec_l": "3",
            "lec_e": "6",
            "lec_c": "15",
            "reassess_on": "2027-11-29",
        },
    )
    point = RiskPoint.objects.get(enterprise=enterprise_a, name="二号卸车台")
    assert response.status_code == 302 and response["Location"] == f"/risks/points/{point.pk}/"
    assert (point.score, point.level, point.reassess_on) == (270, "significant", date(2027, 11, 29))


def test_a_refused_form_is_shown_again_with_the_reason(
    page_client: Any, officer_a: Any, enterprise_a: Any
) -> None:
    client = page_client(officer_a)
    token = csrf(client, "/risks/points/new/")
    existing = enterprise_a.risk_points.first().name
    response = client.post(
        "/risks/points/new/",
        {
            "csrfmiddlewaretoken": token,
            "enterprise": enterprise_a.pk,
            "name": existing,
            "kind": "place",
            "method": "ls",
            "ls_l": "2",
            "ls_s": "3",
        },
    )
    assert response.status_code == 200
    assert "与现有数据冲突" in response.content.decode()


def test_the_create_form_offers_only_editable_enterprises(
    page_client: Any, officer_a: Any, enterprise_a: Any
) -> None:
    response = page_client(officer_a).get("/risks/points/new/")
    assert response.context["form"].fields["enterprise"].choices == [(enterprise_a.pk, enterprise_a.name)]


def test_assessing_and_managing_measures_on_the_point_page(
    page_client: Any, county_admin: Any, enterprise_a: Any
) -> None:
    point = services.create_risk_point(county_admin, enterprise_id=enterprise_a.pk, **lec_point())
    client = page_client(county_admin)
    path = f"/risks/points/{point.pk}/"
    token = csrf(client, path)
    client.post(
        path,
        {
            "csrfmiddlewaretoken": token,
            "action": "assess",
            "assess-method": "ls",
            "assess-ls_l": "4",
            "assess-ls_s": "5",
        },
    )
    point.refresh_from_db()
    assert (point.method, point.score, point.level) == ("ls", 20, "major")
    client.post(
        path,
        {
            "csrfmiddlewaretoken": token,
            "action": "add_measure",
            "measure-kind": "management",
            "measure-description": "每班巡检两次",
            "measure-responsible_level": "team",
        },
    )
    measure = ControlMeasure.objects.get(risk_point=point)
    assert measure.description == "每班巡检两次"
    client.post(path, {"csrfmiddlewaretoken": token, "action": "remove_measure", "measure": measure.pk})
    assert not ControlMeasure.objects.filter(risk_point=point).exists()


def test_a_bad_assessment_shows_the_form_errors(
    page_client: Any, county_admin: Any, enterprise_a: Any
) -> None:
    point = enterprise_a.risk_points.first()
    client = page_client(county_admin)
    path = f"/risks/points/{point.pk}/"
    response = client.post(
        path,
        {
            "csrfmiddlewaretoken": csrf(client, path),
            "action": "assess",
            "assess-method": "lec",
            "assess-lec_l": "3",
        },
    )
    assert response.status_code == 200 and response.context["assess_form"].errors


def test_the_edit_page_changes_the_point(page_client: Any, county_admin: Any, enterprise_a: Any) -> None:
    point = enterprise_a.risk_points.first()
    client = page_client(county_admin)
    path = f"/risks/points/{point.pk}/edit/"
    response = client.post(
        path,
        {
            "csrfmiddlewaretoken": csrf(client, path),
            "name": point.name,
            "kind": point.kind,
            "location": "新位置",
            "responsible_level": "company",
        },
    )
    assert response.status_code == 302
    point.refresh_from_db()
    assert (point.location, point.responsible_level) == ("新位置", "company")


def test_the_bandings_page_is_for_admins_only(
    page_client: Any, officer_a: Any, department_staff: Any
) -> None:
    assert page_client(officer_a).get("/risks/bandings/").status_code == 404
    assert page_client(department_staff).get("/risks/bandings/").status_code == 404


def test_a_county_admin_sets_a_banding_on_the_page(page_client: Any, county_admin: Any) -> None:
    client = page_client(county_admin)
    response = client.get("/risks/bandings/")
    assert [code for code, _ in response.context["form"].fields["region"].choices] == ["140902"]
    token = client.cookies["csrftoken"].value
    client.post(
        "/risks/bandings/",
        {
            "csrfmiddlewaretoken": token,
            "action": "set",
            "region": "140902",
            "method": "ls",
            "major": "20",
            "significant": "10",
            "general": "4",
        },
    )
    assert RiskBanding.objects.get(region_id="140902", method="ls").thresholds["significant"] == 10
    response = client.post(
        "/risks/bandings/",
        {
            "csrfmiddlewaretoken": token,
            "action": "set",
            "region": "140902",
            "method": "ls",
            "major": "5",
            "significant": "10",
            "general": "4",
        },
    )
    assert response.status_code == 200 and "严格递减" in response.content.decode()
    client.post(
        "/risks/bandings/",
        {"csrfmiddlewaretoken": token, "action": "clear", "region": "140902", "method": "ls"},
    )
    assert not RiskBanding.objects.filter(region_id="140902").exists()


def test_the_enterprise_panel_lists_points_by_level_and_maps_the_located_ones(
    county_admin: Any, enterprise_a: Any
) -> None:
    request = RequestFactory().get("/")
    request.user = county_admin
    context = views.enterprise_panel_context(request, enterprise_a)
    points = context["risk_points"]
    assert len(points) == enterprise_a.risk_points.count()
    order = ["major", "significant", "general", "low"]
    assert [order.index(p.level) for p in points] == sorted(order.index(p.level) for p in points)
    located = [p for p in points if p.longitude is not None]
    assert [row["name"] for row in context["risk_map"]["points"]] == [p.name for p in located]
    assert context["risk_may_edit"]
    html = render_to_string("risks/_enterprise_panel.html", {"panel": context}, request=request)
    assert points[0].name in html and context["risk_add_url"] in html


def test_the_enterprise_panel_shows_nothing_of_another_enterprise_to_an_officer(officer_a: Any) -> None:
    neighbour = enterprises_in("140902")[1]
    request = RequestFactory().get("/")
    request.user = officer_a
    context = views.enterprise_panel_context(request, neighbour)
    assert context["risk_points"] == [] and not context["risk_may_edit"]


def test_the_enterprise_page_shows_the_panel(page_client: Any, officer_a: Any, enterprise_a: Any) -> None:
    from django.urls import reverse

    page = page_client(officer_a).get(reverse("enterprises:detail", args=[enterprise_a.pk])).content.decode()
    point = enterprise_a.risk_points.order_by("name").first()
    assert f"/risks/points/{point.pk}/" in page and "/risks/points/new/?enterprise=" in page
