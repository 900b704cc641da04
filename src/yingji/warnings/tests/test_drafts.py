"""Drafts the platform opens from monitoring alarms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from yingji.core.models import Notification
from yingji.majorhazards.models import Installation
from yingji.monitoring import alarms
from yingji.monitoring import services as monitoring_services
from yingji.monitoring.models import Alarm, Sensor
from yingji.warnings import drafts
from yingji.warnings.models import EarlyWarning


def make_alarm(sensor: Sensor, rule: str, level: int, **fields: object) -> Alarm:
    now = timezone.now()
    return Alarm.objects.create(
        sensor=sensor,
        rule=rule,
        level=level,
        peak_level=level,
        raised_at=now,
        last_triggered_at=now,
        peak_value=fields.pop("peak_value", 61.5),
        region_id=sensor.region_id,
        organization_id=sensor.organization_id,
        **fields,
    )


@pytest.fixture
def rain_sensor(demo: None) -> Sensor:
    sensor = Sensor.objects.filter(kind="rainfall", site__isnull=False).select_related("region").first()
    assert sensor is not None
    return sensor


def test_a_rainstorm_window_alarm_opens_one_draft_that_climbs(rain_sensor: Sensor) -> None:
    alarm = make_alarm(rain_sensor, Alarm.WINDOW, 3, window_h=3)
    alarms._tell_listeners([alarm], timezone.now())
    draft = EarlyWarning.objects.get(source_key=f"monitoring.alarm:{alarm.pk}")
    assert (draft.status, draft.source, draft.level, draft.warning_type.code) == (
        "draft",
        "monitoring",
        "orange",
        "rainstorm",
    )
    county = draft.region
    assert county.level == "county" and draft.area_codes == [county.code] and draft.instruction
    assert Notification.objects.filter(object_id=str(draft.pk), subject__contains=draft.headline).exists()

    alarm.level = 4
    alarms._tell_listeners([alarm], timezone.now())
    assert EarlyWarning.objects.filter(source_key=f"monitoring.alarm:{alarm.pk}").count() == 1
    draft.refresh_from_db()
    assert draft.level == "red" and "红色" in draft.headline


def test_threshold_alarms_on_rain_gauges_open_nothing(rain_sensor: Sensor) -> None:
    alarm = make_alarm(rain_sensor, Alarm.THRESHOLD, 4)
    assert drafts.draft_from_alarm(alarm, timezone.now()) is None


def test_a_red_toxic_gas_alarm_at_an_installation_opens_a_red_leak_draft(demo: None) -> None:
    installation = Installation.objects.select_related("enterprise").first()
    assert installation is not None
    gateway = monitoring_services.create_gateway(
        None, name="test-gas-gw", title="测试", enterprise_id=installation.enterprise_id
    ).gateway
    sensor = monitoring_services.create_sensor(
        None,
        code="test-gas-1",
        name="有毒气体探测器",
        kind="toxic_gas",
        gateway_id=gateway.pk,
        enterprise_id=installation.enterprise_id,
        installation_id=installation.pk,
    )
    assert drafts.draft_from_alarm(make_alarm(sensor, Alarm.RATE, 3, peak_value=60), timezone.now()) is None
    draft = drafts.draft_from_alarm(make_alarm(sensor, Alarm.THRESHOLD, 4, peak_value=150), timezone.now())
    assert draft is not None and (draft.level, draft.warning_type.code) == ("red", "chemical_leak")
    assert draft.expires - draft.onset == timedelta(hours=3)
    if installation.longitude is not None or installation.enterprise.longitude is not None:
        assert draft.area_shapes[0]["type"] == "Circle"


def test_a_failing_listener_does_not_undo_the_batch(
    rain_sensor: Sensor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(alarm: Alarm, now: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(drafts, "draft_from_alarm", broken)
    alarm = make_alarm(rain_sensor, Alarm.WINDOW, 2, window_h=6)
    alarms._tell_listeners([alarm], timezone.now())  # logged, not raised
    assert Alarm.objects.filter(pk=alarm.pk).exists()
