"""Launching, adjusting and ending a response; the headquarters; who may do it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from yingji.command.models import Incident, IncidentLogEntry
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry
from yingji.resources import kinds
from yingji.resources.models import Team
from yingji.response import dispatch, rules, services
from yingji.response.models import (
    DispatchOrder,
    HeadquartersMember,
    LevelChange,
    Response,
    SituationReport,
    Task,
)
from yingji.response.tests.conftest import COUNTY, make_incident, standby_teams, user


def test_launching_sets_up_the_response_its_headquarters_and_the_checklist_tasks(county_admin, incident):
    response = services.launch_response(
        county_admin, incident.pk, level=3, matters="疏散群众", sitrep_every_hours=2
    )

    incident.refresh_from_db()
    assert incident.status == Incident.RESPONDING
    assert response.level == 3 and response.commander_id == county_admin.pk
    titles = set(Task.objects.filter(response=response).values_list("title", flat=True))
    assert "按下风向划定疏散范围，组织周边群众转移" in titles  # the subtype's own measure
    assert "核实事故情况，按规定时限逐级报告" in titles  # the category's general one
    groups = set(response.groups.values_list("kind__code", flat=True))
    assert {"coordination", "rescue", "security", "monitoring", "experts"} <= groups
    assert list(LevelChange.objects.filter(response=response).values_list("from_level", "to_level")) == [
        (None, 3)
    ]
    assert SituationReport.objects.get(response=response).status == SituationReport.DUE
    assert IncidentLogEntry.objects.filter(incident=incident, kind="response", text__contains="Ⅲ级").exists()
    assert AuditEntry.objects.filter(action="response.launched", object_id=str(response.pk)).exists()


def test_only_one_response_per_incident_and_only_while_it_is_open(county_admin, incident):
    services.launch_response(county_admin, incident.pk, level=4)
    with pytest.raises(Conflict):
        services.launch_response(county_admin, incident.pk, level=3)
    closed = make_incident(status=Incident.CLOSED)
    with pytest.raises(Conflict):
        services.launch_response(county_admin, closed.pk, level=4)


@pytest.mark.parametrize("level", [0, 5, "3", True, None])
def test_a_level_outside_one_to_four_is_refused_and_nothing_is_written(county_admin, incident, level):
    with pytest.raises(InvalidInput):
        services.launch_response(county_admin, incident.pk, level=level)
    assert not Response.objects.filter(incident=incident).exists()
    incident.refresh_from_db()
    assert incident.status == Incident.REPORTED


def test_another_county_cannot_see_the_incident_and_a_reporter_cannot_command(other_county_admin, incident):
    with pytest.raises(NotFound):
        services.launch_response(other_county_admin, incident.pk, level=4)
    reporter = user(f"demo-reporter-{COUNTY}")
    with pytest.raises(Forbidden):
        services.launch_response(reporter, incident.pk, level=4)


def test_the_city_commands_any_county_incident(city_admin, incident):
    assert services.launch_response(city_admin, incident.pk, level=2).level == 2


def test_adjusting_the_level_records_the_change_with_its_reason(county_admin, incident):
    services.launch_response(county_admin, incident.pk, level=4)
    response = services.adjust_level(county_admin, incident.pk, level=2, reason="出现人员被困")

    assert response.level == 2
    assert list(response.level_changes.values_list("from_level", "to_level", "reason"))[-1] == (
        4,
        2,
        "出现人员被困",
    )
    assert IncidentLogEntry.objects.filter(incident=incident, text__contains="提升为Ⅱ级").exists()
    with pytest.raises(Conflict):
        services.adjust_level(county_admin, incident.pk, level=2, reason="再次")
    with pytest.raises(InvalidInput):
        services.adjust_level(county_admin, incident.pk, level=3, reason="  ")


def test_adjusting_without_a_response_is_a_conflict(county_admin, incident):
    with pytest.raises(Conflict):
        services.adjust_level(county_admin, incident.pk, level=3, reason="x")


def test_standing_down_closes_orders_tasks_and_reports_and_the_incident(county_admin, incident):
    response = services.launch_response(county_admin, incident.pk, level=3, sitrep_every_hours=2)
    first, second = standby_teams(COUNTY)[:2]
    on_scene = dispatch.issue_order(county_admin, incident.pk, team_id=first.pk)
    dispatch.advance(county_admin, on_scene.pk, status=rules.DEPARTED)
    dispatch.advance(county_admin, on_scene.pk, status=rules.ARRIVED)
    waiting = dispatch.issue_order(county_admin, incident.pk, team_id=second.pk)

    with pytest.raises(InvalidInput):
        services.end_response(county_admin, incident.pk, summary=" ")
    services.end_response(county_admin, incident.pk, summary="泄漏已处置完毕")

    incident.refresh_from_db()
    assert incident.status == Incident.CLOSED and incident.closed_at and incident.summary == "泄漏已处置完毕"
    assert Response.objects.get(pk=response.pk).status == Response.ENDED
    assert DispatchOrder.objects.get(pk=on_scene.pk).status == rules.COMPLETED
    assert DispatchOrder.objects.get(pk=waiting.pk).status == rules.RECALLED
    assert Team.objects.get(pk=first.pk).status == kinds.RETURNING
    assert Team.objects.get(pk=second.pk).status == kinds.STANDBY
    assert not Task.objects.filter(response=response, status=Task.OPEN).exists()
    assert not SituationReport.objects.filter(response=response, status=SituationReport.DUE).exists()
    assert AuditEntry.objects.filter(action="incident.closed", object_id=str(incident.pk)).exists()


def test_the_headquarters_takes_members_of_groups_and_a_commander(county_admin, incident):
    services.launch_response(county_admin, incident.pk, level=3)
    member = services.add_member(
        county_admin, incident.pk, group="medical", name="孙丽", phone="13900000000", is_leader=True
    )
    services.add_member(
        county_admin, incident.pk, group="medical", username=f"demo-duty-{COUNTY}", is_leader=True
    )
    response = services.set_commander(county_admin, incident.pk, name="王局长", phone="13911111111")

    assert response.commander_name == "王局长" and response.commander is None
    leaders = HeadquartersMember.objects.filter(
        group__response__incident=incident, group__kind__code="medical", is_leader=True
    )
    assert list(leaders.values_list("name", flat=True)) == [f"demo-duty-{COUNTY}"]
    with pytest.raises(InvalidInput):
        services.add_member(county_admin, incident.pk, group="nonexistent", name="x")
    with pytest.raises(InvalidInput):
        services.add_member(county_admin, incident.pk, group="rescue", username="demo-county-140921")
    services.remove_member(county_admin, member.pk)
    assert not HeadquartersMember.objects.filter(pk=member.pk).exists()
    assert AuditEntry.objects.filter(action="headquarters.member_removed").exists()


def test_material_requests_go_through_materials_and_are_linked(county_admin, incident):
    from yingji.materials.models import Material

    code = Material.objects.order_by("code").values_list("code", flat=True).first()
    link = services.request_materials(
        county_admin, incident.pk, lines=[(code, 5)], needed_by=timezone.now() + timedelta(hours=3)
    )
    assert link.request.longitude == incident.longitude and link.request.status == "submitted"
    assert IncidentLogEntry.objects.filter(incident=incident, kind="materials").exists()
    with pytest.raises(InvalidInput):
        services.request_materials(county_admin, incident.pk, lines=[(code, 5)], needed_by=timezone.now())
