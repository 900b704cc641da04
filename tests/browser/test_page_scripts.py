"""What core/page.js does for every page, under the Content-Security-Policy: htmx requests carry the
CSRF token from the page (the cookie is HttpOnly), forms that ask first still ask, and filter menus
still send their form, with no inline handler anywhere."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import sign_in
from yingji.core import roles
from yingji.core.models import User
from yingji.majorhazards.models import Installation, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_htmx_requests_carry_the_pages_csrf_token_which_scripts_cannot_read_from_the_cookie(
    page: Any,
) -> None:
    sign_in(page, "demo-county-140902")
    assert "csrftoken" not in page.evaluate("() => document.cookie")
    with page.expect_request(lambda request: "/monitoring/live/" in request.url, timeout=15_000) as polled:
        page.goto(page.base_url + "/monitoring/")
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    assert token and polled.value.headers.get("x-csrftoken") == token
    assert "csrftoken" not in page.evaluate("() => document.cookie")


def test_a_form_that_asks_first_is_sent_only_when_the_question_is_accepted(page: Any) -> None:
    unit = (
        Unit.objects.filter(installation__enterprise__region__path__contains="/140902/")
        .order_by("pk")
        .first()
    )
    installation = Installation.objects.get(pk=unit.installation_id)
    officer = User.objects.filter(
        role=roles.ENTERPRISE_OFFICER, organization_id=installation.enterprise.organization_id
    ).first()
    sign_in(page, officer.username)
    page.goto(f"{page.base_url}/major-hazards/{installation.pk}/")
    remove = page.locator(f"#unit-{unit.pk} form[data-confirm] button", has_text="删除单元")

    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    remove.click()
    page.wait_for_timeout(300)
    assert questions == ["确定删除该单元及其全部物质？"]
    assert Unit.objects.filter(pk=unit.pk).exists()

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        remove.click()
    assert not Unit.objects.filter(pk=unit.pk).exists()


def test_a_filter_menu_sends_its_form_when_a_choice_is_made(page: Any) -> None:
    sign_in(page, "demo-city")
    page.goto(page.base_url + "/organizations/")
    with page.expect_navigation():
        page.select_option("select[name=kind]", "enterprise")
    assert page.url.endswith("/organizations/?kind=enterprise")
