"""A red alarm reaches the monitoring wall by itself, and is acknowledged and closed there.

The county administrator watches the wall; a gateway reports a methane spike (`pipeline.ingest_items`,
the same path as HTTP and MQTT, into the live server's database). Without a reload, the wall's
5-second refresh turns the sensor red and lists the raised alarm; it is acknowledged with one
click and closed with a disposal note in the dialog.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.browser.conftest import screenshot, sign_in
from yingji.core.models import AuditEntry
from yingji.enterprises.models import Enterprise
from yingji.monitoring import pipeline, services
from yingji.monitoring.models import Alarm

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow(reason="a whole story in a real browser, several roles and pages"),
]

REFRESH_WAIT_MS = 15_000  # three refreshes of the wall


def report(gateway: Any, code: str, *values: float) -> None:
    """Readings a second apart, ending now, as the gateway would send them."""
    now = timezone.now()
    items = [
        (line, {"sensor": code, "ts": (now - timedelta(seconds=len(values) - line)).isoformat(), "value": v})
        for line, v in enumerate(values, 1)
    ]
    result = pipeline.ingest_items(gateway, items, now=now)
    assert result.accepted == len(values), result.rejected


def test_a_red_spike_appears_on_the_wall_without_a_reload_and_is_handled_there(page: Any) -> None:
    enterprise = Enterprise.objects.filter(region__path__contains="/140902/").order_by("id").first()
    gateway = services.create_gateway(
        None, name="browser-kj", title="浏览器测试监控系统", enterprise_id=enterprise.pk
    )
    methane = services.create_sensor(
        None,
        code="BROWSER-CH4-1",
        name="甲烷-回风巷",
        kind="methane",
        gateway_id=gateway.gateway.pk,
        enterprise_id=enterprise.pk,
    )
    report(gateway.gateway, methane.code, 0.21)

    sign_in(page, "demo-county-140902")
    page.goto(f"{page.base_url}/monitoring/?enterprise={enterprise.pk}")
    tile = page.locator(f'[data-sensor="{methane.code}"]')
    assert tile.get_attribute("data-level") == "normal"
    assert page.locator(f'li[data-alarm-sensor="{methane.code}"]').count() == 0
    page.evaluate("window.sameDocument = true")  # gone if the page were reloaded

    report(gateway.gateway, methane.code, 0.9, 1.8)
    alarm = Alarm.objects.get(sensor=methane, rule=Alarm.THRESHOLD)
    item = page.locator(f'li[data-alarm="{alarm.pk}"]')
    item.wait_for(timeout=REFRESH_WAIT_MS)

    assert page.evaluate("window.sameDocument") is True
    assert (item.get_attribute("data-status"), item.get_attribute("data-level")) == ("raised", "red")
    assert tile.get_attribute("data-level") == "red" and tile.locator("b").inner_text() == "1.8"
    screenshot(page, "monitoring-1-red-alarm")

    item.locator("button[data-action=acknowledge]").click()
    page.locator(f'li[data-alarm="{alarm.pk}"][data-status="acknowledged"]').wait_for(timeout=REFRESH_WAIT_MS)
    alarm.refresh_from_db()
    assert alarm.status == Alarm.ACKNOWLEDGED and alarm.acknowledged_by.username == "demo-county-140902"
    assert page.evaluate("window.sameDocument") is True
    screenshot(page, "monitoring-2-acknowledged")

    page.locator(f'li[data-alarm="{alarm.pk}"] [data-close-alarm]').click()
    dialog = page.locator("#close-dialog")
    dialog.locator("textarea[name=disposal_note]").fill("撤出作业人员，加强通风，复测正常")
    dialog.locator("button[type=submit]").click()
    page.locator(f'li[data-alarm="{alarm.pk}"]').wait_for(state="detached", timeout=REFRESH_WAIT_MS)
    alarm.refresh_from_db()
    assert alarm.status == Alarm.CLOSED and alarm.disposal_note == "撤出作业人员，加强通风，复测正常"
    assert set(
        AuditEntry.objects.filter(object_id=str(alarm.pk), actor__username="demo-county-140902").values_list(
            "action", flat=True
        )
    ) == {"alarm.acknowledged", "alarm.closed"}
