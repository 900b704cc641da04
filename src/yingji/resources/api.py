"""Emergency resources API: teams (members, certificates, readiness, positions), equipment and
vehicles, shelters (occupancy, coverage), helipads, the nearest help by road time, reach and the
aviation network, and the map layers.

Reads start from `visible_to`; every write calls a service. The public may find the nearest open
shelter with room without signing in (`/public/shelters/nearest`).
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.security import HttpBearer

from yingji.core.api_common import (
    AUTH,
    OPEN,
    BoundedDate,
    BoundedDateTime,
    FeatureCollectionOut,
    Page,
    current_user,
    id_path,
    region_filter,
)
from yingji.core.api_common import (
    responses as documented,
)
from yingji.core.registry import NearestSearch
from yingji.geography.coordinates import Latitude, Longitude
from yingji.resources import coverage, kinds, maplayers, nearest, reach, services
from yingji.resources.models import (
    MAX_AREA_M2,
    MAX_CAPABILITY,
    MAX_HEADCOUNT,
    Certificate,
    Equipment,
    Helipad,
    Member,
    Shelter,
    Team,
)

router = Router(auth=AUTH, tags=["resources"])

TeamKind = Literal[tuple(kinds.TEAM_KINDS)]  # type: ignore[valid-type]
TeamStatus = Literal[tuple(kinds.TEAM_STATUSES)]  # type: ignore[valid-type]
EquipmentKind = Literal[tuple(kinds.EQUIPMENT_KINDS)]  # type: ignore[valid-type]
EquipmentStatus = Literal[tuple(kinds.EQUIPMENT_STATUSES)]  # type: ignore[valid-type]
ShelterType = Literal[tuple(kinds.SHELTER_TYPES)]  # type: ignore[valid-type]
ShelterLevel = Literal[tuple(kinds.SHELTER_LEVELS)]  # type: ignore[valid-type]
ShelterStatus = Literal[tuple(kinds.SHELTER_STATUSES)]  # type: ignore[valid-type]
Facility = Literal[tuple(kinds.FACILITIES)]  # type: ignore[valid-type]
HelipadKind = Literal[tuple(kinds.HELIPAD_KINDS)]  # type: ignore[valid-type]
MAX_ID = 2**53

WALK_BODIES = {
    ("POST", "/api/v1/resources/teams/{team_id}/status"): {"status": "resting", "note": "轮休"},
    ("POST", "/api/v1/resources/teams/{team_id}/members"): {"name": "巡查队员", "post": "队员"},
    ("POST", "/api/v1/resources/members/{member_id}/certificates"): {
        "name": "应急救援员证",
        "expires_on": "2028-06-30",
    },
    ("PATCH", "/api/v1/resources/certificates/{certificate_id}"): {"expires_on": "2029-06-30"},
    # After the walk opened the shelter (`/open` comes first): one in and out, so that it may close again.
    ("POST", "/api/v1/resources/shelters/{shelter_id}/movements"): {"checked_in": 1, "checked_out": 1},
}


class TeamKeyAuth(HttpBearer):
    """`Authorization: Bearer yjr_…`: a team's position key (not a person's token)."""

    def authenticate(self, request: HttpRequest, token: str) -> Team | None:
        return services.team_for_key(token)


# Schemas ---------------------------------------------------------------------------------------


class MemberCertificateOut(Schema):
    id: int
    member_id: int
    name: str
    number: str
    expires_on: date


class MemberOut(Schema):
    id: int
    team_id: int
    name: str
    post: str
    phone: str
    skills: str
    certificates: list[MemberCertificateOut]

    @staticmethod
    def resolve_certificates(member: Member) -> list[Certificate]:
        return list(member.certificates.all())


class TeamOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    organization_id: int
    organization_name: str
    region_code: str
    address: str
    longitude: float
    latitude: float
    headcount: int
    leader: str
    phone: str
    status: str
    status_label: str
    status_since: datetime
    position_longitude: float | None
    position_latitude: float | None
    position_at: datetime | None
    key_hint: str = Field(description="位置上报密钥前缀 / prefix of the position key, empty if none")

    @staticmethod
    def resolve_organization_name(team: Team) -> str:
        return team.organization.name

    @staticmethod
    def resolve_region_code(team: Team) -> str:
        return team.region_id


class TeamStatusChangeOut(Schema):
    from_status: str
    to_status: str
    at: datetime
    note: str


class EquipmentOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    capability: float
    unit: str
    is_vehicle: bool
    plate: str
    team_id: int | None
    organization_id: int
    organization_name: str
    region_code: str
    longitude: float
    latitude: float
    status: str
    maintenance_due_on: date | None

    @staticmethod
    def resolve_kind_label(equipment: Equipment) -> str:
        return equipment.kind_info.label

    @staticmethod
    def resolve_unit(equipment: Equipment) -> str:
        return equipment.kind_info.unit

    @staticmethod
    def resolve_organization_name(equipment: Equipment) -> str:
        return equipment.organization.name

    @staticmethod
    def resolve_region_code(equipment: Equipment) -> str:
        return equipment.region_id


class TeamDetailOut(TeamOut):
    members: list[MemberOut]
    equipment: list[EquipmentOut]
    status_history: list[TeamStatusChangeOut]

    @staticmethod
    def resolve_members(team: Team) -> list[Member]:
        return list(team.members.prefetch_related("certificates").order_by("id"))

    @staticmethod
    def resolve_equipment(team: Team) -> list[Equipment]:
        return list(team.equipment.select_related("organization").order_by("kind", "name"))

    @staticmethod
    def resolve_status_history(team: Team) -> list[Any]:
        return list(team.status_changes.order_by("-at", "-id")[:50])


class TeamIn(Schema):
    name: str = Field(min_length=1, max_length=128)
    kind: TeamKind
    organization_id: int | None = Field(None, ge=1, le=MAX_ID, description="所属单位；缺省为本人单位")
    region_code: str | None = Field(None, max_length=12, description="所在区划；缺省为所属单位的区划")
    address: str = Field("", max_length=200)
    longitude: Longitude
    latitude: Latitude
    headcount: int = Field(0, ge=0, le=MAX_HEADCOUNT)
    leader: str = Field("", max_length=64)
    phone: str = Field("", max_length=32)


class TeamPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=128)
    kind: TeamKind | None = None
    region_code: str | None = Field(None, max_length=12)
    address: str | None = Field(None, max_length=200)
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    headcount: int | None = Field(None, ge=0, le=MAX_HEADCOUNT)
    leader: str | None = Field(None, max_length=64)
    phone: str | None = Field(None, max_length=32)


class TeamStatusIn(Schema):
    status: TeamStatus
    note: str = Field("", max_length=200)


class TeamKeyOut(Schema):
    team_id: int
    key: str = Field(description="只显示这一次 / shown this once")


class TeamPositionIn(Schema):
    longitude: Longitude
    latitude: Latitude
    at: BoundedDateTime | None = None


class MemberIn(Schema):
    name: str = Field(min_length=1, max_length=64)
    post: str = Field("", max_length=64)
    phone: str = Field("", max_length=32)
    skills: str = Field("", max_length=200)


class MemberCertificateIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    number: str = Field("", max_length=64)
    expires_on: BoundedDate


class MemberCertificateRenewIn(Schema):
    expires_on: BoundedDate


class TeamFilter(Schema):
    region: str | None = Field(None, max_length=12, description="行政区划代码 / region code")
    kind: TeamKind | None = None
    status: TeamStatus | None = None
    organization_id: int | None = Field(None, ge=1, le=MAX_ID)
    q: str | None = Field(None, max_length=50)


class EquipmentIn(Schema):
    name: str = Field(min_length=1, max_length=128)
    kind: EquipmentKind
    capability: float = Field(0, ge=0, le=MAX_CAPABILITY, allow_inf_nan=False)
    plate: str = Field("", max_length=16)
    team_id: int | None = Field(None, ge=1, le=MAX_ID, description="所属队伍 / owning team")
    organization_id: int | None = Field(None, ge=1, le=MAX_ID, description="无队伍时的所属单位")
    region_code: str | None = Field(None, max_length=12)
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    status: EquipmentStatus = kinds.AVAILABLE
    maintenance_due_on: BoundedDate | None = None


class EquipmentPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=128)
    kind: EquipmentKind | None = None
    capability: float | None = Field(None, ge=0, le=MAX_CAPABILITY, allow_inf_nan=False)
    plate: str | None = Field(None, max_length=16)
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    status: EquipmentStatus | None = None
    maintenance_due_on: BoundedDate | None = None


class EquipmentFilter(Schema):
    region: str | None = Field(None, max_length=12)
    kind: EquipmentKind | None = None
    status: EquipmentStatus | None = None
    team_id: int | None = Field(None, ge=1, le=MAX_ID)
    vehicles: bool | None = Field(None, description="true 仅车辆 / false 仅非车辆装备")


class ShelterOut(Schema):
    id: int
    name: str
    shelter_type: str
    type_label: str
    level: str
    region_code: str
    address: str
    longitude: float
    latitude: float
    area_m2: float
    capacity: int
    occupancy: int
    room: int
    facilities: list[str]
    manager_id: int | None
    manager_name: str
    manager_phone: str
    status: str
    status_label: str

    @staticmethod
    def resolve_region_code(shelter: Shelter) -> str:
        return shelter.region_id

    @staticmethod
    def resolve_manager_name(shelter: Shelter) -> str:
        return shelter.manager.name if shelter.manager else ""

    @staticmethod
    def resolve_manager_phone(shelter: Shelter) -> str:
        return shelter.manager.phone if shelter.manager else ""


class ShelterIn(Schema):
    name: str = Field(min_length=1, max_length=128)
    shelter_type: ShelterType
    level: ShelterLevel
    region_code: str = Field(max_length=12)
    address: str = Field("", max_length=200)
    longitude: Longitude
    latitude: Latitude
    area_m2: float = Field(ge=0, le=MAX_AREA_M2, allow_inf_nan=False, description="有效避难面积（m²）")
    facilities: list[Facility] = Field(default_factory=list, max_length=len(kinds.FACILITIES))
    manager_id: int | None = Field(None, ge=1, le=MAX_ID, description="预警责任人名册中的管理员")


class ShelterPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=128)
    shelter_type: ShelterType | None = None
    level: ShelterLevel | None = None
    region_code: str | None = Field(None, max_length=12)
    address: str | None = Field(None, max_length=200)
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    area_m2: float | None = Field(None, ge=0, le=MAX_AREA_M2, allow_inf_nan=False)
    facilities: list[Facility] | None = Field(None, max_length=len(kinds.FACILITIES))
    manager_id: int | None = Field(None, ge=1, le=MAX_ID)


class ShelterMovementIn(Schema):
    checked_in: int = Field(0, ge=0, le=1_000_000, description="进入人数 / people checked in")
    checked_out: int = Field(0, ge=0, le=1_000_000, description="离开人数 / people checked out")


class ShelterFilter(Schema):
    region: str | None = Field(None, max_length=12)
    shelter_type: ShelterType | None = None
    status: ShelterStatus | None = None
    with_room: bool | None = None


class ShelterNormOut(Schema):
    shelter_type: str
    area_per_person_m2: float
    service_km: float
    confirmed: bool = Field(description="false: 默认值，未经核实 / the unconfirmed default")


class ShelterNormIn(Schema):
    shelter_type: ShelterType
    area_per_person_m2: float = Field(ge=0.1, le=100, allow_inf_nan=False)
    service_km: float = Field(ge=0.1, le=50, allow_inf_nan=False)


class ShelterCoverageOut(Schema):
    region_code: str
    name: str
    population: int
    covered: int = Field(
        description="步行服务半径内有空位避难场所的人口 / people within walking service distance"
    )
    covered_share: float
    shelters: int
    capacity: int
    fixed_capacity: int
    fixed_share: float
    fixed_target: float
    meets_fixed_target: bool
    occupancy: int


class HelipadOut(Schema):
    id: int
    name: str
    kind: str
    region_code: str
    longitude: float
    latitude: float
    usable: bool
    note: str

    @staticmethod
    def resolve_region_code(helipad: Helipad) -> str:
        return helipad.region_id


class HelipadIn(Schema):
    name: str = Field(min_length=1, max_length=128)
    kind: HelipadKind = "ground"
    region_code: str = Field(max_length=12)
    longitude: Longitude
    latitude: Latitude
    usable: bool = True
    note: str = Field("", max_length=200)


class HelipadPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=128)
    kind: HelipadKind | None = None
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    usable: bool | None = None
    note: str | None = Field(None, max_length=200)


# Query parameters arrive as text: plain bounded numbers here (a body's coordinates are `Longitude`).
QueryLongitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False, description="经度 / longitude")]
QueryLatitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False, description="纬度 / latitude")]


class NearestQuery(Schema):
    lon: QueryLongitude
    lat: QueryLatitude
    kind: str = Field(
        max_length=20, description="team | shelter | equipment | vehicle | warehouse | transport"
    )
    capability: str | None = Field(None, max_length=24, description="队伍类别、装备类别或场所类型")
    item: str | None = Field(None, max_length=7, description="GB/T 38565 物资编码（仓库）")
    quantity: float | None = Field(None, gt=0, le=1e9, allow_inf_nan=False)
    limit: int = Field(5, ge=1, le=nearest.MAX_LIMIT)
    available_only: bool = True


class NearestHelpOut(Schema):
    kind: str
    id: int
    label: str
    longitude: float
    latitude: float
    qualifies: str
    url: str | None
    minutes: float = Field(description="道路行驶时间（分钟）/ road travel time")
    km: float = Field(description="道路里程 / road distance")
    straight_km: float = Field(description="直线距离 / straight-line distance")


class PublicShelterOut(Schema):
    id: int
    label: str
    longitude: float
    latitude: float
    qualifies: str
    minutes: float
    km: float
    straight_km: float


class ReachQuery(Schema):
    kind: TeamKind = Field(kinds.FIRE_STATION, description="出发队伍的类别 / the kind of teams that set out")
    region: str | None = Field(None, max_length=12)
    available_only: bool = False


class ReachBandOut(Schema):
    minutes: int
    population: int
    share: float
    by_county: dict[str, int]


class TeamReachOut(Schema):
    origins: int
    population: int
    bands: list[ReachBandOut]


class AviationCountyOut(Schema):
    region_code: str
    name: str
    population: int
    within: int
    share: float


class AviationOut(Schema):
    helipads: int
    cruise_kmh: float
    dispatch_delay_min: float
    within_minutes: float
    population: int
    within: int
    share: float
    counties: list[AviationCountyOut]


# Teams -----------------------------------------------------------------------------------------


def _team(request: HttpRequest, team_id: int) -> Team:
    return Team.objects.select_related("organization").get_visible_or_404(request.user, pk=team_id)


@router.get("/resources/teams", response=documented(list[TeamOut]), summary="救援队伍 / Rescue teams")
@paginate(Page)
def list_teams(request: HttpRequest, filters: Query[TeamFilter]) -> Any:
    services.require_view(current_user(request))
    teams = region_filter(Team.objects.visible_to(request.user), filters.region)
    if filters.kind:
        teams = teams.filter(kind=filters.kind)
    if filters.status:
        teams = teams.filter(status=filters.status)
    if filters.organization_id:
        teams = teams.filter(organization_id=filters.organization_id)
    if filters.q:
        teams = teams.filter(name__contains=filters.q)
    return teams.select_related("organization").order_by("id")


@router.get("/resources/teams/{team_id}", response=documented(TeamDetailOut))
def get_team(request: HttpRequest, team_id: int = id_path()) -> Any:
    services.require_view(current_user(request))
    return _team(request, team_id)


@router.post("/resources/teams", response=documented(TeamDetailOut, 201))
def create_team(request: HttpRequest, payload: TeamIn) -> Any:
    team = services.create_team(current_user(request), **payload.dict())
    return Status(201, _team(request, team.pk))


@router.patch("/resources/teams/{team_id}", response=documented(TeamDetailOut))
def update_team(request: HttpRequest, payload: TeamPatch, team_id: int = id_path()) -> Any:
    services.update_team(current_user(request), team_id, **payload.dict(exclude_unset=True))
    return _team(request, team_id)


@router.post(
    "/resources/teams/{team_id}/status",
    response=documented(TeamDetailOut),
    summary="改变战备状态 / Change readiness (待命 → 出动 → 在途 → 到场 → 返回 → 休整)",
)
def set_team_status(request: HttpRequest, payload: TeamStatusIn, team_id: int = id_path()) -> Any:
    services.set_team_status(current_user(request), team_id, **payload.dict())
    return _team(request, team_id)


@router.post(
    "/resources/teams/{team_id}/key",
    response=documented(TeamKeyOut, 201),
    summary="签发位置上报密钥 / Issue the team's position key (shown once)",
)
def issue_team_key(request: HttpRequest, team_id: int = id_path()) -> Any:
    issued = services.issue_team_key(current_user(request), team_id)
    return Status(201, {"team_id": issued.team.pk, "key": issued.key})


@router.post(
    "/resources/team-positions",
    auth=TeamKeyAuth(),
    response=documented(TeamOut),
    summary="上报队伍位置 / Report the team's position (team key)",
)
def post_team_position(request: HttpRequest, payload: TeamPositionIn) -> Any:
    team: Team = request.auth  # type: ignore[attr-defined]
    services.post_position(team, **payload.dict())
    return Team.objects.select_related("organization").get(pk=team.pk)


@router.post("/resources/teams/{team_id}/members", response=documented(MemberOut, 201))
def add_member(request: HttpRequest, payload: MemberIn, team_id: int = id_path()) -> Any:
    return Status(201, services.add_member(current_user(request), team_id, **payload.dict()))


@router.post("/resources/members/{member_id}/certificates", response=documented(MemberCertificateOut, 201))
def add_certificate(request: HttpRequest, payload: MemberCertificateIn, member_id: int = id_path()) -> Any:
    return Status(201, services.add_certificate(current_user(request), member_id, **payload.dict()))


@router.patch("/resources/certificates/{certificate_id}", response=documented(MemberCertificateOut))
def renew_certificate(
    request: HttpRequest, payload: MemberCertificateRenewIn, certificate_id: int = id_path()
) -> Any:
    return services.renew_certificate(current_user(request), certificate_id, **payload.dict())


@router.delete("/resources/members/{member_id}", response=documented(TeamDetailOut))
def remove_member(request: HttpRequest, member_id: int = id_path()) -> Any:
    team = services.remove_member(current_user(request), member_id)
    return _team(request, team.pk)


# Equipment -------------------------------------------------------------------------------------


def _equipment(request: HttpRequest, equipment_id: int) -> Equipment:
    return Equipment.objects.select_related("organization").get_visible_or_404(request.user, pk=equipment_id)


@router.get("/resources/equipment", response=documented(list[EquipmentOut]), summary="装备与车辆 / Equipment")
@paginate(Page)
def list_equipment(request: HttpRequest, filters: Query[EquipmentFilter]) -> Any:
    services.require_view(current_user(request))
    equipment = region_filter(Equipment.objects.visible_to(request.user), filters.region)
    if filters.kind:
        equipment = equipment.filter(kind=filters.kind)
    if filters.status:
        equipment = equipment.filter(status=filters.status)
    if filters.team_id:
        equipment = equipment.filter(team_id=filters.team_id)
    if filters.vehicles is not None:
        vehicles = {"kind__in": kinds.VEHICLE_KINDS}
        equipment = equipment.filter(**vehicles) if filters.vehicles else equipment.exclude(**vehicles)
    return equipment.select_related("organization").order_by("id")


@router.get("/resources/equipment/{equipment_id}", response=documented(EquipmentOut))
def get_equipment(request: HttpRequest, equipment_id: int = id_path()) -> Any:
    services.require_view(current_user(request))
    return _equipment(request, equipment_id)


@router.post("/resources/equipment", response=documented(EquipmentOut, 201))
def create_equipment(request: HttpRequest, payload: EquipmentIn) -> Any:
    equipment = services.create_equipment(current_user(request), **payload.dict())
    return Status(201, _equipment(request, equipment.pk))


@router.patch("/resources/equipment/{equipment_id}", response=documented(EquipmentOut))
def update_equipment(request: HttpRequest, payload: EquipmentPatch, equipment_id: int = id_path()) -> Any:
    services.update_equipment(current_user(request), equipment_id, **payload.dict(exclude_unset=True))
    return _equipment(request, equipment_id)


# Shelters --------------------------------------------------------------------------------------


def _shelter(request: HttpRequest, shelter_id: int) -> Shelter:
    return Shelter.objects.select_related("manager").get_visible_or_404(request.user, pk=shelter_id)


@router.get("/resources/shelters", response=documented(list[ShelterOut]), summary="应急避难场所 / Shelters")
@paginate(Page)
def list_shelters(request: HttpRequest, filters: Query[ShelterFilter]) -> Any:
    services.require_view(current_user(request))
    shelters = region_filter(Shelter.objects.visible_to(request.user), filters.region)
    if filters.shelter_type:
        shelters = shelters.filter(shelter_type=filters.shelter_type)
    if filters.status:
        shelters = shelters.filter(status=filters.status)
    if filters.with_room is not None:
        with_room = nearest.open_shelters(Shelter.objects.all()).values("pk")
        shelters = (
            shelters.filter(pk__in=with_room) if filters.with_room else shelters.exclude(pk__in=with_room)
        )
    return shelters.select_related("manager").order_by("id")


@router.get("/resources/shelters/{shelter_id}", response=documented(ShelterOut))
def get_shelter(request: HttpRequest, shelter_id: int = id_path()) -> Any:
    services.require_view(current_user(request))
    return _shelter(request, shelter_id)


@router.post("/resources/shelters", response=documented(ShelterOut, 201))
def create_shelter(request: HttpRequest, payload: ShelterIn) -> Any:
    shelter = services.create_shelter(current_user(request), **payload.dict())
    return Status(201, _shelter(request, shelter.pk))


@router.patch("/resources/shelters/{shelter_id}", response=documented(ShelterOut))
def update_shelter(request: HttpRequest, payload: ShelterPatch, shelter_id: int = id_path()) -> Any:
    services.update_shelter(current_user(request), shelter_id, **payload.dict(exclude_unset=True))
    return _shelter(request, shelter_id)


@router.post("/resources/shelters/{shelter_id}/open", response=documented(ShelterOut))
def open_shelter(request: HttpRequest, shelter_id: int = id_path()) -> Any:
    services.set_shelter_open(current_user(request), shelter_id, open=True)
    return _shelter(request, shelter_id)


@router.post(
    "/resources/shelters/{shelter_id}/movements",
    response=documented(ShelterOut),
    summary="登记进出人数 / Count people in and out (never below 0 or above capacity: 409)",
)
def record_movement(request: HttpRequest, payload: ShelterMovementIn, shelter_id: int = id_path()) -> Any:
    services.record_movement(current_user(request), shelter_id, **payload.dict())
    return _shelter(request, shelter_id)


@router.post("/resources/shelters/{shelter_id}/close", response=documented(ShelterOut))
def close_shelter(request: HttpRequest, shelter_id: int = id_path()) -> Any:
    services.set_shelter_open(current_user(request), shelter_id, open=False)
    return _shelter(request, shelter_id)


@router.get(
    "/resources/shelter-norms", response=documented(list[ShelterNormOut]), summary="人均有效面积表 / Norms"
)
def list_norms(request: HttpRequest) -> Any:
    services.require_view(current_user(request))
    return [services.norms()[code] for code in kinds.SHELTER_TYPES]


@router.put(
    "/resources/shelter-norms",
    response=documented(ShelterNormOut),
    summary="修改人均面积（市级）/ Set a norm",
)
def set_norm(request: HttpRequest, payload: ShelterNormIn) -> Any:
    data = payload.dict()
    return services.update_norm(current_user(request), data.pop("shelter_type"), **data)


@router.get(
    "/resources/shelter-coverage",
    response=documented(list[ShelterCoverageOut]),
    summary="各县避难场所覆盖 / Shelter coverage per county",
)
def shelter_coverage(request: HttpRequest) -> Any:
    services.require_view(current_user(request))
    return [county.as_dict() for county in coverage.county_coverage(request.user)]


# Helipads --------------------------------------------------------------------------------------


@router.get("/resources/helipads", response=documented(list[HelipadOut]), summary="起降点 / Helipads")
@paginate(Page)
def list_helipads(request: HttpRequest, region: str | None = Query(None, max_length=12)) -> Any:  # type: ignore[call-overload]
    services.require_view(current_user(request))
    return region_filter(Helipad.objects.visible_to(request.user), region).order_by("id")


@router.get("/resources/helipads/{helipad_id}", response=documented(HelipadOut))
def get_helipad(request: HttpRequest, helipad_id: int = id_path()) -> Any:
    services.require_view(current_user(request))
    return Helipad.objects.get_visible_or_404(request.user, pk=helipad_id)


@router.post("/resources/helipads", response=documented(HelipadOut, 201))
def create_helipad(request: HttpRequest, payload: HelipadIn) -> Any:
    return Status(201, services.create_helipad(current_user(request), **payload.dict()))


@router.patch("/resources/helipads/{helipad_id}", response=documented(HelipadOut))
def update_helipad(request: HttpRequest, payload: HelipadPatch, helipad_id: int = id_path()) -> Any:
    return services.update_helipad(current_user(request), helipad_id, **payload.dict(exclude_unset=True))


# Nearest help, reach, aviation -----------------------------------------------------------------


@router.get(
    "/resources/nearest",
    response=documented(list[NearestHelpOut]),
    summary="最近的救援力量（按道路行驶时间）/ The nearest help by road travel time",
)
def find_nearest(request: HttpRequest, query: Query[NearestQuery]) -> Any:
    services.require_view(current_user(request))
    search = NearestSearch(
        capability=query.capability,
        item=query.item,
        quantity=query.quantity,
        available_only=query.available_only,
    )
    found = nearest.nearest(request.user, (query.lon, query.lat), query.kind, search, query.limit)
    return [item.as_dict() for item in found]


@router.get(
    "/public/shelters/nearest",
    auth=OPEN,
    response=documented(list[PublicShelterOut]),
    tags=["public"],
    summary="附近开放且有空位的避难场所（公众）/ Nearest open shelters with room (public)",
)
def public_nearest_shelters(
    request: HttpRequest,
    lon: QueryLongitude,
    lat: QueryLatitude,
    limit: int = Query(3, ge=1, le=10),  # type: ignore[call-overload]
) -> Any:
    return [
        {key: value for key, value in item.as_dict().items() if key not in ("kind", "url")}
        for item in reach.public_nearest_shelters((lon, lat), limit)
    ]


@router.get(
    "/resources/reach",
    response=documented(TeamReachOut),
    summary="队伍道路可达人口（15/30/60 分钟）/ Population within 15/30/60 minutes of a kind of team",
)
def team_reach(request: HttpRequest, query: Query[ReachQuery]) -> Any:
    services.require_view(current_user(request))
    return reach.team_reach(request.user, query.kind, query.region, query.available_only).as_dict()


@router.get(
    "/resources/aviation",
    response=documented(AviationOut),
    summary="一小时航空救援圈 / The one-hour aviation rescue network",
)
def aviation(request: HttpRequest) -> Any:
    services.require_view(current_user(request))
    return reach.aviation(request.user).as_dict()


# Map -------------------------------------------------------------------------------------------


@router.get(
    "/map/resource-teams",
    response=documented(FeatureCollectionOut),
    url_name="resources_teams_map",
    tags=["map"],
)
def map_teams(request: HttpRequest) -> Any:
    services.require_view(current_user(request))
    return maplayers.teams(request.user)


@router.get(
    "/map/shelters",
    response=documented(FeatureCollectionOut),
    url_name="resources_shelters_map",
    tags=["map"],
)
def map_shelters(request: HttpRequest) -> Any:
    services.require_view(current_user(request))
    return maplayers.shelters(request.user)


@router.get(
    "/map/resource-equipment",
    response=documented(FeatureCollectionOut),
    url_name="resources_equipment_map",
    tags=["map"],
)
def map_equipment(request: HttpRequest) -> Any:
    services.require_view(current_user(request))
    return maplayers.equipment(request.user)


@router.get(
    "/map/helipads",
    response=documented(FeatureCollectionOut),
    url_name="resources_helipads_map",
    tags=["map"],
)
def map_helipads(request: HttpRequest) -> Any:
    services.require_view(current_user(request))
    return maplayers.helipads(request.user)


@router.get(
    "/map/fire-station-reach",
    response=documented(FeatureCollectionOut),
    url_name="resources_reach_map",
    tags=["map"],
    summary="消防救援站 15/30/60 分钟等时圈 / Isochrones of the fire and rescue stations",
)
def map_reach(request: HttpRequest) -> Any:
    services.require_view(current_user(request))
    return reach.team_reach(request.user, kinds.FIRE_STATION, None, False).isochrones


@router.get(
    "/map/aviation-gaps",
    response=documented(FeatureCollectionOut),
    url_name="resources_aviation_map",
    tags=["map"],
    summary="一小时航空救援圈的空白区 / Gaps of the one-hour aviation network",
)
def map_aviation(request: HttpRequest) -> Any:
    services.require_view(current_user(request))
    return reach.aviation(request.user).gaps
