"""A major hidden hazard from report to 销号 in a real browser, through listed supervision and escalation.

The enterprise officer reports it (naming the criterion it meets) and enters the plan, the county lists
it for supervision, the deadline passes (`jobs.run_due` at a later time: the only step not taken in the
browser), the city sees it escalated, the enterprise submits and the city accepts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.browser.conftest import screenshot, sign_in
from yingji.core import jobs, roles
from yingji.core.models import User
from yingji.enterprises.models import HAZARDOUS_CHEMICALS, Enterprise
from yingji.hazards.models import Hazard
from yingji.hazards.services import due_at

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow(reason="a whole story in a real browser, several roles and pages"),
]

TITLE = "加油区可燃气体检测报警装置失效"


def switch_user(page: Any, username: str) -> None:
    page.context.clear_cookies()
    sign_in(page, username)


def step(page: Any, action: str, fields: dict[str, str] | None = None) -> None:
    form = page.locator(f"form[data-action={action}]")
    for name, value in (fields or {}).items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_a_major_hazard_goes_from_report_to_closed_through_listing_and_escalation(page: Any) -> None:
    enterprise = Enterprise.objects.filter(
        industry=HAZARDOUS_CHEMICALS, region__path__contains="/140902/"
    ).first()
    officer = User.objects.get(role=roles.ENTERPRISE_OFFICER, organization_id=enterprise.organization_id)
    today = timezone.localdate()
    listed_deadline = today + timedelta(days=10)

    # The enterprise's safety officer reports the major hazard with its criterion, writes the plan, starts.
    sign_in(page, officer.username)
    page.goto(page.base_url + "/hazards/")
    page.click("#report summary")
    page.fill("#report-form [name=title]", TITLE)
    page.fill("#report-form [name=location]", "加油区")
    page.select_option("#report-form [name=grade]", "major")
    page.select_option("#report-form [name=criterion_code]", "chem-12")
    page.click("#report-form button[type=submit]")
    page.wait_for_url("**/hazards/*/")
    hazard = Hazard.objects.get(title=TITLE)
    assert page.locator("#criterion").inner_text().startswith("12.")
    plan = {
        "objectives": "恢复可燃气体检测报警功能",
        "measures": "更换探测器并接入报警控制器",
        "funds": "38000",
        "responsible_person": enterprise.safety_officer or "站长",
        "deadline": str(today + timedelta(days=20)),
        "interim_measures": "停止加油作业，配置便携式检测仪，专人巡检",
    }
    step(page, "plan", plan)
    step(page, "start_rectification")
    assert page.locator("#hazard-status").inner_text() == "整改中"
    screenshot(page, "hazard-1-enterprise-rectifying")

    # The county lists it for supervision with a deadline.
    switch_user(page, "demo-county-140902")
    page.goto(f"{page.base_url}/hazards/{hazard.pk}/")
    step(
        page,
        "list_supervision",
        {"deadline": str(listed_deadline), "document_number": "忻府应急督〔2026〕7号"},
    )
    assert "忻府应急督〔2026〕7号" in page.locator("#listing").inner_text()
    assert page.locator("#deadline").inner_text().startswith(str(listed_deadline))
    screenshot(page, "hazard-2-county-listed")

    # Time passes: the listed deadline runs out without the hazard being fixed.
    jobs.run_due(due_at(listed_deadline) + timedelta(hours=2))

    # The city sees the hazard escalated to it, with a notification.
    switch_user(page, "demo-city")
    page.goto(page.base_url + "/notifications/?tab=info")  # information, apart from the to-dos
    assert page.get_by_text(f"【升级市级督办】隐患逾期未整改：{enterprise.name} {TITLE}").count() == 1
    page.goto(f"{page.base_url}/hazards/{hazard.pk}/")
    assert page.locator("#city-tag").is_visible() and page.locator("#overdue-tag").is_visible()
    assert page.locator("#supervising-level").inner_text() == "市级"
    assert "升级由市级督办" in page.locator("#timeline").inner_text()
    screenshot(page, "hazard-3-city-escalated")

    # The enterprise submits its rectification for acceptance.
    switch_user(page, officer.username)
    page.goto(f"{page.base_url}/hazards/{hazard.pk}/")
    step(page, "submit", {"note": "探测器已更换并联动测试"})
    assert page.locator("#hazard-status").inner_text() == "待验收"

    # The county may no longer decide; the city accepts and closes it (销号).
    switch_user(page, "demo-county-140902")
    page.goto(f"{page.base_url}/hazards/{hazard.pk}/")
    assert page.locator("form[data-action=accept]").count() == 0
    switch_user(page, "demo-city")
    page.goto(f"{page.base_url}/hazards/{hazard.pk}/")
    step(page, "accept", {"note": "现场验收合格"})
    assert page.locator("#hazard-status").inner_text() == "已销号"
    screenshot(page, "hazard-4-city-closed")
    hazard.refresh_from_db()
    assert hazard.status == "closed" and hazard.closed_by.username == "demo-city"
    actions = list(hazard.transitions.order_by("id").values_list("action", flat=True))
    assert actions == [
        "report",
        "edit_plan",
        "start_rectification",
        "list_supervision",
        "escalate",
        "submit",
        "accept",
    ]
