"""The monitoring demo: sensors in every county, hours of history through the pipeline, and the story's
four alarms in the states a newcomer should find them in."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from itertools import pairwise

import pytest
from django.contrib.auth.hashers import make_password

from yingji.core import roles
from yingji.core.demo import DemoContext, demo_clock, demo_steps
from yingji.core.models import AuditEntry, Notification, Region, User
from yingji.enterprises.models import HAZARDOUS_CHEMICALS
from yingji.monitoring import demo, rainsignal
from yingji.monitoring.models import (
    Alarm,
    AlarmEvent,
    Gateway,
    Reading,
    ReadingMinute,
    Sensor,
    SensorState,
    Site,
    ThresholdRule,
)
from yingji.monitoring.sensortypes import ORANGE, RED, YELLOW

pytestmark = pytest.mark.usefixtures("demo")

DEMO_ALARMS = Alarm.objects.filter(sensor__gateway__name__startswith="demo-")


def in_county(queryset, code: str, field: str = "region"):
    return queryset.filter(**{f"{field}__path__contains": f"/{code}/"})


@pytest.mark.parametrize("county", ["140902", "140921"])
def test_each_test_county_has_a_site_gateway_sensor_and_alarm(county):
    assert in_county(Site.objects, county).filter(kind=Site.RAIN_GAUGE).exists()
    assert Gateway.objects.filter(name=f"demo-hydro-{county}", region_id=county).exists()
    assert in_county(Sensor.objects, county).filter(enterprise__isnull=False).exists()
    assert in_county(Sensor.objects, county).filter(site__isnull=False).exists()
    assert in_county(DEMO_ALARMS, county).exists()


def test_every_county_has_rain_gauges_and_a_duty_officer():
    for county in Region.objects.filter(parent_id="140900", level="county"):
        assert in_county(Site.objects, county.code).filter(kind=Site.RAIN_GAUGE).count() >= 3
        officer = User.objects.get(username=f"demo-duty-{county.code}")
        assert officer.role == roles.DUTY_OFFICER and officer.region_id == county.code


def test_coal_mine_and_installation_sensors_have_readable_codes_and_own_limits():
    methane = (
        Sensor.objects.filter(code__startswith="MJ", kind="methane").select_related("enterprise").first()
    )
    assert methane.enterprise.industry == "coal_mine"
    assert methane.code == f"MJ{methane.enterprise_id}-CH4-01"
    main_return = Sensor.objects.get(code=f"MJ{methane.enterprise_id}-CH4-04")
    assert ThresholdRule.objects.get(sensor=main_return).high_orange == 0.75  # 《煤矿安全规程》 art. 172
    gauge = Sensor.objects.filter(kind="water_level").first()
    rule = ThresholdRule.objects.get(sensor=gauge)
    assert f"{rule.high_yellow:.2f} m" in gauge.location and f"{rule.high_orange:.2f} m" in gauge.location


def test_history_is_six_hours_a_minute_apart_and_rain_a_day_in_five_minute_amounts():
    face = Sensor.objects.filter(code__endswith="-CH4-02").first()
    stamps = list(Reading.objects.filter(sensor_id=face.pk).order_by("ts").values_list("ts", flat=True))
    assert len(stamps) == demo.HISTORY_MINUTES and stamps[-1] == demo_clock().now_ms
    assert {b - a for a, b in pairwise(stamps)} == {60_000}
    gauge = Sensor.objects.filter(kind="rainfall").last()
    stamps = list(Reading.objects.filter(sensor_id=gauge.pk).order_by("ts").values_list("ts", flat=True))
    assert len(stamps) == 24 * 12 and {b - a for a, b in pairwise(stamps)} == {300_000}


def test_the_demo_raises_only_the_four_alarms_of_its_story():
    assert sorted(DEMO_ALARMS.values_list("rule", flat=True)) == sorted(
        [Alarm.THRESHOLD, Alarm.THRESHOLD, Alarm.WINDOW, Alarm.OFFLINE]
    )


def test_the_methane_excursion_reached_red_and_the_mines_officer_closed_it_with_a_note():
    alarm = DEMO_ALARMS.select_related("sensor", "closed_by").get(
        rule=Alarm.THRESHOLD, sensor__kind="methane"
    )
    assert alarm.status == Alarm.CLOSED and alarm.peak_level == RED
    assert alarm.disposal_note == demo.methane_note(demo_clock().story(demo.METHANE_STARTS))
    officer = alarm.closed_by
    assert (
        officer.role == roles.ENTERPRISE_OFFICER and officer.organization_id == alarm.sensor.organization_id
    )
    assert alarm.acknowledged_by == officer
    kinds = list(alarm.events.order_by("id").values_list("kind", flat=True))
    assert (
        kinds.index("raised")
        < kinds.index("escalated")
        < kinds.index("acknowledged")
        < kinds.index("cleared")
    )
    assert kinds[-1] == "closed"
    story = demo_clock().story
    assert alarm.raised_at == story(datetime(2026, 11, 29, 5, 12, tzinfo=demo.BEIJING))  # first ≥ 0.5 %
    assert alarm.cleared_at == story(datetime(2026, 11, 29, 5, 27, tzinfo=demo.BEIJING))  # 5 min after 05:22


def test_the_rainstorm_reached_the_orange_3_hour_criterion_and_is_cleared_but_not_closed():
    alarm = DEMO_ALARMS.select_related("sensor").get(rule=Alarm.WINDOW)
    assert alarm.sensor.region.path.startswith(Region.objects.get(code=demo.STORM_COUNTY).path)
    assert alarm.status == Alarm.CLEARED and alarm.closed_at is None
    assert alarm.peak_level == ORANGE
    assert alarm.events.get(kind="raised").level == ORANGE
    readings = [
        rainsignal.RainReading(datetime.fromtimestamp(ts / 1000, tz=UTC), mm)
        for ts, mm in Reading.objects.filter(sensor_id=alarm.sensor_id).values_list("ts", "value")
    ]
    signal = rainsignal.highest_signal(readings)
    assert (signal.level, signal.window_h) == ("orange", 3)
    duty = User.objects.get(username=f"demo-duty-{demo.STORM_COUNTY}")
    assert Notification.objects.filter(recipient=duty, object_id=str(alarm.pk)).exists()


def test_a_reactor_pressure_alarm_at_a_chemical_plant_is_open_at_yellow():
    alarm = DEMO_ALARMS.select_related("sensor__enterprise").get(
        rule=Alarm.THRESHOLD, sensor__kind="pressure"
    )
    assert alarm.status == Alarm.RAISED and alarm.level == YELLOW
    assert alarm.sensor.enterprise.industry == HAZARDOUS_CHEMICALS
    assert alarm.sensor.hazard_unit_id is not None
    assert alarm.region.path.startswith(Region.objects.get(code=demo.PRESSURE_COUNTY).path)


def test_a_detector_silent_for_two_hours_is_offline():
    alarm = DEMO_ALARMS.get(rule=Alarm.OFFLINE)
    assert alarm.status == Alarm.RAISED
    state = SensorState.objects.get(sensor_id=alarm.sensor_id)
    assert state.last_ts == int(demo_clock().story(demo.SILENT_FROM).timestamp() * 1000) and not state.online


def test_no_demo_sensor_counts_as_online_after_demo_now():
    """Else the first worker pass would raise an offline alarm for every one of them."""
    assert not SensorState.objects.filter(sensor__gateway__name__startswith="demo-", online=True).exists()


def test_running_the_monitoring_step_again_changes_nothing():
    counted = (Site, Gateway, Sensor, ThresholdRule, Reading, ReadingMinute, Alarm, AlarmEvent, Notification)
    before = {model: model.objects.count() for model in counted}
    audit_before = AuditEntry.objects.count()
    step = next(step for _, name, step in demo_steps() if name == "监测报警")
    step(DemoContext(1, random.Random("1:监测报警"), lambda name: None, make_password("x")))
    assert {model: model.objects.count() for model in counted} == before
    assert AuditEntry.objects.count() == audit_before
