"""A red rainstorm warning from draft to the public in a real browser.

The 忻府区 duty officer drafts it (type and level prefill the headline and the instruction; the area is
a township ticked in the list and a polygon drawn on the map), the county administrator submits it,
the city approves and publishes it (red is the city's to approve). One worker pass (`jobs.run_due`,
the only step not taken in the browser) sends the messages and measures the coverage; the warning's
page, still open, shows them by itself. Then the public sees it without signing in. Nothing the
pages load comes from anywhere but the server.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from shapely.geometry import shape

from tests.browser.conftest import screenshot, sign_in
from yingji.core import jobs
from yingji.core.models import Region
from yingji.messaging.models import Delivery
from yingji.warnings.models import EarlyWarning

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow(reason="a real browser through three roles, a worker pass and the public page"),
]

HEADLINE = "忻府区应急管理局发布暴雨红色预警"  # the issuing bureau, in the reader's language
RED_INSTRUCTION = "政府及相关部门按照职责做好防暴雨应急和抢险工作"
TOWNSHIP = "140902001000"  # 秀容街道
REFRESH_WAIT_MS = 15_000  # three refreshes of the deliveries block


def switch_user(page: Any, username: str) -> None:
    page.context.clear_cookies()
    sign_in(page, username)


def act(page: Any, action: str) -> None:
    page.locator(f"form[data-action={action}] button[type=submit]").click()
    page.wait_for_load_state()


def draw_square(page: Any, half: int = 50) -> None:
    """Click four vertices around the middle of the map, then finish the polygon."""
    page.click("[data-draw=polygon]")
    page.locator("#area-map").scroll_into_view_if_needed()
    box = page.locator("#area-map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-half, -half), (half, -half), (half, half), (-half, half)):
        page.mouse.click(x + dx, y + dy)
    page.click("[data-draw=finish]")


def test_a_red_rainstorm_warning_goes_from_the_duty_officer_to_the_public(page: Any) -> None:
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(page.base_url) else elsewhere.append(r.url))
    page.on("dialog", lambda dialog: dialog.accept())  # "确定发布？"

    # The duty officer drafts it.
    sign_in(page, "demo-duty-140902")
    page.goto(page.base_url + "/warnings/")
    page.click("#new-warning")
    page.wait_for_selector("#area-map[data-loaded='14']")
    page.select_option("[name=warning_type]", "rainstorm")
    page.select_option("[name=level]", "red")
    assert page.input_value("[name=headline]") == HEADLINE
    assert page.input_value("[name=instruction]").startswith(RED_INSTRUCTION)
    page.fill("[name=description]", "过去3小时忻府区城区降雨量已达100毫米以上，且降雨将持续。")
    page.check(f"input[name=area_codes][value='{TOWNSHIP}']")
    draw_square(page)
    assert page.locator("#shape-list li").count() == 1
    screenshot(page, "warnings-1-draft-form")
    page.click("#save-draft")
    page.wait_for_url("**/warnings/*/")
    warning = EarlyWarning.objects.get(headline=HEADLINE)
    assert (warning.status, warning.level, warning.area_codes) == ("draft", "red", [TOWNSHIP])
    drawn = shape(warning.area_shapes[0])
    assert warning.area_shapes[0]["type"] == "Polygon" and drawn.area > 0
    assert shape(Region.objects.get(code="140902").geometry).intersects(drawn)
    assert page.locator("#warning-status").inner_text() == "草稿"

    # The county administrator submits it; red is approved by the city, so that is all the county may do.
    switch_user(page, "demo-county-140902")
    page.goto(f"{page.base_url}/warnings/{warning.pk}/")
    act(page, "submit")
    assert page.locator("#warning-status").inner_text() == "待审批"
    assert page.locator("form[data-action=approve], form[data-action=publish]").count() == 0

    # The city finds it waiting, approves and publishes it.
    switch_user(page, "demo-city")
    page.goto(page.base_url + "/warnings/")
    row = page.locator(f"tr[data-warning='{warning.pk}']")
    assert "待您审批" in row.inner_text()
    screenshot(page, "warnings-2-list-pending")
    row.locator("a").first.click()
    page.wait_for_url(f"**/warnings/{warning.pk}/")
    act(page, "approve")
    act(page, "publish")
    assert page.locator("#warning-status").get_attribute("data-status") == "published"
    warning.refresh_from_db()
    assert warning.status == EarlyWarning.PUBLISHED and warning.identifier
    queued = Delivery.objects.about(warning).filter(status=Delivery.QUEUED).count()
    assert queued > 0
    assert int(page.locator("#deliveries").get_attribute("data-pending")) > 0
    page.evaluate("window.sameDocument = true")  # gone if the page were reloaded

    # One worker pass sends the messages and measures the coverage; the open page shows them by itself.
    jobs.run_due(timezone.now())
    page.locator("#deliveries[data-pending='0']").wait_for(timeout=REFRESH_WAIT_MS)
    assert page.evaluate("window.sameDocument") is True
    assert Delivery.objects.about(warning).filter(status__in=(Delivery.QUEUED, Delivery.SENDING)).count() == 0
    assert page.locator("#delivery-table tbody tr").count() >= 1
    assert page.locator("#coverage-percent").inner_text().endswith("%")
    warning.refresh_from_db()
    assert warning.coverage and warning.coverage["reached"] > 0
    page.locator("#deliveries").scroll_into_view_if_needed()
    screenshot(page, "warnings-3-published-detail")

    # The public sees it without signing in, with what to do.
    page.context.clear_cookies()
    page.goto(page.base_url + "/public/warnings/")
    page.wait_for_selector("#public-map[data-loaded]")
    card = page.locator(f".warning-card[data-warning='{warning.pk}']")
    assert HEADLINE in card.inner_text()
    screenshot(page, "warnings-4-public-list")
    card.click()
    page.wait_for_url(f"**/public/warnings/{warning.pk}/")
    assert page.locator("#public-instruction").inner_text().startswith(RED_INSTRUCTION)
    cap_link = f"{page.base_url}/cap/{warning.identifier}.xml"  # on the host the visitor came to
    assert page.locator("#public-cap-link").get_attribute("href") == cap_link
    page.wait_for_selector("#public-warning-map[data-loaded]")
    screenshot(page, "warnings-5-public-detail")
    assert elsewhere == []  # nothing leaves the server: no tiles, no CDN
