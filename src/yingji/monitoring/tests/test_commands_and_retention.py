"""`yingji gateway`, the retention check and how late readings are handled."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import orjson
import pytest
from django.core.management import CommandError, call_command

from yingji.core import jobs
from yingji.monitoring import alarms, pipeline, services
from yingji.monitoring.models import Gateway, Reading, ReadingMinute

from .conftest import NOW, stamp


def test_gateway_command_prints_the_key_once_and_it_works(rig):
    out = StringIO()
    call_command(
        "gateway",
        "create",
        "cli-made",
        "--enterprise",
        str(rig.enterprise.pk),
        "--title",
        "命令行网关",
        stdout=out,
    )
    key = next(line.split(": ", 1)[1] for line in out.getvalue().splitlines() if line.startswith("key: "))
    gateway = Gateway.objects.get(name="cli-made")
    assert services.gateway_for_key(key) == gateway and key not in gateway.digest
    listing = StringIO()
    call_command("gateway", "list", stdout=listing)
    assert "cli-made" in listing.getvalue() and key not in listing.getvalue()
    call_command("gateway", "revoke", "cli-made", stdout=StringIO())
    assert services.gateway_for_key(key) is None
    with pytest.raises(CommandError):
        call_command("gateway", "create", "Bad Name", "--region", "140902", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("gateway", "rotate", "no-such-gateway", stdout=StringIO())


def test_raw_readings_past_retention_are_trimmed_and_minutes_stay(rig, settings):
    code = rig.sensors["pressure"].code
    pipeline.ingest_body(
        rig.gateway, orjson.dumps([{"sensor": code, "ts": stamp(60), "value": 0.5}]), now=NOW
    )
    sensor_id = rig.sensors["pressure"].pk
    assert Reading.objects.filter(sensor_id=sensor_id).exists()
    later = NOW + timedelta(days=settings.MONITORING_RAW_RETENTION_DAYS + 1)
    jobs.run_due(later)  # one slice per pass; the demo's older readings go first
    for _ in range(100):
        if not alarms.drop_expired_readings(later):
            break
    assert not Reading.objects.filter(sensor_id=sensor_id).exists()
    assert ReadingMinute.objects.filter(sensor_id=sensor_id).exists()


def test_late_readings_fill_gaps_but_never_move_the_latest_back(rig):
    code = rig.sensors["pressure"].code
    pipeline.ingest_body(
        rig.gateway, orjson.dumps([{"sensor": code, "ts": stamp(10), "value": 0.6}]), now=NOW
    )
    late = pipeline.ingest_body(
        rig.gateway,
        orjson.dumps(
            [
                {"sensor": code, "ts": stamp(100), "value": 0.4},
                {"sensor": code, "ts": stamp(10), "value": 0.6},
            ]
        ),
        now=NOW,
    )
    assert (late.accepted, late.duplicates) == (1, 1)
    rig.sensors["pressure"].state.refresh_from_db()
    assert rig.sensors["pressure"].state.last_value == 0.6
