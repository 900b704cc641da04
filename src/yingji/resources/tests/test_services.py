"""Services of resources: permission, scope, validation, readiness history, occupancy bounds, audit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry, Notification, Organization
from yingji.resources import checks, kinds, services
from yingji.resources.models import Certificate, Equipment, Shelter, ShelterMovement, Team, TeamStatusChange

pytestmark = pytest.mark.django_db


def _new_team(actor: Any, **more: Any) -> Team:
    bureau = Organization.objects.get(name="忻府区应急管理局")
    fields = {
        "name": "忻府区城区防汛突击队",
        "kind": "flood",
        "longitude": 112.73,
        "latitude": 38.42,
        "headcount": 20,
    }
    return services.create_team(actor, organization_id=bureau.pk, **{**fields, **more})


def test_a_county_admin_registers_a_team_with_its_first_readiness_and_an_audit_entry(
    county_admin: Any,
) -> None:
    team = _new_team(county_admin)

    assert team.region_id == "140902" and team.status == kinds.STANDBY
    assert TeamStatusChange.objects.filter(team=team, to_status=kinds.STANDBY).count() == 1
    entry = AuditEntry.objects.filter(action="rescue_team.created", object_id=str(team.pk)).get()
    assert entry.after["name"] == "忻府区城区防汛突击队"


def test_a_county_admin_cannot_register_a_team_for_another_countys_organization(county_admin: Any) -> None:
    other = Organization.objects.get(name="定襄县应急管理局")

    with pytest.raises(NotFound):
        services.create_team(
            county_admin, organization_id=other.pk, name="x", kind="flood", longitude=112.9, latitude=38.5
        )


def test_an_unknown_kind_or_a_point_outside_china_is_refused_and_nothing_written(county_admin: Any) -> None:
    before = Team.objects.count()
    with pytest.raises(InvalidInput):
        _new_team(county_admin, kind="navy")
    with pytest.raises(InvalidInput):
        _new_team(county_admin, longitude=2.35, latitude=48.85)
    assert Team.objects.count() == before


def test_readiness_follows_the_call_out_cycle_and_keeps_its_history(
    station_a: Team, duty_officer: Any
) -> None:
    station = Team.objects.get(pk=station_a.pk)
    if station.status != kinds.STANDBY:
        Team.objects.filter(pk=station.pk).update(status=kinds.STANDBY)
    for step in (
        kinds.DISPATCHED,
        kinds.EN_ROUTE,
        kinds.ON_SCENE,
        kinds.RETURNING,
        kinds.RESTING,
        kinds.STANDBY,
    ):
        services.set_team_status(duty_officer, station.pk, status=step, note="演练")

    history = list(TeamStatusChange.objects.filter(team=station, note="演练").order_by("at", "id"))
    assert [row.to_status for row in history][-6:] == [
        kinds.DISPATCHED,
        kinds.EN_ROUTE,
        kinds.ON_SCENE,
        kinds.RETURNING,
        kinds.RESTING,
        kinds.STANDBY,
    ]
    assert history[-1].by == duty_officer


def test_a_jump_outside_the_cycle_is_a_conflict(station_a: Team, county_admin: Any) -> None:
    Team.objects.filter(pk=station_a.pk).update(status=kinds.STANDBY)

    with pytest.raises(Conflict) as refused:
        services.set_team_status(county_admin, station_a.pk, status=kinds.ON_SCENE)
    assert refused.value.code == "invalid_transition"
    assert Team.objects.get(pk=station_a.pk).status == kinds.STANDBY


def test_another_countys_team_is_not_found_and_a_reporter_may_not_dispatch(
    station_b: Team, county_admin: Any, reporter: Any
) -> None:
    with pytest.raises(NotFound):
        services.set_team_status(county_admin, station_b.pk, status=kinds.RESTING)
    with pytest.raises((Forbidden, NotFound)):
        services.set_team_status(reporter, Team.objects.get(name="忻府消防救援站").pk, status=kinds.RESTING)


def test_an_enterprise_officer_keeps_only_their_own_enterprises_team(
    chemical_officer: Any, station_a: Team
) -> None:
    own = Team.objects.get(organization_id=chemical_officer.organization_id)
    member = services.add_member(chemical_officer, own.pk, name="王强", post="队员", skills="堵漏")
    assert member.team_id == own.pk

    with pytest.raises(NotFound):
        services.add_member(chemical_officer, station_a.pk, name="李四")


def test_a_team_key_posts_positions_and_the_newest_position_wins(county_admin: Any, station_a: Team) -> None:
    issued = services.issue_team_key(county_admin, station_a.pk)
    team = services.team_for_key(issued.key)
    assert team is not None and team.pk == station_a.pk
    now = timezone.now()

    services.post_position(team, longitude=112.75, latitude=38.43, at=now)
    services.post_position(team, longitude=112.70, latitude=38.40, at=now - timedelta(minutes=3))

    team.refresh_from_db()
    assert (team.position_longitude, team.position_latitude) == (112.75, 38.43)
    assert services.team_for_key("yjr_not-a-key") is None


def test_a_shelters_capacity_is_its_area_over_the_per_person_area_of_its_type(
    county_admin: Any, city_admin: Any
) -> None:
    Shelter.objects.filter(shelter_type=kinds.SHORT_TERM).update(occupancy=0, status=kinds.CLOSED)
    shelter = services.create_shelter(
        county_admin,
        region_code="140902",
        name="忻府区测试广场",
        shelter_type=kinds.SHORT_TERM,
        level="township",
        longitude=112.74,
        latitude=38.41,
        area_m2=10_000,
        facilities=["water", "power"],
    )
    assert shelter.capacity == 5000  # 10,000 m² ÷ 2.0 m² per person

    services.update_norm(
        __import__("yingji.core.models", fromlist=["User"]).User.objects.get(username="demo-city"),
        kinds.SHORT_TERM,
        area_per_person_m2=2.5,
        service_km=1.0,
    )
    assert Shelter.objects.get(pk=shelter.pk).capacity == 4000


def test_check_ins_never_pass_the_capacity_nor_check_outs_zero(shelter_a: Shelter, duty_officer: Any) -> None:
    services.set_shelter_open(duty_officer, shelter_a.pk, open=True)
    capacity = Shelter.objects.get(pk=shelter_a.pk).capacity
    movements = ShelterMovement.objects.filter(shelter=shelter_a).count()

    with pytest.raises(Conflict) as over:
        services.record_movement(duty_officer, shelter_a.pk, checked_in=capacity + 1)
    assert over.value.code == "over_capacity"
    with pytest.raises(Conflict) as under:
        services.record_movement(duty_officer, shelter_a.pk, checked_out=1)
    assert under.value.code == "below_zero"
    assert Shelter.objects.get(pk=shelter_a.pk).occupancy == 0
    assert ShelterMovement.objects.filter(shelter=shelter_a).count() == movements

    full = services.record_movement(duty_officer, shelter_a.pk, checked_in=capacity)
    assert full.status == kinds.FULL and full.occupancy == capacity
    with pytest.raises(Conflict):
        services.set_shelter_open(duty_officer, shelter_a.pk, open=False)
    left = services.record_movement(duty_officer, shelter_a.pk, checked_out=capacity)
    assert left.status == kinds.OPEN and left.occupancy == 0
    assert (
        AuditEntry.objects.filter(action="shelter.occupancy_changed", object_id=str(shelter_a.pk)).count()
        == 2
    )


def test_a_closed_shelter_takes_no_one(shelter_a: Shelter, duty_officer: Any) -> None:
    with pytest.raises(Conflict) as refused:
        services.record_movement(duty_officer, shelter_a.pk, checked_in=1)
    assert refused.value.code == "shelter_closed"


def test_a_shelter_manager_must_come_from_the_responder_register_in_scope(
    county_admin: Any, shelter_a: Shelter
) -> None:
    from yingji.warnings.models import Responder

    theirs = Responder.objects.filter(region__path__contains="/140921/").first()
    with pytest.raises(NotFound):
        services.update_shelter(county_admin, shelter_a.pk, manager_id=theirs.pk)


def test_expiring_certificates_and_due_maintenance_are_told_once(station_a: Team) -> None:
    now = timezone.now()
    certificate = Certificate.objects.filter(member__team=station_a).first()
    Certificate.objects.filter(pk=certificate.pk).update(
        expires_on=now.date() + timedelta(days=10), notified_for=None
    )
    equipment = Equipment.objects.filter(team=station_a).first()
    Equipment.objects.filter(pk=equipment.pk).update(
        maintenance_due_on=now.date() + timedelta(days=3), notified_for=None
    )
    before = Notification.objects.count()

    assert checks.certificates_expiring(now) >= 1
    assert checks.maintenance_due(now) >= 1
    sent = Notification.objects.count() - before
    assert sent >= 2
    assert Notification.objects.filter(
        recipient__username="demo-county-140902", subject__contains=equipment.name
    ).exists()

    assert checks.certificates_expiring(now) == 0 and checks.maintenance_due(now) == 0
