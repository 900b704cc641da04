"""Operations on emergency resources: each checks permission and scope, runs in one transaction, audits.

County and city administrators keep the teams, equipment, shelters and helipads of their region; an
enterprise's safety officer keeps the teams and equipment of their own enterprise. Administrators
and duty officers change a team's readiness and count people in and out of shelters; a shelter's
occupancy never goes below 0 or above its capacity (409, nothing written).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from yingji.core import audit, roles
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import Organization, Region, User, new_secret, secret_digest
from yingji.core.services import region_in_scope, save_or_conflict, validate_model
from yingji.geography import coordinates
from yingji.resources import kinds
from yingji.resources.models import (
    Certificate,
    Equipment,
    Helipad,
    Member,
    Shelter,
    ShelterMovement,
    ShelterNorm,
    Team,
    TeamStatusChange,
)
from yingji.warnings.models import Responder

VIEW_ROLES = roles.ALL_ROLES - {roles.DISASTER_REPORTER}
TEAM_KEY_PREFIX = "yjr_"
FUTURE_TOLERANCE = timedelta(minutes=5)  # a tracker's clock may run a little ahead

TEAM_FIELDS = ("name", "kind", "address", "longitude", "latitude", "headcount", "leader", "phone")
MEMBER_FIELDS = ("name", "post", "phone", "skills")
EQUIPMENT_FIELDS = (
    "name",
    "kind",
    "capability",
    "plate",
    "longitude",
    "latitude",
    "status",
    "maintenance_due_on",
)
SHELTER_FIELDS = (
    "name",
    "shelter_type",
    "level",
    "address",
    "longitude",
    "latitude",
    "area_m2",
    "facilities",
)
HELIPAD_FIELDS = ("name", "kind", "longitude", "latitude", "usable", "note")


def may_view(user: Any) -> bool:
    """Whether the user's role works with the resource registers at all (records are still scoped)."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and user.role in VIEW_ROLES


def require_view(user: User) -> None:
    if not may_view(user):
        raise Forbidden()


def may_manage(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role_permission(roles.MANAGE_RESOURCES)


def may_dispatch(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role_permission(
        roles.DISPATCH_RESOURCES
    )


def may_keep(user: Any, organization_id: int | None) -> bool:
    """Whether the user keeps the teams and equipment of an organization: administrators of its
    region (scope is checked by the caller), or the enterprise's own safety officer."""
    if may_manage(user):
        return True
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.role == roles.ENTERPRISE_OFFICER
        and organization_id is not None
        and user.organization_id == organization_id
    )


def _only(fields: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if name in names}


def _check_point(longitude: Any, latitude: Any) -> None:
    if longitude is None or latitude is None:
        raise InvalidInput("请填写经纬度 / Give the longitude and latitude", details={"field": "longitude"})
    coordinates.check_location(longitude, latitude)


def _check_choice(value: Any, table: dict[str, Any], field: str) -> None:
    if value not in table:
        raise InvalidInput(f"{field} 取值无效 / {field} is not a valid choice", details={"field": field})


def _strip(instance: Any, *names: str) -> None:
    for name in names:
        value = getattr(instance, name)
        if isinstance(value, str):
            setattr(instance, name, value.strip())


# Teams -----------------------------------------------------------------------------------------


def _owner(actor: User, organization_id: int | None) -> Organization:
    if organization_id is None:
        if actor.organization_id is None:
            raise InvalidInput(
                "请指定所属单位 / Give the owning organization", details={"field": "organization_id"}
            )
        organization_id = actor.organization_id
    organization = Organization.objects.visible_to(actor).filter(pk=organization_id).first()
    if organization is None:
        raise NotFound("单位不存在或不在您的管辖范围 / Organization not found in your scope")
    if not may_keep(actor, organization.pk):
        raise Forbidden()
    return organization


def _team_region(actor: User, organization: Organization, region_code: str | None) -> Region:
    if actor.role == roles.ENTERPRISE_OFFICER or not region_code:
        return organization.region
    return region_in_scope(actor, region_code)


@transaction.atomic
def create_team(
    actor: User, *, organization_id: int | None = None, region_code: str | None = None, **fields: Any
) -> Team:
    organization = _owner(actor, organization_id)
    team = Team(organization=organization, region=_team_region(actor, organization, region_code))
    for name, value in _only(fields, TEAM_FIELDS).items():
        setattr(team, name, value)
    _strip(team, "name", "address", "leader", "phone")
    _check_choice(team.kind, kinds.TEAM_KINDS, "kind")
    _check_point(team.longitude, team.latitude)
    team.status_since = timezone.now()
    validate_model(team, exclude=["key_digest"])
    save_or_conflict(team)
    TeamStatusChange.objects.create(team=team, from_status="", to_status=team.status, by=actor, note="登记")
    audit.record(actor, "rescue_team.created", team, after=audit.snapshot(team))
    return team


def _kept_team(actor: User, team_id: int, *, lock: bool = True) -> Team:
    teams = Team.objects.select_related("organization", "region")
    team = (teams.select_for_update(of=("self",)) if lock else teams).get_visible_or_404(actor, pk=team_id)
    if not may_keep(actor, team.organization_id):
        raise Forbidden()
    return team


@transaction.atomic
def update_team(actor: User, team_id: int, **changes: Any) -> Team:
    team = _kept_team(actor, team_id)
    before = audit.snapshot(team)
    for name, value in _only(changes, TEAM_FIELDS).items():
        if value is not None:
            setattr(team, name, value)
    if changes.get("region_code") and actor.role != roles.ENTERPRISE_OFFICER:
        team.region = region_in_scope(actor, changes["region_code"])
    _strip(team, "name", "address", "leader", "phone")
    _check_choice(team.kind, kinds.TEAM_KINDS, "kind")
    _check_point(team.longitude, team.latitude)
    validate_model(team, exclude=["key_digest"])
    save_or_conflict(team)
    audit.record(actor, "rescue_team.updated", team, before=before, after=audit.snapshot(team))
    return team


@transaction.atomic
def set_team_status(actor: User, team_id: int, *, status: str, note: str = "") -> Team:
    """Change a team's readiness along the call-out cycle (待命 → 出动 → 在途 → 到场 → 返回 → 休整)."""
    team = Team.objects.select_for_update(of=("self",)).get_visible_or_404(actor, pk=team_id)
    if not (may_dispatch(actor) or may_keep(actor, team.organization_id)):
        raise Forbidden()
    return _move_team(actor, team, status, note)


def _move_team(actor: User | None, team: Team, status: str, note: str, at: datetime | None = None) -> Team:
    """Move a locked team along the call-out cycle, keeping the history and the audit entry."""
    _check_choice(status, kinds.TEAM_STATUSES, "status")
    if not kinds.may_move(team.status, status):
        raise Conflict(
            f"队伍状态不能从“{kinds.TEAM_STATUSES[team.status]}”改为“{kinds.TEAM_STATUSES[status]}” / "
            f"A team cannot go from {team.status} to {status}",
            code="invalid_transition",
            details={"from": team.status, "to": status},
        )
    note = (note or "").strip()[:200]
    before = audit.snapshot(team)
    now = at or timezone.now()
    TeamStatusChange.objects.create(
        team=team, from_status=team.status, to_status=status, at=now, by=actor, note=note
    )
    team.status, team.status_since = status, now
    team.save(update_fields=["status", "status_since", "updated_at"])
    audit.record(actor, "rescue_team.status_changed", team, before=before, after=audit.snapshot(team))
    return team


@transaction.atomic
def follow_dispatch(
    actor: User | None, team_id: int, *, status: str, note: str, at: datetime | None = None
) -> Team:
    """Move a team's readiness as a dispatch order's step requires (the response domain's orders).

    The order's service has already checked who may act on the order; the team may lie outside the
    actor's own scope (the city sent it, a county follows the order), so the team is not looked up
    through the actor's scope here. The same transition rules, history and audit as `set_team_status`.
    """
    team = Team.objects.select_for_update(of=("self",)).get(pk=team_id)
    return _move_team(actor, team, status, note, at)


@dataclass(frozen=True)
class IssuedKey:
    """A team and its position key, which is shown this once and never again."""

    team: Team
    key: str


@transaction.atomic
def issue_team_key(actor: User, team_id: int) -> IssuedKey:
    """A new position key for the team (its tracker posts positions with it); the old one stops working."""
    team = _kept_team(actor, team_id)
    secret, digest = new_secret(TEAM_KEY_PREFIX)
    before = audit.snapshot(team)
    team.key_digest, team.key_hint = digest, secret[:12]
    team.save(update_fields=["key_digest", "key_hint", "updated_at"])
    audit.record(actor, "rescue_team.key_issued", team, before=before, after=audit.snapshot(team))
    return IssuedKey(team, secret)


def team_for_key(secret: str) -> Team | None:
    """The team a presented position key belongs to, or None."""
    if not secret.startswith(TEAM_KEY_PREFIX):
        return None
    return Team.objects.filter(key_digest=secret_digest(secret)).first()


def post_position(team: Team, *, longitude: float, latitude: float, at: datetime | None = None) -> Team:
    """Store the position a team's tracker reports (like a gateway's readings: not an audited change)."""
    coordinates.check_location(longitude, latitude)
    at = at or timezone.now()
    if at > timezone.now() + FUTURE_TOLERANCE:
        raise InvalidInput(
            "位置时间不能晚于现在 / The position time is in the future", details={"field": "at"}
        )
    # Positions may arrive out of order: keep the newest one only.
    Team.objects.filter(pk=team.pk).filter(Q(position_at__isnull=True) | Q(position_at__lt=at)).update(
        position_longitude=longitude, position_latitude=latitude, position_at=at
    )
    team.refresh_from_db(fields=["position_longitude", "position_latitude", "position_at"])
    return team


# Members and certificates ------------------------------------------------------------------------


@transaction.atomic
def add_member(actor: User, team_id: int, **fields: Any) -> Member:
    team = _kept_team(actor, team_id)
    member = Member(team=team, **_only(fields, MEMBER_FIELDS))
    _strip(member, *MEMBER_FIELDS)
    validate_model(member)
    member.save()
    audit.record(actor, "rescue_member.created", member, after=audit.snapshot(member), region=team.region)
    return member


def _kept_member(actor: User, member_id: int) -> Member:
    member = Member.objects.select_related("team__region").get_visible_or_404(actor, pk=member_id)
    if not may_keep(actor, member.team.organization_id):
        raise Forbidden()
    return member


@transaction.atomic
def remove_member(actor: User, member_id: int) -> Team:
    member = _kept_member(actor, member_id)
    team = member.team
    audit.record(actor, "rescue_member.removed", member, before=audit.snapshot(member), region=team.region)
    member.delete()
    return team


@transaction.atomic
def add_certificate(
    actor: User, member_id: int, *, name: str, number: str = "", expires_on: date
) -> Certificate:
    member = _kept_member(actor, member_id)
    certificate = Certificate(
        member=member, name=(name or "").strip(), number=(number or "").strip(), expires_on=expires_on
    )
    validate_model(certificate)
    certificate.save()
    audit.record(
        actor,
        "rescue_certificate.created",
        certificate,
        after=audit.snapshot(certificate),
        region=member.team.region,
    )
    return certificate


@transaction.atomic
def renew_certificate(actor: User, certificate_id: int, *, expires_on: date) -> Certificate:
    certificate = Certificate.objects.select_related("member__team__region").get_visible_or_404(
        actor, pk=certificate_id
    )
    if not may_keep(actor, certificate.member.team.organization_id):
        raise Forbidden()
    before = audit.snapshot(certificate)
    certificate.expires_on = expires_on
    validate_model(certificate)
    certificate.save()
    audit.record(
        actor,
        "rescue_certificate.renewed",
        certificate,
        before=before,
        after=audit.snapshot(certificate),
        region=certificate.member.team.region,
    )
    return certificate


# Equipment -------------------------------------------------------------------------------------


@transaction.atomic
def create_equipment(
    actor: User,
    *,
    team_id: int | None = None,
    organization_id: int | None = None,
    region_code: str | None = None,
    **fields: Any,
) -> Equipment:
    """Equipment of a team (kept at its base unless placed elsewhere) or of an organization directly."""
    data = _only(fields, EQUIPMENT_FIELDS)
    if team_id is not None:
        team = _kept_team(actor, team_id, lock=False)
        equipment = Equipment(team=team, organization=team.organization, region=team.region)
        if data.get("longitude") is None or data.get("latitude") is None:
            data.update(longitude=team.longitude, latitude=team.latitude)
    else:
        organization = _owner(actor, organization_id)
        equipment = Equipment(
            organization=organization, region=_team_region(actor, organization, region_code)
        )
    for name, value in data.items():
        if value is not None:
            setattr(equipment, name, value)
    _strip(equipment, "name", "plate")
    _check_choice(equipment.kind, kinds.EQUIPMENT_KINDS, "kind")
    _check_choice(equipment.status, kinds.EQUIPMENT_STATUSES, "status")
    _check_point(equipment.longitude, equipment.latitude)
    validate_model(equipment)
    equipment.save()
    audit.record(actor, "rescue_equipment.created", equipment, after=audit.snapshot(equipment))
    return equipment


@transaction.atomic
def update_equipment(actor: User, equipment_id: int, **changes: Any) -> Equipment:
    equipment = Equipment.objects.select_for_update(of=("self",)).get_visible_or_404(actor, pk=equipment_id)
    if not (
        may_keep(actor, equipment.organization_id) or (may_dispatch(actor) and set(changes) <= {"status"})
    ):
        raise Forbidden()
    before = audit.snapshot(equipment)
    for name, value in _only(changes, EQUIPMENT_FIELDS).items():
        if value is not None or name == "maintenance_due_on":
            setattr(equipment, name, value)
    _strip(equipment, "name", "plate")
    _check_choice(equipment.kind, kinds.EQUIPMENT_KINDS, "kind")
    _check_choice(equipment.status, kinds.EQUIPMENT_STATUSES, "status")
    _check_point(equipment.longitude, equipment.latitude)
    validate_model(equipment)
    equipment.save()
    audit.record(actor, "rescue_equipment.updated", equipment, before=before, after=audit.snapshot(equipment))
    return equipment


# Shelters --------------------------------------------------------------------------------------


def norms() -> dict[str, ShelterNorm]:
    """The per-person area and service radius of every shelter type (the defaults where no row is kept)."""
    kept = {norm.shelter_type: norm for norm in ShelterNorm.objects.all()}
    for code, default in kinds.SHELTER_DEFAULTS.items():
        kept.setdefault(
            code,
            ShelterNorm(
                shelter_type=code,
                area_per_person_m2=default.area_per_person_m2,
                service_km=default.service_km,
            ),
        )
    return kept


def _manager(actor: User, manager_id: int | None) -> Responder | None:
    if manager_id is None:
        return None
    responder = Responder.objects.visible_to(actor).filter(pk=manager_id, active=True).first()
    if responder is None:
        raise NotFound("管理员不在预警责任人名册中 / The manager is not in the responsible-person register")
    return responder


def _check_facilities(facilities: Any) -> list[str]:
    if not isinstance(facilities, list) or any(item not in kinds.FACILITIES for item in facilities):
        raise InvalidInput("设施取值无效 / Unknown facility", details={"field": "facilities"})
    return sorted(set(facilities))


@transaction.atomic
def create_shelter(actor: User, *, region_code: str, manager_id: int | None = None, **fields: Any) -> Shelter:
    if not may_manage(actor):
        raise Forbidden()
    shelter = Shelter(region=region_in_scope(actor, region_code), **_only(fields, SHELTER_FIELDS))
    shelter.manager = _manager(actor, manager_id)
    _validate_shelter(shelter)
    save_or_conflict(shelter)
    audit.record(actor, "shelter.created", shelter, after=audit.snapshot(shelter))
    return shelter


def _validate_shelter(shelter: Shelter) -> None:
    _strip(shelter, "name", "address")
    _check_choice(shelter.shelter_type, kinds.SHELTER_TYPES, "shelter_type")
    _check_choice(shelter.level, kinds.SHELTER_LEVELS, "level")
    _check_point(shelter.longitude, shelter.latitude)
    shelter.facilities = _check_facilities(shelter.facilities or [])
    norm = norms()[shelter.shelter_type]
    shelter.capacity = kinds.capacity(shelter.area_m2 or 0, norm.area_per_person_m2)
    if shelter.occupancy > shelter.capacity:
        raise Conflict(
            f"容纳人数 {shelter.capacity} 少于在场人数 {shelter.occupancy} / "
            f"The capacity would fall below the {shelter.occupancy} people inside",
            code="over_capacity",
        )
    if shelter.status != kinds.CLOSED:
        shelter.status = kinds.FULL if shelter.occupancy >= shelter.capacity else kinds.OPEN
    validate_model(shelter)


@transaction.atomic
def update_shelter(actor: User, shelter_id: int, **changes: Any) -> Shelter:
    if not may_manage(actor):
        raise Forbidden()
    shelter = Shelter.objects.select_for_update().get_visible_or_404(actor, pk=shelter_id)
    before = audit.snapshot(shelter)
    for name, value in _only(changes, SHELTER_FIELDS).items():
        if value is not None:
            setattr(shelter, name, value)
    if changes.get("region_code"):
        shelter.region = region_in_scope(actor, changes["region_code"])
    if "manager_id" in changes:
        shelter.manager = _manager(actor, changes["manager_id"])
    _validate_shelter(shelter)
    save_or_conflict(shelter)
    audit.record(actor, "shelter.updated", shelter, before=before, after=audit.snapshot(shelter))
    return shelter


@transaction.atomic
def set_shelter_open(actor: User, shelter_id: int, *, open: bool) -> Shelter:
    """Open a shelter (开放) or close it (关闭, only when no one is inside)."""
    if not may_dispatch(actor):
        raise Forbidden()
    shelter = Shelter.objects.select_for_update().get_visible_or_404(actor, pk=shelter_id)
    before = audit.snapshot(shelter)
    if not open and shelter.occupancy > 0:
        raise Conflict(
            f"场所内仍有 {shelter.occupancy} 人，不能关闭 / {shelter.occupancy} people are still inside",
            code="shelter_occupied",
        )
    if open:
        shelter.status = kinds.FULL if shelter.occupancy >= shelter.capacity else kinds.OPEN
    else:
        shelter.status = kinds.CLOSED
    shelter.save(update_fields=["status", "updated_at"])
    audit.record(
        actor,
        "shelter.opened" if open else "shelter.closed",
        shelter,
        before=before,
        after=audit.snapshot(shelter),
    )
    return shelter


@transaction.atomic
def record_movement(actor: User, shelter_id: int, *, checked_in: int = 0, checked_out: int = 0) -> Shelter:
    """Count people in and out of an open shelter; the occupancy stays within 0 … capacity (409 otherwise)."""
    if not may_dispatch(actor):
        raise Forbidden()
    if checked_in < 0 or checked_out < 0 or checked_in + checked_out == 0:
        raise InvalidInput(
            "请填写进入或离开人数 / Give the people checked in or out", details={"field": "checked_in"}
        )
    shelter = Shelter.objects.select_for_update().get_visible_or_404(actor, pk=shelter_id)
    if shelter.status == kinds.CLOSED:
        raise Conflict("避难场所未开放 / The shelter is not open", code="shelter_closed")
    occupancy = shelter.occupancy + checked_in - checked_out
    if occupancy < 0:
        raise Conflict(
            f"离开人数多于在场人数 {shelter.occupancy} / "
            f"More people leaving than the {shelter.occupancy} inside",
            code="below_zero",
        )
    if occupancy > shelter.capacity:
        raise Conflict(
            f"超出容纳人数 {shelter.capacity}（尚可容纳 {shelter.room} 人）/ "
            f"Over the capacity of {shelter.capacity} ({shelter.room} places left)",
            code="over_capacity",
            details={"room": shelter.room},
        )
    before = audit.snapshot(shelter)
    shelter.occupancy = occupancy
    shelter.status = kinds.FULL if occupancy >= shelter.capacity else kinds.OPEN
    shelter.save(update_fields=["occupancy", "status", "updated_at"])
    change = checked_in - checked_out
    ShelterMovement.objects.create(shelter=shelter, change=change, occupancy_after=occupancy, by=actor)
    audit.record(actor, "shelter.occupancy_changed", shelter, before=before, after=audit.snapshot(shelter))
    return shelter


@transaction.atomic
def update_norm(
    actor: User, shelter_type: str, *, area_per_person_m2: float, service_km: float
) -> ShelterNorm:
    """Change a shelter type's per-person area (recomputing every capacity) or service radius: the city's."""
    if not may_manage(actor) or actor.region.level not in ("province", "city"):
        raise Forbidden()
    _check_choice(shelter_type, kinds.SHELTER_TYPES, "shelter_type")
    norm = norms()[shelter_type]
    before = audit.snapshot(norm) if norm.pk and ShelterNorm.objects.filter(pk=norm.pk).exists() else None
    norm.area_per_person_m2, norm.service_km, norm.confirmed = area_per_person_m2, service_km, True
    validate_model(norm, exclude=["shelter_type"])
    norm.save()
    shelters = list(Shelter.objects.select_for_update().filter(shelter_type=shelter_type))
    for shelter in shelters:
        shelter.capacity = kinds.capacity(shelter.area_m2, area_per_person_m2)
        if shelter.occupancy > shelter.capacity:
            raise Conflict(
                f"“{shelter.name}”在场 {shelter.occupancy} 人，超过新的容纳人数 / "
                "A shelter would hold more people than its new capacity",
                code="over_capacity",
                details={"shelter_id": shelter.pk},
            )
        if shelter.status != kinds.CLOSED:
            shelter.status = kinds.FULL if shelter.occupancy >= shelter.capacity else kinds.OPEN
    Shelter.objects.bulk_update(shelters, ["capacity", "status"], batch_size=500)
    audit.record(
        actor, "shelter_norm.updated", norm, before=before, after=audit.snapshot(norm), region=actor.region
    )
    return norm


# Helipads --------------------------------------------------------------------------------------


@transaction.atomic
def create_helipad(actor: User, *, region_code: str, **fields: Any) -> Helipad:
    if not may_manage(actor):
        raise Forbidden()
    helipad = Helipad(region=region_in_scope(actor, region_code), **_only(fields, HELIPAD_FIELDS))
    _strip(helipad, "name", "note")
    _check_choice(helipad.kind, kinds.HELIPAD_KINDS, "kind")
    _check_point(helipad.longitude, helipad.latitude)
    validate_model(helipad)
    save_or_conflict(helipad)
    audit.record(actor, "helipad.created", helipad, after=audit.snapshot(helipad))
    return helipad


@transaction.atomic
def update_helipad(actor: User, helipad_id: int, **changes: Any) -> Helipad:
    if not may_manage(actor):
        raise Forbidden()
    helipad = Helipad.objects.select_for_update().get_visible_or_404(actor, pk=helipad_id)
    before = audit.snapshot(helipad)
    for name, value in _only(changes, HELIPAD_FIELDS).items():
        if value is not None:
            setattr(helipad, name, value)
    _strip(helipad, "name", "note")
    _check_choice(helipad.kind, kinds.HELIPAD_KINDS, "kind")
    _check_point(helipad.longitude, helipad.latitude)
    validate_model(helipad)
    save_or_conflict(helipad)
    audit.record(actor, "helipad.updated", helipad, before=before, after=audit.snapshot(helipad))
    return helipad
