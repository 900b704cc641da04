"""`yingji simulate`: live readings for the demo's sensors, in-process or over HTTP, with anomalies that
raise alarms. A fake clock runs the simulated seconds without waiting."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from yingji.core.demo import demo_clock
from yingji.core.models import AuditEntry
from yingji.enterprises.models import Enterprise
from yingji.monitoring import services, simulate
from yingji.monitoring.models import Alarm, Gateway, Reading
from yingji.monitoring.sensortypes import RED

pytestmark = pytest.mark.usefixtures("demo")

# Just after the demo's history ends, and so never ahead of the wall clock by more than the tolerance.
START = demo_clock().now + timedelta(minutes=1)


def run(seconds: float, *, rate: float, anomaly_every_s: float = 0, sender=None, seed: int = 3):
    clock = simulate.FakeClock(START)
    lines: list[str] = []
    simulator = simulate.Simulator(
        simulate.demo_streams(START),
        sender or simulate.InProcessSender(),
        rate=rate,
        anomaly_every_s=anomaly_every_s,
        seed=seed,
        clock=clock,
        report=lines.append,
    )
    return simulator, simulator.run(seconds), lines, clock


def test_it_streams_about_rate_readings_a_second_and_reports_each_second():
    before = Reading.objects.count()
    _, totals, lines, clock = run(2, rate=50)
    assert clock.elapsed == 2 and len(lines) == 2
    assert totals.sent == 100 and totals.answer.accepted == 100
    assert totals.answer.duplicates == totals.answer.rejected == 0
    assert Reading.objects.count() == before + 100
    assert "accepted 100" in lines[-1]


def test_readings_continue_from_each_sensors_latest_value():
    streams = {s.code: s for s in simulate.demo_streams(START)}
    face = next(code for code in streams if code.endswith("-CH4-02"))
    latest = Reading.objects.filter(sensor_id=streams[face].sensor_id).order_by("-ts").first()
    value = streams[face].next_value(int(START.timestamp() * 1000), simulate.random.Random(1))
    assert abs(value - latest.value) < 0.1


def test_quiet_sensors_raise_no_alarm_even_read_every_second():
    _, totals, _, _ = run(2, rate=1300)
    assert totals.answer.accepted == 2600
    assert not Alarm.objects.filter(created_at__gte=START).exists()


def test_a_methane_spike_raises_an_alarm_that_escalates_to_red():
    simulator, totals, lines, _ = run(9, rate=20, anomaly_every_s=1)
    kind, code = simulator.anomalies[0]
    assert kind == simulate.METHANE_SPIKE and code in lines[0]
    alarm = Alarm.objects.get(sensor__code=code, rule=Alarm.THRESHOLD, created_at__gte=START)
    assert alarm.peak_level == RED and alarm.events.filter(kind="escalated").exists()
    assert totals.alarms >= 1 and f"alarms {totals.alarms}" in lines[-1]


def test_a_broken_sensor_stays_silent():
    offline = Alarm.objects.get(sensor__gateway__name__startswith="demo-", rule=Alarm.OFFLINE)
    assert offline.sensor_id not in {stream.sensor_id for stream in simulate.demo_streams(START)}


def test_over_http_each_gateway_posts_with_its_own_new_key():
    client = Client()

    def post(path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        response = client.post(
            path, body, content_type="application/json", HTTP_AUTHORIZATION=headers["Authorization"]
        )
        return response.status_code, response.content

    streams = simulate.demo_streams(START)
    old_digests = dict(Gateway.objects.values_list("pk", "digest"))
    keys = simulate.issue_demo_keys({stream.gateway_id for stream in streams})
    assert len(keys) == len({stream.gateway_id for stream in streams})
    assert all(Gateway.objects.get(pk=pk).digest != old_digests[pk] for pk in keys)
    assert AuditEntry.objects.filter(action="gateway.key_rotated").count() >= len(keys)
    before = Reading.objects.count()
    sender = simulate.HttpSender("http://testserver", keys, post=post)
    _, totals, _, _ = run(2, rate=40, sender=sender)
    assert totals.sent == 80 and totals.answer.accepted == 80
    assert Reading.objects.count() == before + 80


def test_a_refused_batch_stops_the_run_with_the_servers_answer():
    streams = simulate.demo_streams(START)
    keys = dict.fromkeys({stream.gateway_id for stream in streams}, "yjg_wrong")
    sender = simulate.HttpSender(
        "http://testserver", keys, post=lambda *_: (401, b'{"code": "not_authenticated"}')
    )
    with pytest.raises(simulate.SimulateError, match="401"):
        run(1, rate=10, sender=sender)


def test_only_demo_gateways_get_new_keys():
    enterprise = Enterprise.objects.order_by("id").first()
    real = services.create_gateway(None, name="plant-scada", title="真实网关", enterprise_id=enterprise.pk)
    assert simulate.issue_demo_keys([real.gateway.pk]) == {}
    assert Gateway.objects.get(pk=real.gateway.pk).digest == real.gateway.digest


def test_the_command_refuses_a_bad_rate():
    with pytest.raises(CommandError):
        call_command("simulate", "--rate", "0", "--seconds", "1")


def test_the_command_runs_for_the_seconds_asked_and_sums_up():
    out = StringIO()
    call_command("simulate", "--rate", "10", "--seconds", "1", "--anomaly-every", "0", stdout=out)
    text = out.getvalue()
    assert "1 s  发送 sent" in text and "共发送" in text
