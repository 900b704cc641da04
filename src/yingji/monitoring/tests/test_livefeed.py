"""The demo's live feed (`yingji demo-live`, started by `make run`): the demo's sensors keep reporting on
their own schedules through the pipeline, and an anomaly soon raises an alarm. Steps are called with the
moments the test chooses: nothing sleeps."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from yingji.core.demo import demo_clock
from yingji.monitoring import alarms, livefeed, simulate
from yingji.monitoring.models import Alarm, Reading, SensorState
from yingji.monitoring.sensortypes import RED

pytestmark = pytest.mark.usefixtures("demo")

START = demo_clock().now + timedelta(minutes=1)


def feed(**options) -> livefeed.LiveFeed:
    return livefeed.LiveFeed(simulate.demo_streams(START), simulate.InProcessSender(), START, **options)


def run(live: livefeed.LiveFeed, seconds: int) -> list[livefeed.Step]:
    """Every step of the first `seconds`, at the feed's tick."""
    return [
        live.step(START + timedelta(seconds=tick))
        for tick in range(livefeed.TICK_S, seconds + 1, livefeed.TICK_S)
    ]


def test_each_sensor_reports_about_every_half_of_its_offline_time():
    assert livefeed.report_every_s(120) == 60  # gas detectors
    assert livefeed.report_every_s(300) == 120  # tanks, pressures, temperatures
    assert livefeed.report_every_s(900) == 300  # rain, river and slope gauges
    assert livefeed.report_every_s(40) == 20  # a sensor set to go offline sooner than the steps allow


def test_a_step_writes_only_the_readings_due_and_the_pipeline_takes_them_all():
    live = feed(anomaly_every_s=0)
    before = Reading.objects.count()
    steps = run(live, 60)
    assert all(step.rejected == 0 and step.accepted == step.sent for step in steps)
    assert Reading.objects.count() == before + sum(step.sent for step in steps)
    assert 0 < max(step.sent for step in steps) < len(live.streams) / 2  # spread over the minute


def test_within_the_first_minute_every_demo_sensor_reports_once_and_is_online():
    live = feed(anomaly_every_s=0)
    sent = sum(step.sent for step in run(live, 60 - livefeed.TICK_S))  # gateways start on the minute's ticks
    assert sent == len(live.streams)
    fed = [stream.sensor_id for stream in live.streams]
    assert SensorState.objects.filter(sensor_id__in=fed, online=True).count() == len(fed)


def test_values_move_on_from_each_sensors_latest_value():
    live = feed(anomaly_every_s=0)
    latest = dict(SensorState.objects.values_list("sensor_id", "last_value"))
    run(live, 120)  # a gas detector's first reading continues its last value, the second has moved
    methane = [s for s in live.streams if s.kind == "methane"]
    moved = 0
    for stream in methane:
        reading = Reading.objects.filter(sensor_id=stream.sensor_id).order_by("-ts").first()
        assert abs(reading.value - latest[stream.sensor_id]) < 0.1
        moved += reading.value != latest[stream.sensor_id]
    assert moved > len(methane) * 0.9


def test_the_feed_keeps_every_sensor_online_past_the_offline_check():
    live = feed(anomaly_every_s=0)
    run(live, 600)
    assert alarms.detect_offline(START + timedelta(seconds=600)) == 0
    assert not Alarm.objects.filter(rule=Alarm.OFFLINE, created_at__gt=START).exists()


def test_the_first_anomaly_raises_a_red_alarm_within_a_minute():
    live = feed(first_anomaly_s=30)
    steps = run(live, 90)
    started = [step.anomaly for step in steps if step.anomaly]
    kind, code = live.anomalies[0]
    assert kind == simulate.METHANE_SPIKE and started == [f"{simulate.ANOMALY_LABELS[kind]} → {code}"]
    alarm = Alarm.objects.get(sensor__code=code, rule=Alarm.THRESHOLD, created_at__gt=START)
    assert alarm.peak_level == RED
    assert alarm.raised_at <= START + timedelta(seconds=60)


def test_the_command_stops_when_told_and_leaves_the_demo_sensors_paused():
    out = StringIO()
    call_command("demo-live", "--max-seconds", "0.001", "--anomaly-every", "0", stdout=out)
    text = out.getvalue()
    assert "live demo feed:" in text and "sensors paused" in text
    demo_states = SensorState.objects.filter(sensor__gateway__name__startswith="demo-")
    assert demo_states.exists() and not demo_states.filter(online=True).exists()
    assert alarms.detect_offline(START + timedelta(days=1)) == 0  # paused, not silent: no offline alarms
