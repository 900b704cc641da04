"""The 一张图 map in a real browser: county shapes with Chinese labels, offline, and clickable; it opens
where the user works with their role's layers on, and its legend folds away and fits a short screen."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import screenshot, sign_in
from yingji.core import roles
from yingji.core.models import User
from yingji.enterprises.models import Enterprise

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNTY_NAMES = [
    "忻府区",
    "定襄县",
    "五台县",
    "代县",
    "繁峙县",
    "宁武县",
    "静乐县",
    "神池县",
    "五寨县",
    "岢岚县",
    "河曲县",
    "保德县",
    "偏关县",
    "原平市",
]
COUNTY_SHAPES = ".leaflet-pane-counties-pane path.leaflet-interactive"


def open_map(page: Any, *, ready: bool = True) -> None:
    page.goto(page.base_url + "/map/")
    if ready:
        page.wait_for_function("() => document.getElementById('map').dataset.ready === '1'")


def overlays(page: Any) -> dict[str, Any]:
    """The layer switcher's checkboxes by layer title."""
    labels = page.locator(".leaflet-control-layers-overlays label").all()
    return {label.inner_text().strip(): label.locator("input") for label in labels}


def switched_on(page: Any) -> set[str]:
    """The titles of the overlays checked in the layer switcher."""
    return {title for title, box in overlays(page).items() if box.is_checked()}


def label_in_view(page: Any, name: str) -> bool:
    """Whether a county's label lies inside the visible map."""
    box = page.locator(".leaflet-tooltip.region-label", has_text=name).bounding_box()
    area = page.locator("#map").bounding_box()
    return (
        area["x"] <= box["x"] + box["width"] / 2 <= area["x"] + area["width"]
        and area["y"] <= box["y"] + box["height"] / 2 <= area["y"] + area["height"]
    )


def test_a_county_admin_sees_fourteen_labelled_county_shapes(page: Any) -> None:
    requests_elsewhere: list[str] = []
    page.on(
        "request", lambda r: None if r.url.startswith(page.base_url) else requests_elsewhere.append(r.url)
    )
    sign_in(page, "demo-county-140902")
    open_map(page)
    assert page.locator(COUNTY_SHAPES).count() == 14
    labels = page.locator(".leaflet-tooltip.region-label").all_inner_texts()
    assert sorted(labels) == sorted(COUNTY_NAMES)
    assert requests_elsewhere == []  # nothing leaves the server: no tiles, no CDN
    screenshot(page, "map-county-admin")


def test_clicking_the_users_own_county_opens_its_page(page: Any) -> None:
    sign_in(page, "demo-county-140902")
    open_map(page)
    # Only the base layer, so that the click meets the county and not a warning or marker above it.
    for title, box in overlays(page).items():
        if title != "县级行政区":
            box.uncheck()
    # The label sits over its shape; the click lands on the shape beneath it, as a person's would.
    page.locator(".leaflet-tooltip.region-label", has_text="忻府区").click(force=True)
    page.wait_for_url(page.base_url + "/regions/140902/")
    assert page.locator("h1").inner_text().startswith("忻府区")


def test_the_density_layer_switches_on_with_its_legend(page: Any) -> None:
    sign_in(page, "demo-city")
    open_map(page)
    page.get_by_label("人口密度").check()
    assert page.locator("#legend").is_visible()
    assert "人/km²" in page.locator("#legend").inner_text()
    assert page.locator(".leaflet-pane-population_density-pane path.leaflet-interactive").count() == 14
    assert page.locator(COUNTY_SHAPES).count() == 14


def test_a_county_admin_opens_on_their_county_with_incidents_warnings_monitoring_and_major_hazards(
    page: Any,
) -> None:
    sign_in(page, "demo-county-140902")
    open_map(page)
    assert label_in_view(page, "忻府区")
    assert not label_in_view(page, "偏关县")  # the far north-west of the city is off screen
    assert switched_on(page) == {"县级行政区", "事件", "预警", "监测报警", "重大危险源"}


def test_the_city_opens_on_the_whole_city(page: Any) -> None:
    sign_in(page, "demo-city")
    open_map(page)
    assert all(label_in_view(page, name) for name in COUNTY_NAMES)
    assert {"预警", "监测报警", "重大危险源"} <= switched_on(page)


def test_an_enterprise_officer_opens_on_their_enterprise_with_its_risks(page: Any) -> None:
    enterprise = (
        Enterprise.objects.filter(region__path__contains="/140902/", longitude__isnull=False)
        .order_by("pk")
        .first()
    )
    officer = User.objects.filter(role=roles.ENTERPRISE_OFFICER, organization=enterprise.organization).first()
    sign_in(page, officer.username)
    open_map(page)
    assert {"企业风险", "监测报警", "重大危险源"} <= switched_on(page)
    marker = page.locator(".leaflet-pane-enterprise_risks-pane path.leaflet-interactive")
    assert marker.count() == 1  # their own enterprise only
    box, area = marker.bounding_box(), page.locator("#map").bounding_box()
    centre_x, centre_y = area["x"] + area["width"] / 2, area["y"] + area["height"] / 2
    assert abs(box["x"] + box["width"] / 2 - centre_x) < 20
    assert abs(box["y"] + box["height"] / 2 - centre_y) < 20
    assert not label_in_view(page, "偏关县")


def test_the_legend_stays_on_a_short_screen_and_folds_away(browser: Any, live_server: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.base_url = live_server.url
    try:
        sign_in(page, "demo-city")
        open_map(page)
        for box in overlays(page).values():
            box.check()  # every layer on: the tallest legend there is
        legend, body = page.locator("#legend"), page.locator("#legend-body")
        assert legend.is_visible()
        assert legend.bounding_box()["y"] + legend.bounding_box()["height"] <= 900
        screenshot(page, "map-legend-1280x900")

        page.set_viewport_size({"width": 1280, "height": 600})  # shorter than the legend: it scrolls inside
        assert legend.bounding_box()["y"] + legend.bounding_box()["height"] <= 600
        assert body.evaluate("(element) => element.scrollHeight > element.clientHeight")
        page.set_viewport_size({"width": 1280, "height": 900})

        page.locator("#legend .legend-toggle").click()
        assert not body.is_visible()
        assert legend.bounding_box()["height"] < 40
        screenshot(page, "map-legend-folded-1280x900")
        page.locator("#legend .legend-toggle").click()
        assert body.is_visible()
    finally:
        context.close()
