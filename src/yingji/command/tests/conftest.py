"""Helpers for the duty rota's tests: the demo's rooms and the shift on now."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from yingji.command import services
from yingji.command.models import DutyPost, Shift
from yingji.core.models import User

COUNTY = "140902"  # 忻府区
OTHER = "140921"  # 定襄县


def user(username: str) -> User:
    return User.objects.select_related("region").get(username=username)


def post_of(code: str) -> DutyPost:
    return DutyPost.objects.select_related("region").get(region_id=code)


def shift_now(code: str) -> Shift:
    shift = services.current_shift(post_of(code))
    assert shift is not None, f"the demo rota of {code} covers now"
    return shift


def people_on(shift: Shift) -> set[str]:
    return {shift.leader.username, *shift.officers.values_list("username", flat=True)}


def no_rota_now(code: str) -> None:
    Shift.objects.filter(
        post__region_id=code, starts_at__lte=timezone.now(), ends_at__gt=timezone.now()
    ).delete()


@pytest.fixture
def xinfu(demo: None) -> DutyPost:
    return post_of(COUNTY)


@pytest.fixture
def county_duty(demo: None) -> Any:
    return user(f"demo-duty-{COUNTY}")
