"""Dispatch orders: the team's readiness follows the order, the leader is told and acknowledges by a
one-use link or the API, and an unacknowledged order escalates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from yingji.core import jobs
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry, Notification
from yingji.messaging.models import Delivery
from yingji.resources import kinds
from yingji.resources.models import Team, TeamStatusChange
from yingji.response import dispatch, rules
from yingji.response.models import DispatchOrder
from yingji.response.tests.conftest import COUNTY, OTHER, run_deadline, standby_teams, user


@pytest.fixture
def team(demo):
    return standby_teams(COUNTY)[0]


def _token_of(order: DispatchOrder) -> str:
    """The token as the SMS carries it (only its digest is stored)."""
    body = Delivery.objects.about(order).filter(channel=Delivery.SMS).latest("id").message.body
    return body.rsplit("/public/dispatch/", 1)[1].rstrip("/")


def test_issuing_sends_the_team_out_tells_its_leader_and_sets_the_escalation(county_admin, incident, team):
    team.phone = "13800000001"
    team.save(update_fields=["phone"])
    order = dispatch.issue_order(county_admin, incident.pk, team_id=team.pk, task="堵漏")

    assert Team.objects.get(pk=team.pk).status == kinds.DISPATCHED
    assert TeamStatusChange.objects.filter(
        team=team, to_status=kinds.DISPATCHED, note__contains=order.number
    ).exists()
    assert order.minutes is not None and order.km is not None and order.eta > order.issued_at
    sms = Delivery.objects.about(order).get(channel=Delivery.SMS)
    assert (
        sms.address == "13800000001"
        and "/public/dispatch/yjd_" in sms.message.body
        and "堵漏" in sms.message.body
    )
    assert order.token_digest and order.token_digest not in sms.message.body
    assert AuditEntry.objects.filter(action="dispatch_order.issued", object_id=str(order.pk)).exists()


def test_a_team_not_standing_by_or_outside_the_scope_cannot_be_sent(county_admin, incident, team):
    dispatch.issue_order(county_admin, incident.pk, team_id=team.pk)
    with pytest.raises(Conflict):
        dispatch.issue_order(county_admin, incident.pk, team_id=team.pk)
    with pytest.raises(NotFound):
        dispatch.issue_order(county_admin, incident.pk, team_id=standby_teams(OTHER)[0].pk)
    with pytest.raises(InvalidInput):
        dispatch.issue_order(county_admin, incident.pk, team_id=standby_teams(COUNTY)[1].pk, task="x" * 301)
    assert DispatchOrder.objects.filter(incident=incident).count() == 1


def test_the_order_drives_the_team_through_the_call_out(county_admin, incident, team):
    order = dispatch.issue_order(county_admin, incident.pk, team_id=team.pk)
    statuses = []
    for step in (rules.RECEIVED, rules.DEPARTED, rules.ARRIVED, rules.COMPLETED):
        dispatch.advance(county_admin, order.pk, status=step)
        statuses.append(Team.objects.get(pk=team.pk).status)
    assert statuses == [kinds.DISPATCHED, kinds.EN_ROUTE, kinds.ON_SCENE, kinds.RETURNING]
    order.refresh_from_db()
    assert order.arrived_at and order.completed_at and order.token_digest is None
    with pytest.raises(Conflict):
        dispatch.advance(county_admin, order.pk, status=rules.RECALLED)
    with pytest.raises(InvalidInput):
        dispatch.advance(county_admin, order.pk, status="flying")


def test_a_recall_before_departure_puts_the_team_back_on_standby(county_admin, incident, team):
    order = dispatch.issue_order(county_admin, incident.pk, team_id=team.pk)
    dispatch.advance(county_admin, order.pk, status=rules.RECALLED, note="警情已排除")
    assert Team.objects.get(pk=team.pk).status == kinds.STANDBY
    assert DispatchOrder.objects.get(pk=order.pk).note == "警情已排除"


def test_the_leader_acknowledges_once_by_the_link_without_signing_in(county_admin, incident, team):
    team.phone = "13800000002"
    team.save(update_fields=["phone"])
    order = dispatch.issue_order(county_admin, incident.pk, team_id=team.pk)
    token = _token_of(order)

    assert dispatch.order_for_token(token).pk == order.pk
    acknowledged = dispatch.acknowledge_by_link(token)

    assert acknowledged.status == rules.RECEIVED and acknowledged.received_via == DispatchOrder.LINK
    assert dispatch.order_for_token(token) is None
    with pytest.raises(NotFound):
        dispatch.acknowledge_by_link(token)
    assert not jobs.pending_deadlines(order).exists()
    entry = AuditEntry.objects.get(action="dispatch_order.received", object_id=str(order.pk))
    assert entry.actor_id is None


def test_an_expired_or_forged_link_opens_nothing(county_admin, incident, team, settings):
    team.phone = "13800000003"
    team.save(update_fields=["phone"])
    order = dispatch.issue_order(county_admin, incident.pk, team_id=team.pk)
    token = _token_of(order)
    later = timezone.now() + timedelta(hours=settings.RESPONSE_LINK_HOURS, minutes=1)
    assert dispatch.order_for_token(token, later) is None
    assert dispatch.order_for_token(token[:-2] + "xx") is None
    assert dispatch.order_for_token("not-a-token") is None


def test_the_api_acknowledgement_is_for_the_commanders_and_the_teams_keepers(county_admin, incident, team):
    order = dispatch.issue_order(county_admin, incident.pk, team_id=team.pk)
    with pytest.raises(Forbidden):
        dispatch.acknowledge(user(f"demo-reporter-{COUNTY}"), order.pk)
    assert dispatch.acknowledge(county_admin, order.pk).received_via == DispatchOrder.API


def test_an_unacknowledged_order_escalates_to_the_duty_room_and_is_sent_again(county_admin, incident, team):
    team.phone = "13800000004"
    team.save(update_fields=["phone"])
    order = dispatch.issue_order(county_admin, incident.pk, team_id=team.pk)
    run_deadline(dispatch.ORDER_UNACKNOWLEDGED, order, dispatch.escalate)

    order.refresh_from_db()
    assert order.escalated_at is not None and order.status == rules.ISSUED
    assert Notification.objects.filter(subject__startswith="调派令未确认", object_id=str(order.pk)).exists()
    assert Delivery.objects.about(order).filter(channel=Delivery.SMS).count() == 2
    assert dispatch.order_for_token(_token_of(order)).pk == order.pk  # the new link works


def test_the_sms_is_queued_in_the_issuing_transaction_and_the_organizations_users_get_it_in_their_inbox(
    county_admin, incident, team
):
    from yingji.core.models import User

    keeper = User.objects.filter(organization_id=team.organization_id, is_active=True).first()
    assert keeper is not None, "the demo's teams belong to organizations with users"
    order = dispatch.issue_order(county_admin, incident.pk, team_id=team.pk)
    queued = Delivery.objects.about(order).filter(status=Delivery.QUEUED)
    assert queued.filter(channel=Delivery.INBOX, recipient_id=keeper.pk).exists()
