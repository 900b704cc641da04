"""An accident from the duty officer's phone call to the stand-down, in a real browser (issue 14).

The 忻府区 duty officer takes the call on the intake form (the point picked on the map, then set to the
enterprise's gate), the platform grades the accident by 国务院令第493号 and starts the reporting
clocks; the county administrator launches a Ⅳ response, dispatches the recommended team, the team
leader acknowledges from the SMS link on a phone that is signed in nowhere, the county moves the team
on its way; a situation report falls due (`jobs.run_due` at a later time: the only step not taken in
the browser) and is filed; the command screen shows the team on the way without a script error or a
CSP violation; the response ends with a summary, closing the incident, its orders and its tasks.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.browser.conftest import screenshot, sign_in
from yingji.command.models import Incident
from yingji.core import jobs
from yingji.core.models import AuditEntry, Deadline, Notification
from yingji.enterprises.models import CONSTRUCTION, Enterprise
from yingji.messaging.models import Delivery
from yingji.resources import kinds
from yingji.resources.models import Team
from yingji.response import rules
from yingji.response.models import DispatchOrder, Response, SituationReport, Task

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow(reason="a whole incident in a real browser: two officers, the team leader's phone"),
]

TITLE = "施工现场脚手架坍塌"
SUMMARY = "被困人员全部救出，现场隐患排除，转入善后处置和事故调查。"


def switch_user(page: Any, username: str) -> None:
    page.context.clear_cookies()
    sign_in(page, username)


def submit(page: Any, form: Any) -> None:
    """Press the form's button and wait for the page it leads to."""
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def section_form(page: Any, section: str, action: str) -> Any:
    return page.locator(f"#{section} form:has(input[name=action][value={action}])")


def console_error(message: Any) -> bool:
    """A script error or a CSP violation (the site has no favicon: the browser's own asking is not one)."""
    return message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico")


def flash(page: Any) -> str:
    return page.locator("ul.messages").inner_text()


def test_an_accident_goes_from_the_phone_call_to_the_stand_down(page: Any, browser: Any) -> None:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda m: problems.append(m.text) if console_error(m) else None)  # and CSP's
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("dialog", lambda dialog: dialog.accept())  # "结束响应…确定？"
    enterprise = (
        Enterprise.objects.filter(industry=CONSTRUCTION, region__path__contains="/140902/")
        .order_by("pk")
        .first()
    )

    # 1. The county's duty officer takes the phone call on the intake form.
    sign_in(page, "demo-duty-140902")
    page.goto(page.base_url + "/command/incidents/new/")
    page.wait_for_selector("#intake-map[data-loaded='1']")
    form = page.locator("#intake-form")
    form.locator("[name=title]").fill(TITLE)
    form.locator("[name=category]").select_option("accident")
    form.locator("[name=subtype]").select_option("建筑施工事故")
    form.locator("[name=source]").select_option("phone")
    box = page.locator("#intake-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # a point on the map
    assert form.locator("[name=longitude]").input_value() and form.locator("[name=latitude]").input_value()
    form.locator("[name=longitude]").fill(f"{enterprise.longitude:.5f}")  # then the gate exactly
    form.locator("[name=latitude]").fill(f"{enterprise.latitude:.5f}")
    form.locator("[name=address]").fill("二号楼施工现场")
    form.locator("[name=enterprise_id]").select_option(str(enterprise.pk))
    form.locator("[name=deaths]").fill("1")
    form.locator("[name=serious_injuries]").fill("11")
    form.locator("[name=trapped]").fill("3")
    form.locator("[name=description]").fill("脚手架整体坍塌，3 人被困，已有 1 人死亡、11 人重伤。")
    screenshot(page, "incident-1-intake")
    submit(page, form)
    assert "/command/incidents/" in page.url and "已接报" in flash(page)
    incident = Incident.objects.get(title=TITLE)
    assert incident.region.parent_id == "140902" and incident.organization_id == enterprise.organization_id
    assert incident.reported_by.username == "demo-duty-140902"

    # 2. The platform grades it (11 serious injuries: 较大) and the reporting clocks run.
    assert incident.grade == "较大"
    assert page.locator("h1 .inc-grade").inner_text() == "较大"
    clocks = page.locator(".inc-clocks tbody tr")
    assert clocks.count() == 3  # county, city, province: 较大 is reported up to the province
    assert page.locator(".inc-clocks [data-countdown]").count() == 3
    assert "待报送" in clocks.first.inner_text()

    # 3. The county administrator launches a Ⅳ response from the incident's page.
    switch_user(page, "demo-county-140902")
    incident_url = f"{page.base_url}/command/incidents/{incident.pk}/"
    page.goto(incident_url)
    launch = section_form(page, "rp-response", "launch")
    assert launch.locator("[name=level]").input_value() == "4"
    launch.locator("[name=matters]").fill("成立现场指挥部，组织搜救被困人员")
    submit(page, launch)
    assert "已启动应急响应" in flash(page)
    assert page.locator("#rp-response .rp-level").inner_text() == "Ⅳ级"
    response = Response.objects.get(incident=incident)
    assert response.level == 4 and response.commander.username == "demo-county-140902"
    open_tasks = Task.objects.filter(response=response, status=Task.OPEN).count()
    assert open_tasks > 0 and page.locator("#rp-tasks tbody tr").count() == open_tasks

    # 4. It dispatches the team the recommendation puts first.
    first = page.locator("#rp-recommendation tbody tr").first
    team = Team.objects.get(name=first.locator("td").first.inner_text().strip())
    assert team.status == kinds.STANDBY and team.kind in ("fire_station", "medical")
    first.locator("[name=task]").fill("搜救被困人员")
    submit(page, first.locator("form"))
    assert "已下达调派令" in flash(page)
    order = DispatchOrder.objects.get(incident=incident)
    assert (order.team_id, order.status) == (team.pk, rules.ISSUED)
    assert Team.objects.get(pk=team.pk).status == kinds.DISPATCHED  # 出动, by the order alone
    row = page.locator(f"#rp-orders tr:has-text('{order.number}')")
    assert "已下达" in row.inner_text() and team.name in row.inner_text()
    page.locator("#rp-orders").scroll_into_view_if_needed()
    screenshot(page, "incident-2-dispatched")

    # 5. The team leader opens the SMS's link on a phone signed in nowhere and acknowledges.
    sms = Delivery.objects.about(order).get(channel=Delivery.SMS)
    assert sms.address == team.phone and order.number in sms.message.body
    link = "/public/dispatch/" + sms.message.body.rsplit("/public/dispatch/", 1)[1]
    phone = browser.new_context(viewport={"width": 390, "height": 800}, locale="zh-CN")
    try:
        leader = phone.new_page()
        leader.goto(page.base_url + link)
        assert order.number in leader.locator("h1").inner_text()
        assert DispatchOrder.objects.get(pk=order.pk).status == rules.ISSUED  # opening confirms nothing
        with leader.expect_navigation():
            leader.click("#ack-button")
        assert leader.locator("#ack-done").is_visible()
        screenshot(leader, "incident-3-leader-acknowledged")
    finally:
        phone.close()
    order.refresh_from_db()
    assert (order.status, order.received_via) == (rules.RECEIVED, DispatchOrder.LINK)
    page.reload()
    row = page.locator(f"#rp-orders tr:has-text('{order.number}')")
    assert "已接收" in row.inner_text()
    # The county moves the order on as the team reports: it left its base (在途).
    row.locator("[name=status]").select_option(rules.DEPARTED)
    submit(page, row.locator("form"))
    assert "已出发" in page.locator(f"#rp-orders tr:has-text('{order.number}')").inner_text()
    assert Team.objects.get(pk=team.pk).status == kinds.EN_ROUTE

    # 6. A situation report every hour; an hour on, the worker marks it due and late.
    schedule = section_form(page, "rp-sitreps", "schedule")
    page.locator("#rp-sitreps summary:has-text('报告时间表')").click()
    schedule.locator("[name=every_hours]").fill("1")
    submit(page, schedule)
    assert "每 1 小时" in page.locator("#rp-sitreps h2").inner_text()
    due = SituationReport.objects.get(response=response, status=SituationReport.DUE)
    # Only this report's deadline and messages fall due in the run (the demo's own wait).
    later = timezone.now() + timedelta(days=365)
    Deadline.objects.filter(status=Deadline.PENDING).exclude(
        object_type="response.situationreport", object_id=str(due.pk)
    ).update(due_at=later)
    Notification.objects.filter(status=Notification.PENDING).update(next_attempt_at=later)
    jobs.run_due(due.due_at + timedelta(minutes=1))
    due.refresh_from_db()
    assert due.late and due.status == SituationReport.DUE
    page.reload()
    assert "已逾期" in page.locator("#rp-sitreps .rp-due").inner_text()
    sitrep = section_form(page, "rp-sitreps", "sitrep")
    assert sitrep.is_visible()  # the form opens by itself when the report is late
    sitrep.locator("[name=deaths]").fill("1")
    sitrep.locator("[name=injured]").fill("11")
    sitrep.locator("[name=evacuated]").fill("40")
    sitrep.locator("[name=progress]").fill("救出被困 2 人，仍有 1 人被困，正在破拆。")
    sitrep.locator("[name=needs]").fill("大型吊车 1 台")
    submit(page, sitrep)
    assert "情况报告已报送" in flash(page)
    filed = page.locator("#rp-sitreps tbody tr").first.inner_text()
    assert "迟报" in filed and "救出被困 2 人" in filed
    due.refresh_from_db()
    assert due.status == SituationReport.FILED and due.filed_by.username == "demo-county-140902"
    assert SituationReport.objects.filter(response=response, status=SituationReport.DUE).count() == 1

    # The command screen opens for the incident and shows the team on its way.
    page.goto(f"{incident_url}screen/")
    page.wait_for_selector("#screen-map[data-loaded='1']")
    assert team.name in page.locator("#rp-orders").inner_text()
    assert "已出发" in page.locator("#rp-orders").inner_text()
    screenshot(page, "incident-4-screen")

    # 7. The response ends with its summary: the incident, its orders and its tasks are closed.
    page.goto(incident_url)
    page.locator("#rp-response summary:has-text('结束响应')").click()
    end = section_form(page, "rp-response", "end")
    end.locator("[name=summary]").fill(SUMMARY)
    submit(page, end)
    assert "应急响应已结束" in flash(page)
    assert page.locator(".inc-facts .inc-status").inner_text() == "已结束"
    assert SUMMARY in page.locator("#rp-response").inner_text()
    assert "尚未启动" not in page.locator("#rp-response").inner_text()
    assert "事件已结束" in page.locator("#rp-recommendation").inner_text()  # nothing more to send
    incident.refresh_from_db()
    order.refresh_from_db()
    assert (incident.status, incident.summary) == (Incident.CLOSED, SUMMARY)
    assert order.status == rules.RECALLED and Team.objects.get(pk=team.pk).status == kinds.RETURNING
    assert not Task.objects.filter(response=response, status=Task.OPEN).exists()
    assert not SituationReport.objects.filter(response=response, status=SituationReport.DUE).exists()
    assert page.locator("#rp-orders button").count() == 0  # nothing left to move on
    assert AuditEntry.objects.filter(action="response.ended", object_id=str(response.pk)).exists()
    screenshot(page, "incident-5-closed")
    assert problems == []
