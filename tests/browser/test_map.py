"""The 一张图 map in a real browser: county shapes with Chinese labels, offline, and clickable."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import screenshot, sign_in

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


def test_a_county_admin_sees_fourteen_labelled_county_shapes(page: Any) -> None:
    requests_elsewhere: list[str] = []
    page.on(
        "request", lambda r: None if r.url.startswith(page.base_url) else requests_elsewhere.append(r.url)
    )
    sign_in(page, "demo-county-140902")
    page.goto(page.base_url + "/map/")
    page.wait_for_function("() => document.getElementById('map').dataset.loaded_counties === '14'")
    shapes = page.locator("#map path.leaflet-interactive")
    assert shapes.count() == 14
    labels = page.locator(".leaflet-tooltip.region-label").all_inner_texts()
    assert sorted(labels) == sorted(COUNTY_NAMES)
    assert requests_elsewhere == []  # nothing leaves the server: no tiles, no CDN
    screenshot(page, "map-county-admin")


def test_clicking_the_users_own_county_opens_its_page(page: Any) -> None:
    sign_in(page, "demo-county-140902")
    page.goto(page.base_url + "/map/")
    page.wait_for_function("() => document.getElementById('map').dataset.loaded_counties === '14'")
    # The label sits over its shape; the click lands on the shape beneath it, as a person's would.
    page.locator(".leaflet-tooltip.region-label", has_text="忻府区").click(force=True)
    page.wait_for_url(page.base_url + "/regions/140902/")
    assert page.locator("h1").inner_text().startswith("忻府区")


def test_the_density_layer_switches_on_with_its_legend(page: Any) -> None:
    sign_in(page, "demo-city")
    page.goto(page.base_url + "/map/")
    page.wait_for_function("() => document.getElementById('map').dataset.loaded_population_density === '14'")
    page.get_by_label("人口密度").check()
    assert page.locator("#legend").is_visible()
    assert "人/km²" in page.locator("#legend").inner_text()
    assert page.locator("#map path.leaflet-interactive").count() == 28
