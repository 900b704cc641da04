"""Alarm lifecycle driven by readings: raise, escalate, de-escalate, clear, re-raise, acknowledge, close;
offline detection and escalation for want of acknowledgement, through `run_due`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.core import jobs, roles
from yingji.core.errors import Conflict, InvalidInput
from yingji.core.models import AuditEntry, Notification, User
from yingji.monitoring import alarms, pipeline, services
from yingji.monitoring.models import Alarm, SensorState

from .conftest import NOW, stamp


def told_about(alarm: Alarm) -> Any:
    """The notifications about this alarm (other domains' notifications may share its id)."""
    return Notification.objects.filter(object_type="monitoring.alarm", object_id=str(alarm.pk))


def send(rig, kind, *values, start=600, step=10, now=NOW):
    """Send `values` of one sensor, one every `step` seconds, the first `start` seconds before now."""
    code = rig.sensors[kind].code
    readings = [{"sensor": code, "ts": stamp(start - i * step), "value": v} for i, v in enumerate(values)]
    return pipeline.ingest_body(rig.gateway, orjson.dumps(readings), now=now)


def open_alarms(rig, kind, rule=Alarm.THRESHOLD):
    return Alarm.objects.filter(sensor=rig.sensors[kind], rule=rule).exclude(status=Alarm.CLOSED)


def test_a_methane_spike_raises_one_red_alarm_and_tells_every_tier(rig):
    result = send(rig, "methane", 0.3, 0.4, 1.6, 0.4)
    # A jump of 1.2 % in 10 s also breaks the rate limit (0.3 %/min): a second alarm, of the rate rule.
    assert len(result.alarms.raised) == 2
    assert open_alarms(rig, "methane", Alarm.RATE).get().level_name == "yellow"
    alarm = open_alarms(rig, "methane").get()
    assert (alarm.level_name, alarm.rule, alarm.status, alarm.peak_value) == (
        "red",
        "threshold",
        "raised",
        1.6,
    )
    assert alarm.notified_tier == alarms.CITY_TIER
    told = set(told_about(alarm).values_list("recipient__role", flat=True))
    assert roles.ENTERPRISE_OFFICER in told
    assert told & {roles.DUTY_OFFICER, roles.COUNTY_ADMIN}
    assert AuditEntry.objects.filter(action="alarm.raised", object_id=str(alarm.pk)).exists()
    assert SensorState.objects.get(sensor=rig.sensors["methane"]).alarm_level == 4


def test_a_yellow_alarm_tells_only_the_enterprise(rig):
    send(rig, "methane", 0.8)
    alarm = open_alarms(rig, "methane").get()
    assert alarm.level_name == "yellow" and alarm.notified_tier == alarms.ENTERPRISE_TIER
    told = set(told_about(alarm).values_list("recipient__role", flat=True))
    assert told == {roles.ENTERPRISE_OFFICER}


def test_a_flapping_sensor_keeps_one_alarm_that_moves_up_and_down(rig):
    send(rig, "methane", 0.8, 0.1, 0.8, 0.1, start=900, step=120)
    send(rig, "methane", 1.2, 0.1, 1.1, start=400, step=120)
    alarm = open_alarms(rig, "methane").get()
    assert alarm.level_name == "orange"
    send(rig, "methane", 0.6, 0.2, 0.6, start=50, step=10)
    alarm.refresh_from_db()
    assert (alarm.level_name, alarm.peak_level) == ("blue", 3)
    kinds = list(alarm.events.values_list("kind", flat=True))
    assert kinds.count("raised") == 1 and "escalated" in kinds and "deescalated" in kinds
    assert Alarm.objects.filter(sensor=rig.sensors["methane"], rule=Alarm.THRESHOLD).count() == 1


def test_an_alarm_clears_after_normal_readings_for_the_hold_time_and_can_rise_again(rig, settings):
    settings.MONITORING_CLEAR_AFTER_SECONDS = 300
    send(rig, "methane", 1.1, start=1000)
    send(rig, "methane", *([0.2] * 20), start=700, step=10)  # normal for 190 s: not yet
    alarm = open_alarms(rig, "methane").get()
    assert alarm.status == Alarm.RAISED
    send(rig, "methane", *([0.2] * 15), start=500, step=10)  # now normal for 340 s
    alarm.refresh_from_db()
    assert alarm.status == Alarm.CLEARED and alarm.cleared_at is not None
    assert SensorState.objects.get(sensor=rig.sensors["methane"]).alarm_level == 0
    send(rig, "methane", 0.8, start=300)
    alarm.refresh_from_db()
    assert (alarm.status, alarm.level_name) == (Alarm.RAISED, "yellow")
    assert Alarm.objects.filter(sensor=rig.sensors["methane"], rule=Alarm.THRESHOLD).count() == 1


def test_an_alarm_raised_and_cleared_within_one_batch(rig, settings):
    settings.MONITORING_CLEAR_AFTER_SECONDS = 300
    result = send(rig, "methane", 1.1, *([0.2] * 35), start=600, step=10)
    alarm = open_alarms(rig, "methane").get()
    # The fall from 1.1 % also broke the rate limit: that alarm too was raised and cleared.
    assert alarm.pk in result.alarms.raised and len(result.alarms.raised) == result.alarms.cleared == 2
    assert alarm.status == Alarm.CLEARED and alarm.normal_since_ms is not None
    assert list(alarm.events.values_list("kind", flat=True)) == ["raised", "cleared"]
    actions = AuditEntry.objects.filter(object_type="monitoring.alarm", object_id=str(alarm.pk))
    assert sorted(actions.values_list("action", flat=True)) == ["alarm.cleared", "alarm.raised"]
    assert not jobs.pending_deadlines(alarm).exists()
    assert SensorState.objects.get(sensor=rig.sensors["methane"]).alarm_level == 0


def test_a_batch_costs_the_same_statements_for_two_alarms_or_five(rig, other_rig):
    """A batch's alarms, messages, events, audit entries and deadlines are written a table at a time."""
    statements = []
    for each, kinds in ((rig, ["methane"]), (other_rig, ["methane", "pressure", "o2"])):
        spike = {"methane": (0.5, 1.6), "pressure": (0.5, 9.9), "o2": (20.9, 15.0)}
        readings = [
            {"sensor": each.sensors[kind].code, "ts": stamp(60 - i * 10), "value": value}
            for kind in kinds
            for i, value in enumerate(spike[kind])
        ]
        with CaptureQueriesContext(connection) as queries:
            result = pipeline.ingest_body(each.gateway, orjson.dumps(readings), now=NOW)
        statements.append(len(queries.captured_queries))
        assert len(result.alarms.raised) == (2 if len(kinds) == 1 else 5)
    assert statements[0] == statements[1]


def test_a_low_limit_alarm_for_oxygen(rig):
    send(rig, "o2", 20.9, 18.4, 20.9)
    alarm = open_alarms(rig, "o2").get()
    assert alarm.level_name == "orange" and alarm.peak_value == 18.4


def test_the_rate_rule_is_its_own_alarm(rig):
    send(rig, "pressure", 0.50, 0.52, 0.95, step=60)  # +0.43 MPa in a minute, still under 1.0
    assert not open_alarms(rig, "pressure").exists()
    alarm = open_alarms(rig, "pressure", Alarm.RATE).get()
    assert alarm.rule == Alarm.RATE and alarm.level_name == "yellow"


def test_acknowledge_and_close(rig, county_admin):
    send(rig, "methane", 1.0)
    alarm = open_alarms(rig, "methane").get()
    with pytest.raises(Conflict):
        alarms.close(county_admin, alarm.pk, "已处置")
    alarms.acknowledge(county_admin, alarm.pk, "已通知矿井调度")
    alarm.refresh_from_db()
    assert alarm.status == Alarm.ACKNOWLEDGED and alarm.acknowledged_by == county_admin
    assert not jobs.pending_deadlines(alarm).filter(kind=alarms.ACK_OVERDUE).exists()
    with pytest.raises(InvalidInput):
        alarms.close(county_admin, alarm.pk, "  ")
    alarms.close(county_admin, alarm.pk, "停止采掘作业，加强通风后甲烷浓度恢复正常")
    alarm.refresh_from_db()
    assert alarm.status == Alarm.CLOSED and alarm.disposal_note.startswith("停止采掘")
    assert AuditEntry.objects.filter(action="alarm.closed", actor=county_admin).exists()
    # After closing, a new excursion opens a new alarm.
    send(rig, "methane", 1.0, start=100)
    assert Alarm.objects.filter(sensor=rig.sensors["methane"], rule=Alarm.THRESHOLD).count() == 2


def test_an_unacknowledged_alarm_is_reported_one_tier_up_then_to_the_city(rig, settings):
    send(rig, "methane", 0.8)
    alarm = open_alarms(rig, "methane").get()
    assert alarm.notified_tier == alarms.ENTERPRISE_TIER
    timeout = timedelta(seconds=settings.MONITORING_ACK_TIMEOUT_SECONDS)
    jobs.run_due(NOW + timeout + timedelta(seconds=1))
    alarm.refresh_from_db()
    assert alarm.notified_tier == alarms.COUNTY_TIER
    jobs.run_due(NOW + 2 * timeout + timedelta(seconds=2))
    alarm.refresh_from_db()
    assert alarm.notified_tier == alarms.CITY_TIER
    assert alarm.events.filter(kind="overdue").count() == 2


def test_a_silent_sensor_goes_offline_once_and_comes_back(rig):
    send(rig, "pressure", 0.5, start=30)
    state = SensorState.objects.get(sensor=rig.sensors["pressure"])
    assert state.online
    later = NOW + timedelta(seconds=rig.sensors["pressure"].offline_after_s or 300, minutes=5)
    jobs.run_due(later)
    jobs.run_due(later + timedelta(minutes=5))
    offline = Alarm.objects.filter(sensor=rig.sensors["pressure"], rule=Alarm.OFFLINE)
    assert offline.count() == 1 and offline.get().status == Alarm.RAISED
    assert not SensorState.objects.get(sensor=rig.sensors["pressure"]).online
    readings = [
        {
            "sensor": rig.sensors["pressure"].code,
            "ts": (later - timedelta(seconds=5)).isoformat(),
            "value": 0.5,
        }
    ]
    pipeline.ingest_body(rig.gateway, orjson.dumps(readings), now=later)
    assert offline.get().status == Alarm.CLEARED
    assert SensorState.objects.get(sensor=rig.sensors["pressure"]).online
    # Silent again before anyone closed it: the same alarm is raised again.
    jobs.run_due(later + timedelta(hours=1))
    assert offline.count() == 1 and offline.get().status == Alarm.RAISED


def test_a_rain_gauge_reaching_the_orange_signal_raises_a_window_alarm(demo, county_admin):
    site = services.create_site(
        None,
        code="TEST-RAIN-1",
        name="测试雨量站",
        kind="rain_gauge",
        region_code="140902",
        longitude=112.7,
        latitude=38.4,
    )
    issued = services.create_gateway(None, name="test-hydro", title="测试水文网", region_code="140902")
    sensor = services.create_sensor(
        None,
        code="TEST-RAIN-1-P",
        name="雨量",
        kind="rainfall",
        gateway_id=issued.gateway.pk,
        site_id=site.pk,
    )
    # 5-minute amounts: 36 intervals over 3 h, 61 mm in all.
    amounts = [1.5] * 24 + [2.083333] * 12
    readings = [
        {"sensor": sensor.code, "ts": stamp(3 * 3600 - 300 * (i + 1) + 60), "value": v}
        for i, v in enumerate(amounts)
    ]
    result = pipeline.ingest_body(issued.gateway, orjson.dumps(readings), now=NOW)
    assert result.accepted == 36
    alarm = Alarm.objects.get(sensor=sensor)
    assert (alarm.rule, alarm.level_name, alarm.window_h) == ("window", "orange", 3)
    assert alarm.peak_value == pytest.approx(61.0, abs=0.01)
    # A county's own, stricter criterion takes over for its gauges.
    services.set_window_rules(
        county_admin, "140902", "rainfall", "sum", [{"level": "red", "window_h": 3, "threshold": 60}]
    )
    more = [{"sensor": sensor.code, "ts": stamp(30), "value": 0.2}]
    pipeline.ingest_body(issued.gateway, orjson.dumps(more), now=NOW)
    alarm.refresh_from_db()
    assert alarm.level_name == "red"


def test_people_outside_the_alarm_cannot_handle_it(rig, other_county_admin):
    from yingji.core.errors import Forbidden, NotFound

    send(rig, "methane", 1.0)
    alarm = open_alarms(rig, "methane").get()
    with pytest.raises(NotFound):
        alarms.acknowledge(other_county_admin, alarm.pk)
    reporter = User.objects.filter(role=roles.DISASTER_REPORTER, region__code="140902").first()
    if reporter is not None:
        with pytest.raises(Forbidden):  # sees the county's records, does not handle alarms
            alarms.acknowledge(reporter, alarm.pk)
