"""Fixtures of the hazard tests: enterprises of 忻府区 with their officers, and helpers to walk the loop."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from yingji.core import roles
from yingji.core.models import User
from yingji.enterprises.models import CONSTRUCTION, HAZARDOUS_CHEMICALS, Enterprise
from yingji.hazards import services
from yingji.hazards.models import Hazard

COUNTY_A = "140902"  # 忻府区, the county of the `county_admin` fixture
COUNTY_B = "140921"  # 定襄县

PLAN = {
    "objectives": "消除隐患",
    "measures": "更换检测报警装置",
    "funds": 50000,
    "responsible_person": "王强",
    "interim_measures": "停止加油作业，专人值守",
}


def today() -> date:
    return timezone.localdate()


def in_days(days: int) -> date:
    return today() + timedelta(days=days)


def _enterprise(industry: str) -> Enterprise:
    return (
        Enterprise.objects.filter(industry=industry, region__path__contains=f"/{COUNTY_A}/")
        .select_related("region")
        .order_by("id")
        .first()
    )


def _officer(enterprise: Enterprise) -> User:
    return User.objects.select_related("region").get(
        role=roles.ENTERPRISE_OFFICER, organization_id=enterprise.organization_id
    )


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    """Attachments go to a fresh directory per test, so a test can see exactly what was stored."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def chemical(demo: None) -> Enterprise:
    """A hazardous-chemicals enterprise (加油站) of 忻府区: its major hazards must name a criterion."""
    return _enterprise(HAZARDOUS_CHEMICALS)


@pytest.fixture
def builder(demo: None) -> Enterprise:
    """A construction company of 忻府区: no criteria list applies to it."""
    return _enterprise(CONSTRUCTION)


@pytest.fixture
def officer(chemical: Enterprise) -> User:
    return _officer(chemical)


@pytest.fixture
def builder_officer(builder: Enterprise) -> User:
    return _officer(builder)


def report_major(actor: User, enterprise: Enterprise, **changes: Any) -> Hazard:
    fields = {
        "enterprise_id": enterprise.pk,
        "title": "罐区可燃气体检测报警装置失效",
        "found_on": today(),
        "grade": "major",
        "criterion_code": "chem-12",
        **changes,
    }
    return services.report_hazard(actor, **fields)


def report_general(actor: User, enterprise: Enterprise, **changes: Any) -> Hazard:
    fields = {"enterprise_id": enterprise.pk, "title": "消防通道堆放杂物", "found_on": today(), **changes}
    return services.report_hazard(actor, **fields)


def rectifying_major(officer: User, enterprise: Enterprise, deadline_days: int = 30) -> Hazard:
    hazard = report_major(officer, enterprise)
    services.save_plan(officer, hazard.pk, deadline=in_days(deadline_days), **PLAN)
    return services.start_rectification(officer, hazard.pk, deadline=in_days(deadline_days))
