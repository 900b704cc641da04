"""Fixtures of the risk tests: demo enterprises of the two test counties and their officers."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import COUNTY_A, COUNTY_B

from yingji.core import roles
from yingji.core.models import User
from yingji.enterprises.models import Enterprise


def enterprises_in(county: str) -> Any:
    return (
        Enterprise.objects.filter(region__path__contains=f"/{county}/")
        .select_related("region")
        .order_by("id")
    )


def officer_of(enterprise: Enterprise) -> User:
    return User.objects.select_related("region").get(
        organization_id=enterprise.organization_id, role=roles.ENTERPRISE_OFFICER
    )


@pytest.fixture
def enterprise_a(demo: None) -> Enterprise:
    return enterprises_in(COUNTY_A).first()


@pytest.fixture
def enterprise_b(demo: None) -> Enterprise:
    return enterprises_in(COUNTY_B).first()


@pytest.fixture
def officer_a(enterprise_a: Enterprise) -> User:
    return officer_of(enterprise_a)


@pytest.fixture
def department_staff(demo: None) -> User:
    return User.objects.select_related("region").get(username="demo-dept-housing")


def lec_point(**overrides: Any) -> dict[str, Any]:
    """The fields of a new LEC point scoring D = 3 × 6 × 15 = 270 (较大 under the default banding)."""
    return {"name": "测试风险点", "kind": "place", "method": "lec", "l": 3, "e": 6, "c": 15, **overrides}
