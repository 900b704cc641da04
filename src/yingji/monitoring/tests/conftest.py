"""Fixtures of the monitoring tests: a gateway of a demo coal mine with a few sensors of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from yingji.enterprises.models import Enterprise
from yingji.monitoring import services
from yingji.monitoring.models import Gateway, Sensor

# A fixed "now" for the pipeline: readings are stamped relative to it.
NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def stamp(seconds_before_now: float) -> str:
    """An ISO-8601 timestamp in Beijing time, `seconds_before_now` before NOW."""
    moment = NOW - timedelta(seconds=seconds_before_now)
    return moment.astimezone(datetime.fromisoformat("2026-01-01T00:00:00+08:00").tzinfo).isoformat()


@dataclass
class Rig:
    """A gateway with its key, its enterprise and its sensors by kind."""

    gateway: Gateway
    key: str
    enterprise: Any
    sensors: dict[str, Sensor]


def make_rig(enterprise: Enterprise, name: str) -> Rig:
    issued = services.create_gateway(
        None, name=name, title=f"{enterprise.name}监测系统", enterprise_id=enterprise.pk
    )
    sensors = {
        kind: services.create_sensor(
            None,
            code=f"{name}-{kind}",
            name=f"测试{kind}",
            kind=kind,
            gateway_id=issued.gateway.pk,
            enterprise_id=enterprise.pk,
        )
        for kind in ("methane", "o2", "pressure")
    }
    return Rig(issued.gateway, issued.key, enterprise, sensors)


@pytest.fixture
def rig(demo: None) -> Rig:
    """A gateway of an enterprise in county 140902 with methane, O2 and pressure sensors."""
    enterprise = Enterprise.objects.filter(region__path__contains="/140902/").order_by("id").first()
    assert enterprise is not None
    return make_rig(enterprise, "test-gw-a")


@pytest.fixture
def other_rig(demo: None) -> Rig:
    """The same in county 140921."""
    enterprise = Enterprise.objects.filter(region__path__contains="/140921/").order_by("id").first()
    assert enterprise is not None
    return make_rig(enterprise, "test-gw-b")


def recent(seconds_ago: float) -> str:
    """A timestamp `seconds_ago` before the real clock, for requests the pipeline stamps with real now."""
    from django.utils import timezone

    return (timezone.now() - timedelta(seconds=seconds_ago)).isoformat()
