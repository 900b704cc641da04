"""The register's pages: level badges, the formula's figures, forms that call services."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from yingji.enterprises.models import Enterprise
from yingji.enterprises.panels import enterprise_panels
from yingji.majorhazards.models import FILED, Installation, Inventory

pytestmark = pytest.mark.django_db


def _csrf(client: Any, path: str) -> str:
    client.get(path)
    return client.cookies["csrftoken"].value


def _post(client: Any, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, {**data, "csrfmiddlewaretoken": _csrf(client, path)})


def test_the_list_shows_own_county_with_level_badges(
    page_client: Any, county_admin: Any, station_b: Enterprise
) -> None:
    response = page_client(county_admin).get("/major-hazards/")

    text = response.content.decode()
    assert response.status_code == 200
    own = Installation.objects.filter(enterprise__region__path__contains="/140902/").select_related(
        "enterprise"
    )
    assert all(item.enterprise.name in text for item in own)
    assert station_b.name not in text
    for level in set(own.values_list("level", flat=True)):
        assert f'class="mh-badge mh-level-{level or "none"}"' in text


def test_the_list_filters_by_level(page_client: Any, city_admin: Any) -> None:
    text = page_client(city_admin).get("/major-hazards/", {"level": "1"}).content.decode()

    level_two = Installation.objects.filter(level=2).select_related("enterprise").first()
    assert "mh-level-1" in text and f"/major-hazards/{level_two.pk}/" not in text


def test_the_detail_shows_each_units_s_r_and_the_formulas_figures(
    page_client: Any, county_admin: Any
) -> None:
    installation = Installation.objects.filter(
        enterprise__region__path__contains="/140902/", is_major=True
    ).first()
    unit = installation.units.filter(level=installation.level).first()

    text = page_client(county_admin).get(f"/major-hazards/{installation.pk}/").content.decode()

    assert f"<b>{unit.s:.2f}</b>" in text and f"<b>{unit.r:.2f}</b>" in text
    line = unit.inventories.first()
    assert "R</b> = α · Σ β·q/Q" in text and f"表1第{line.table1_no}项 · {line.resolved_category}" in text
    assert "登记备案" in text  # administrators file


def test_another_county_and_reporters_get_404(
    page_client: Any, county_admin: Any, reporter_a: Any, station_b: Enterprise
) -> None:
    installation = Installation.objects.filter(enterprise=station_b).first()
    assert page_client(county_admin).get(f"/major-hazards/{installation.pk}/").status_code == 404
    assert page_client(reporter_a).get("/major-hazards/").status_code == 404


def test_a_bad_substance_on_the_form_shows_the_standards_message_and_writes_nothing(
    page_client: Any, officer_a: Any, station_a: Enterprise
) -> None:
    installation = Installation.objects.filter(enterprise=station_a).first()
    unit = installation.units.first()
    path = f"/major-hazards/{installation.pk}/"
    before = Inventory.objects.count()

    response = _post(
        page_client(officer_a),
        path,
        {
            "action": "add_inventory",
            "unit": unit.pk,
            "name": "神秘溶剂",
            "cas": "",
            "category": "",
            "quantity_t": "5",
        },
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "不在表1中，也未给出危险性类别" in text and 'value="神秘溶剂"' in text
    assert Inventory.objects.count() == before
    assert "登记备案" not in text  # enterprise officers do not file


def test_adding_a_line_on_the_form_recomputes_the_unit(
    page_client: Any, officer_a: Any, station_a: Enterprise
) -> None:
    installation = Installation.objects.filter(enterprise=station_a).first()
    unit = installation.units.first()
    path = f"/major-hazards/{installation.pk}/"

    response = _post(
        page_client(officer_a),
        path,
        {
            "action": "add_inventory",
            "unit": unit.pk,
            "name": "汽油",
            "cas": "",
            "category": "",
            "quantity_t": "200",
        },
    )

    assert response.status_code == 302 and response["Location"] == path
    unit.refresh_from_db()
    assert unit.is_major is True


def test_an_administrator_files_on_the_detail_page(page_client: Any, county_admin: Any) -> None:
    installation = Installation.objects.filter(
        enterprise__region__path__contains="/140902/", is_major=True
    ).first()
    path = f"/major-hazards/{installation.pk}/"

    response = _post(
        page_client(county_admin),
        path,
        {
            "action": "file",
            "filed_on": "2026-11-02",
            "filing_number": "忻应急危备〔2026〕8号",
            "review_due_on": "2029-11-01",
        },
    )

    assert response.status_code == 302
    installation.refresh_from_db()
    assert (installation.filing_status, installation.filing_number) == (FILED, "忻应急危备〔2026〕8号")


def test_an_officer_registers_an_installation_on_the_new_page(
    page_client: Any, officer_a: Any, station_a: Enterprise
) -> None:
    client = page_client(officer_a)
    form = client.get("/major-hazards/new/").content.decode()
    assert station_a.name in form

    response = _post(
        client,
        "/major-hazards/new/",
        {"enterprise": station_a.pk, "name": "备用油库", "exposed_population": "12"},
    )

    created = Installation.objects.get(enterprise=station_a, name="备用油库")
    assert response.status_code == 302 and response["Location"] == f"/major-hazards/{created.pk}/"


def test_the_enterprise_panel_lists_the_enterprises_installations(
    officer_a: Any, station_a: Enterprise
) -> None:
    panel = next(panel for panel in enterprise_panels() if panel.key == "major_hazards")
    request = RequestFactory().get("/")
    request.user = officer_a

    # The enterprise page includes each panel template with `panel=<its context>`.
    html = render_to_string(panel.template, {"panel": panel.context(request, station_a)}, request=request)

    for installation in Installation.objects.filter(enterprise=station_a):
        assert f"/major-hazards/{installation.pk}/" in html
    assert f"/major-hazards/new/?enterprise={station_a.pk}" in html


def test_the_nav_offers_the_register(page_client: Any, county_admin: Any) -> None:
    text = page_client(county_admin).get("/major-hazards/").content.decode()
    assert 'href="/major-hazards/" class="active">重大危险源' in text
