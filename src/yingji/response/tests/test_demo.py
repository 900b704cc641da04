"""The demo steps on incidents like those the command demo takes in (that demo is another app's)."""

from __future__ import annotations

from datetime import timedelta

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


def test_the_demo_gives_the_leak_and_the_fire_their_responses_and_a_second_run_changes_nothing(demo):
    """The command demo's incidents (steps 93–94) as the response steps (95–96) left them."""
    leak, fire = response_demo.chemical_leak(), response_demo.forest_fire()
    assert leak is not None and fire is not None

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
    assert leak.material_requests.count() == 1
    # The walk county's call: an order issued and not yet answered, and a volunteer team of its own.
    walked = DispatchOrder.objects.filter(incident__region__path__contains=OTHER, status=rules.ISSUED)
    assert walked.exists() and Team.objects.filter(name="定襄县蓝天救援队").exists()
    assert all(order.issued_at <= demo_clock().now for order in DispatchOrder.objects.all())

    def counts() -> tuple[int, int, int]:
        return Response.objects.count(), DispatchOrder.objects.count(), SituationReport.objects.count()

    before = counts()
    response_demo.responses(_context())
    response_demo.dispatches(_context())
    assert counts() == before


def test_the_steps_stand_down_a_finished_incident(demo):
    hours_ago = demo_clock().now - timedelta(hours=3)
    closed = make_incident("140925", subtype="道路交通事故", title="已结束的交通事故", known_at=hours_ago)

    response_demo.responses(_context())

    closed.refresh_from_db()
    assert closed.status == Incident.CLOSED and Response.objects.get(incident=closed).status == Response.ENDED
