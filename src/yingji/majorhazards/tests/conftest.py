"""Fixtures of the major-hazard tests: demo enterprises of the two test counties and their officers."""

from __future__ import annotations

from typing import Any

import pytest

from yingji.core import roles
from yingji.core.models import User
from yingji.enterprises.models import Enterprise

COUNTY_A = "140902"  # 忻府区
COUNTY_B = "140921"  # 定襄县


def _enterprise(county: str, word: str) -> Enterprise:
    return (
        Enterprise.objects.filter(region__path__contains=f"/{county}/", name__contains=word)
        .select_related("organization", "region")
        .order_by("id")
        .first()
    )


@pytest.fixture
def station_a(demo: None) -> Enterprise:
    """A gas station in 忻府区 (its register entry is not a major hazard)."""
    return _enterprise(COUNTY_A, "加油站")


@pytest.fixture
def station_b(demo: None) -> Enterprise:
    return _enterprise(COUNTY_B, "加油站")


@pytest.fixture
def officer_a(station_a: Enterprise) -> Any:
    return User.objects.get(role=roles.ENTERPRISE_OFFICER, organization=station_a.organization)


@pytest.fixture
def reporter_a(demo: None) -> Any:
    return User.objects.get(username=f"demo-reporter-{COUNTY_A}")


@pytest.fixture
def department_staff(demo: None) -> Any:
    return User.objects.get(username="demo-dept-housing")
