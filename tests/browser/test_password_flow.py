"""An administrator resets a reporter's password; the reporter signs in with it and must change it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

REPORTER = "demo-reporter-140902"
NEW_PASSWORD = "hu-tuo-river-2027"


def test_a_reset_password_must_be_changed_at_the_next_sign_in(page: Any, browser: Any) -> None:
    sign_in(page, "demo-county-140902")
    page.goto(page.base_url + "/users/")
    row = page.locator("tr", has_text=REPORTER)
    screenshot(page, "users-with-password-reset")
    row.get_by_role("link", name="重置密码").click()
    screenshot(page, "password-reset-confirm")
    page.get_by_role("button", name="重置密码").click()
    temporary = page.locator("code.temporary-password").inner_text().strip()
    screenshot(page, "password-reset-done")
    assert len(temporary) >= 12

    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    reporter = context.new_page()
    reporter.base_url = page.base_url
    reporter.goto(page.base_url + "/login/")
    reporter.fill("input[name=username]", REPORTER)
    reporter.fill("input[name=password]", temporary)
    reporter.click("button[type=submit]")
    reporter.wait_for_url(page.base_url + "/account/password/")
    reporter.goto(page.base_url + "/map/")  # every page leads back to the change
    reporter.wait_for_url(page.base_url + "/account/password/")
    assert reporter.get_by_role("alert").inner_text().startswith("管理员已重置您的密码")
    screenshot(reporter, "password-change-forced")
    reporter.fill("input[name=old_password]", temporary)
    reporter.fill("input[name=new_password]", NEW_PASSWORD)
    reporter.fill("input[name=new_password_again]", NEW_PASSWORD)
    reporter.get_by_role("button", name="修改密码").click()
    reporter.wait_for_url(page.base_url + "/")
    assert "密码已修改" in reporter.locator(".messages").inner_text()
    screenshot(reporter, "password-changed-home")
    context.close()
