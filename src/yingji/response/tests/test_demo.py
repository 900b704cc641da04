"""The demo steps on incidents like those the command demo takes in (that demo is another app's)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from yingji.command.models import Incident
from yingji.core.demo import DemoContext, demo_clock
from yingji.resources import kinds
from yingji.resources.models import Team
from yingji.response import demo as response_demo
from yingji.response import rules
from yingji.response.models import DispatchOrder, Response, SituationReport
from yingji.response.tests.conftest import OTHER, make_incident


def _context() -> DemoContext:
    import random

    return DemoContext(scale=1, rng=random.Random(1), progress=lambda _text: None, password_hash="")


def test_the_demo_steps_give_the_leak_the_fire_the_closed_one_and_the_walk_county_their_responses(demo):
    # The command demo's own incidents are set aside: the steps must find these.
    Incident.objects.filter(status__in=(Incident.REPORTED, Incident.RESPONDING)).update(
        status=Incident.CLOSED
    )
    hours_ago = demo_clock().now - timedelta(hours=3)
    leak = make_incident(title="忻州禹王化工有限公司液氯储罐泄漏", known_at=hours_ago)
    fire = make_incident(
        "140922", category=Incident.NATURAL, subtype="森林草原火灾", title="五台县山火", known_at=hours_ago
    )
    closed = make_incident("140925", subtype="道路交通事故", title="已结束的交通事故", known_at=hours_ago)
    walked = make_incident(OTHER, subtype="道路交通事故", title="定襄县交通事故", known_at=timezone.now())

    response_demo.responses(_context())
    response_demo.dispatches(_context())

    response = Response.objects.get(incident=leak)
    assert response.level == 3 and response.groups.filter(members__isnull=False).count() >= 4
    sitreps = SituationReport.objects.filter(response=response)
    assert sitreps.filter(status=SituationReport.FILED).count() == 1
    assert sitreps.filter(status=SituationReport.DUE).count() == 1
    statuses = sorted(DispatchOrder.objects.filter(incident=leak).values_list("status", "team__status"))
    assert statuses == [(rules.ARRIVED, kinds.ON_SCENE), (rules.DEPARTED, kinds.EN_ROUTE)]
    fire_response = Response.objects.get(incident=fire)
    assert fire_response.level == 3 and fire_response.level_changes.count() == 2
    assert fire_response.tasks.filter(title__contains="航空护林").exists()
    closed.refresh_from_db()
    assert closed.status == Incident.CLOSED and Response.objects.get(incident=closed).status == Response.ENDED
    assert DispatchOrder.objects.get(incident=walked).status == rules.ISSUED
    assert Team.objects.filter(name="定襄县蓝天救援队", status=kinds.STANDBY).exists()
    assert walked.material_requests.count() == 1 and leak.material_requests.count() == 1
    assert all(order.issued_at <= demo_clock().now for order in DispatchOrder.objects.all())

    response_demo.responses(_context())
    response_demo.dispatches(_context())
    assert DispatchOrder.objects.filter(incident=leak).count() == 2  # a second run changes nothing


def test_running_the_demo_steps_again_changes_nothing(demo):
    before = (Response.objects.count(), DispatchOrder.objects.count(), SituationReport.objects.count())
    response_demo.responses(_context())
    response_demo.dispatches(_context())
    assert (
        Response.objects.count(),
        DispatchOrder.objects.count(),
        SituationReport.objects.count(),
    ) == before
