"""Names reach the risk-point map of an enterprise's page as text, never as HTML (issue 12, defect 1).

An enterprise officer could name a risk point (or the enterprise) `<img src=x onerror=…>`; the map's
tooltips handed the name to Leaflet as a string, which Leaflet inserts as HTML, so hovering the
marker ran the officer's script in the county admin's session.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import sign_in
from yingji.enterprises.models import Enterprise
from yingji.risks.models import RiskPoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENTERPRISE_NAME = """<img src=x onerror="document.title='PWNED-enterprise'">煤业"""
POINT_NAME = """<img src=x onerror="document.title='PWNED-point'">库区"""


def test_a_hostile_risk_point_and_enterprise_name_show_as_text_in_the_map_tooltips(page: Any) -> None:
    point = (
        RiskPoint.objects.filter(
            enterprise__region__path__contains="/140902/",
            longitude__isnull=False,
            enterprise__longitude__isnull=False,
        )
        .order_by("pk")
        .first()
    )
    enterprise = point.enterprise
    Enterprise.objects.filter(pk=enterprise.pk).update(name=ENTERPRISE_NAME)
    RiskPoint.objects.filter(pk=point.pk).update(name=POINT_NAME)

    sign_in(page, "demo-county-140902")
    page.goto(f"{page.base_url}/enterprises/{enterprise.pk}/")
    page.wait_for_selector("#risk-points-map path.leaflet-interactive")
    title = page.title()
    for marker in page.locator("#risk-points-map path.leaflet-interactive").all():
        marker.hover(force=True)
    tooltips = page.locator("#risk-points-map .leaflet-tooltip").all_inner_texts()

    assert page.title() == title
    assert page.locator("#risk-points-map .leaflet-tooltip img").count() == 0
    assert any(POINT_NAME in text for text in tooltips), tooltips
    assert any(ENTERPRISE_NAME in text for text in tooltips), tooltips
