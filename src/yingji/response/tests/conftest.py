"""Helpers for the response's tests: incidents made directly (the intake is the command app's), the
teams standing by near them, and a deadline's handler run at its time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from yingji.command.models import Incident
from yingji.core import jobs
from yingji.core.models import Deadline, Region, User
from yingji.resources import kinds
from yingji.resources.models import Team

COUNTY = "140902"  # 忻府区
OTHER = "140921"  # 定襄县


def user(username: str) -> User:
    return User.objects.select_related("region").get(username=username)


def township_of(code: str) -> Region:
    return Region.objects.filter(parent_id=code).order_by("code").first()


def standby_teams(code: str) -> list[Team]:
    """The county's teams standing by (the demo has at least one in each county the tests use, and two
    in 忻府区 and 定襄县, whose teams its incidents leave at home)."""
    teams = list(Team.objects.filter(region__path__contains=code, status=kinds.STANDBY).order_by("pk"))
    assert teams, f"the demo has a team standing by in {code}"
    return teams


def near_team(code: str, kind: str | None = None) -> Team:
    """A team of the county standing by (of `kind` if the county has one): incidents are placed beside it."""
    teams = standby_teams(code)
    return next((team for team in teams if team.kind == kind), teams[0])


_numbers = iter(range(1, 10_000))


def make_incident(
    code: str = COUNTY,
    *,
    category: str = Incident.ACCIDENT,
    subtype: str = "危险化学品事故",
    title: str = "某化工企业储罐泄漏",
    point: tuple[float, float] | None = None,
    known_at: datetime | None = None,
    status: str = Incident.REPORTED,
) -> Incident:
    known = known_at or timezone.now() - timedelta(minutes=30)
    if point is None:
        team = Team.objects.filter(region__path__contains=code).order_by("pk").first()
        assert team is not None, f"the demo has a team in {code}"
        point = (team.longitude + 0.01, team.latitude + 0.01)
    return Incident.objects.create(
        number=f"SJT{code}{next(_numbers):05d}",
        title=title,
        category=category,
        subtype=subtype,
        source=Incident.PHONE,
        region=township_of(code),
        longitude=point[0],
        latitude=point[1],
        occurred_at=known - timedelta(minutes=5),
        known_at=known,
        reported_by=User.objects.get(username=f"demo-county-{code}"),
        status=status,
    )


@pytest.fixture
def incident(demo: None) -> Incident:
    return make_incident()


@pytest.fixture
def other_incident(demo: None) -> Incident:
    return make_incident(OTHER, title="定襄县某路段交通事故", subtype="道路交通事故")


def pending(kind: str, instance: Any) -> Deadline:
    return jobs.pending_deadlines(instance).get(kind=kind)


def run_deadline(kind: str, instance: Any, handler: Callable[[Any, datetime], None]) -> datetime:
    """Run the pending deadline `kind` of `instance` at its time through its handler, as the worker would."""
    deadline = pending(kind, instance)
    handler(deadline, deadline.due_at)
    return deadline.due_at
