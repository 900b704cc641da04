"""Each role's home page in a browser: what needs them first, and a figure that opens the list it counts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import screenshot, sign_in
from yingji.core.models import User
from yingji.enterprises.models import Licence

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow(reason="signs in as five roles in a real browser"),
]


def officer_with_work() -> str:
    """An enterprise officer whose home has something in it: an open hazard and a licence expiring."""
    organization = (
        Licence.objects.filter(enterprise__hazards__status="rectifying")
        .order_by("enterprise_id")
        .values_list("enterprise__organization_id", flat=True)
        .first()
    )
    return User.objects.get(role="enterprise_officer", organization_id=organization).username


def test_every_role_starts_with_what_needs_it_and_each_figure_opens_its_list(page: Any) -> None:
    roles = {
        "city": ("demo-city", "warnings_awaiting_me"),
        "county": ("demo-county-140921", "warnings_awaiting_me"),
        "duty": ("demo-duty-140932", "warnings_platform_drafts"),
        "enterprise": (officer_with_work(), "hazards_own_open"),
        "department": ("demo-dept-water", "warnings_live"),
    }
    for role, (username, key) in roles.items():
        page.context.clear_cookies()
        sign_in(page, username)
        act = page.locator("#home-act")
        assert act.is_visible()
        first_section = page.locator("main section").first
        assert first_section.get_attribute("id") == "home-act"  # what needs them comes first
        screenshot(page, f"home-{role}")
        figure = page.locator(f"[data-home-item={key}]")
        count = int(figure.locator(".value").inner_text())
        assert count > 0, f"{role}: {key} is empty in the demo"
        figure.click()
        page.wait_for_load_state()
        assert int(page.locator("[data-list-total]").inner_text()) == count, role
