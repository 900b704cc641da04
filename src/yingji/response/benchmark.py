"""The command benchmark's measurements, run inside a database that holds the demo (`benchmarks/command.py`
builds a scratch one; the smoke test uses the test demo at a small scale).

- `intake_figures`: an incident saved and its recommendation ready (the nearest 5 of each kind, the
  population within 5 km): p95 of `runs`, each rolled back;
- `screen_figures`: with `open_incidents` incidents responding and at least `teams` teams, the data of
  the command screen for one incident (the incident and the response's sections): p95;
- `sms_figures`: from a dispatch order's issue to its SMS queued in the outbox: p95 (each rolled back).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone

from yingji.command.incidents import sections_for
from yingji.command.models import Incident
from yingji.core.models import Region, User
from yingji.messaging.models import Delivery
from yingji.resources import kinds
from yingji.resources.models import Team
from yingji.response import dispatch, recommend, services

CITY = "140900"


class _Rollback(Exception):
    pass


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def city_user() -> User:
    return User.objects.select_related("region").get(username="demo-city")


def _rolled_back(work: Callable[[], float]) -> float:
    """Run `work` in a transaction that is undone, and answer what it measured."""
    box: list[float] = []
    try:
        with transaction.atomic():
            box.append(work())
            raise _Rollback
    except _Rollback:
        pass
    return box[0]


def _points(count: int) -> list[tuple[Region, float, float]]:
    """Places for incidents: beside the demo's teams, spread over the counties, inside the city (the
    intake refuses a point outside it, and a team near the boundary has its neighbour outside)."""
    from yingji.geography import locate

    teams = list(Team.objects.select_related("region").order_by("region_id", "pk"))
    step = max(1, len(teams) // max(count, 1))
    places = [
        (team.region, team.longitude + 0.02, team.latitude + 0.01)
        for team in teams[::step] + teams
        if locate.county_code_at(team.longitude + 0.02, team.latitude + 0.01) is not None
    ]
    return [places[i % len(places)] for i in range(count)]


def _incident(user: User, lon: float, lat: float, n: int) -> Incident:
    """An incident taken in as a duty officer does (接报): checked, placed, numbered, logged, audited,
    told to the people on duty, with its possible duplicates looked up."""
    from yingji.command import incident_services

    now = timezone.now()
    return incident_services.take_in(
        user,
        title=f"压测事件 {n}",
        category=Incident.ACCIDENT,
        subtype="危险化学品事故",
        source=Incident.PHONE,
        longitude=lon,
        latitude=lat,
        occurred_at=now - timedelta(minutes=10),
        known_at=now - timedelta(minutes=5),
        now=now,
    ).incident


def intake_figures(runs: int) -> dict[str, Any]:
    user = city_user()
    points = _points(runs)
    seconds, found = [], []

    def once(index: int) -> float:
        _region, lon, lat = points[index]
        started = time.perf_counter()
        incident = _incident(user, lon, lat, index)
        answer = recommend.recommend(user, incident, limit=5)
        elapsed = time.perf_counter() - started
        found.append(answer)
        return elapsed

    recommend.recommend(user, _rolled_back_incident(user, points[0]), limit=5)  # loads the network and grid
    for index in range(runs):
        seconds.append(_rolled_back(lambda index=index: once(index)))
    return {
        "intake_recommendation_s": round(p95(seconds), 4),
        "intake_recommendation_median_s": round(sorted(seconds)[len(seconds) // 2], 4),
        "intake_runs": runs,
        "intake_teams_found_min": min(len(a.teams) for a in found),
        "intake_population_5km_median": sorted(a.population.get("5", 0) for a in found)[len(found) // 2],
    }


def _rolled_back_incident(user: User, point: tuple[Region, float, float]) -> Incident:
    region, lon, lat = point
    return Incident(
        region=region, longitude=lon, latitude=lat, category=Incident.ACCIDENT, subtype="危险化学品事故"
    )


def ensure_teams(count: int) -> int:
    """At least `count` teams standing by (copies of the demo's, a little apart): the screen's scale."""
    have = Team.objects.count()
    if have >= count:
        return have
    models = list(Team.objects.order_by("pk")[: count - have])
    extra = []
    for i in range(count - have):
        model = models[i % len(models)]
        extra.append(
            Team(
                name=f"{model.name} 压测{i}",
                kind=model.kind,
                organization_id=model.organization_id,
                region_id=model.region_id,
                longitude=model.longitude + 0.003 * (i % 10 + 1),
                latitude=model.latitude + 0.002 * (i % 7 + 1),
                headcount=model.headcount,
                status=kinds.STANDBY,
            )
        )
    Team.objects.bulk_create(extra)
    return Team.objects.count()


def open_incidents(count: int) -> list[Incident]:
    """`count` incidents responding, each with its checklist tasks, a due report and two teams sent."""
    user = city_user()
    incidents = []
    for index, (_region, lon, lat) in enumerate(_points(count)):
        incident = _incident(user, lon, lat, 100_000 + index)
        services.launch_response(user, incident.pk, level=4, sitrep_every_hours=2)
        for item in recommend.recommend(user, incident, limit=2).teams:
            dispatch.issue_order(user, incident.pk, team_id=item.candidate.id)
        incidents.append(incident)
    return incidents


def screen_figures(incidents: list[Incident], runs: int) -> dict[str, Any]:
    user = city_user()
    factory = RequestFactory()
    seconds = []
    for index in range(runs):
        target = incidents[index % len(incidents)]
        request = factory.get(f"/command/incidents/{target.pk}/screen/")
        request.user = user
        started = time.perf_counter()
        incident = (
            Incident.objects.visible_to(user).select_related("region", "organization").get(pk=target.pk)
        )
        sections = sections_for(request, incident, screen=True)
        seconds.append(time.perf_counter() - started)
        assert sections
    return {
        "screen_s": round(p95(seconds), 4),
        "screen_runs": runs,
        "screen_open_incidents": Incident.objects.filter(status=Incident.RESPONDING).count(),
        "screen_teams": Team.objects.count(),
    }


def sms_figures(incidents: list[Incident], runs: int) -> dict[str, Any]:
    user = city_user()
    seconds = []

    def once(incident: Incident) -> float:
        team = Team.objects.filter(status=kinds.STANDBY).order_by("pk").first()
        assert team is not None
        if not team.phone:
            Team.objects.filter(pk=team.pk).update(phone="13800000000")
        started = time.perf_counter()
        order = dispatch.issue_order(user, incident.pk, team_id=team.pk)
        queued = Delivery.objects.about(order).filter(channel=Delivery.SMS).exists()
        elapsed = time.perf_counter() - started
        assert queued
        return elapsed

    for index in range(runs):
        seconds.append(_rolled_back(lambda index=index: once(incidents[index % len(incidents)])))
    return {"sms_queued_s": round(p95(seconds), 4), "sms_runs": runs}
