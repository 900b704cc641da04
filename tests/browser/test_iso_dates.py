"""Date inputs in the Chinese interface: a risk point re-assessed in the browser keeps its next-review date.

The browser's `<input type="date">` accepts only ISO values; a page that wrote `2027/12/07` (Django's
first Chinese date format) showed an empty field, and posting the form erased the date.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import screenshot, sign_in
from yingji.core import roles
from yingji.core.models import User
from yingji.risks import services
from yingji.risks.models import RiskPoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reassessing_a_risk_point_in_chinese_keeps_its_next_review_date(page: Any) -> None:
    point = RiskPoint.objects.filter(method="lec").select_related("enterprise").order_by("id").first()
    organization = point.enterprise.organization_id
    officer = User.objects.get(role=roles.ENTERPRISE_OFFICER, organization_id=organization)
    shown = services.default_reassess_on()

    sign_in(page, officer.username)
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.goto(f"{page.base_url}/risks/points/{point.pk}/")
    date_input = page.locator("[name=assess-reassess_on]")
    # What the browser holds is what it posts: empty if the page wrote a date it could not read.
    assert date_input.input_value() == shown.isoformat()
    page.select_option("[name=assess-lec_l]", "3")
    page.select_option("[name=assess-lec_e]", "6")
    page.select_option("[name=assess-lec_c]", "7")
    screenshot(page, "risk-point-reassess-zh")
    page.locator("form:has([name=action][value=assess]) button[type=submit]").click()
    page.wait_for_load_state()

    point.refresh_from_db()
    assert (point.factor_l, point.factor_e, point.factor_c) == (3, 6, 7)
    assert point.reassess_on == shown
    assert shown.isoformat() in page.locator("body").inner_text()
