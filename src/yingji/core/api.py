"""Core API: sign-in, regions, organizations, users, API keys and the audit log."""

from datetime import datetime
from typing import Any, Literal

from django.contrib.auth import update_session_auth_hash
from django.db.models import F
from django.http import HttpRequest
from django.utils.http import http_date
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from yingji.core import maplayers, regioncodes, roles, services
from yingji.core.api_common import (
    AUTH,
    OPEN,
    PUBLIC,
    Page,
    current_user,
    id_path,
    json_response,
    page_of_rows,
    region_filter,
    responses,
)
from yingji.core.errors import Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry, Credential, Notification, Organization, Region, User
from yingji.core.registry import county_counts, map_layers_for
from yingji.core.scoping import scope_for

router = Router(auth=AUTH)

RoleName = Literal[
    "city_admin",
    "county_admin",
    "department_staff",
    "enterprise_officer",
    "disaster_reporter",
    "duty_officer",
    "integration",
]
OrganizationKind = Literal["bureau", "department", "enterprise", "team"]
RegionLevel = Literal["province", "city", "county", "township", "village"]
ShortText = Field(max_length=200)


# Sign-in ---------------------------------------------------------------------------------------


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=256)


class TokenOut(Schema):
    token: str
    expires_at: datetime


@router.post(
    "/auth/token",
    auth=OPEN,
    response=responses(TokenOut),
    tags=["auth"],
    url_name="auth_token",
    summary="Exchange a password for a token",
)
def create_token(request: HttpRequest, payload: TokenIn) -> Any:
    issued = services.issue_token(request, payload.username, payload.password)
    return {"token": issued.secret, "expires_at": issued.credential.expires_at}


@router.delete(
    "/auth/token",
    response=responses(TokenOut),
    tags=["auth"],
    url_name="auth_token",
    summary="Revoke the token in use",
)
def revoke_token(request: HttpRequest) -> Any:
    credential = getattr(request.user, "credential", None)
    if credential is None or credential.kind != Credential.TOKEN:
        raise InvalidInput("此请求未使用登录令牌 / This request was not made with a token")
    revoked = services.revoke_credential(current_user(request), credential.pk, kind=Credential.TOKEN)
    return {"token": revoked.hint + "…", "expires_at": revoked.revoked_at}


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    role: str
    role_label: str
    region_code: str = Field(alias="region_id")
    organization_id: int | None
    must_change_password: bool


@router.get(
    "/auth/me", response=responses(MeOut), tags=["auth"], url_name="auth_me", summary="The signed-in account"
)
def me(request: HttpRequest) -> Any:
    return request.user


class PasswordChangeIn(Schema):
    old_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=8, max_length=128)


class PasswordChangedOut(Schema):
    credentials_revoked: int = Field(description="已吊销的其他令牌与密钥 / other tokens and keys revoked")


@router.post(
    "/auth/password",
    response=responses(PasswordChangedOut),
    tags=["auth"],
    url_name="auth_password",
    summary="Change one's own password (ends every other session and token)",
)
def change_password(request: HttpRequest, payload: PasswordChangeIn) -> Any:
    revoked = services.change_password(
        request,
        current_user(request),
        old_password=payload.old_password,
        new_password=payload.new_password,
        keep=getattr(request.user, "credential", None),
    )
    if getattr(request.user, "credential", None) is None:
        update_session_auth_hash(request, current_user(request))  # this session goes on
    return {"credentials_revoked": revoked}


# Regions (public reference data) ---------------------------------------------------------------


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None = Field(alias="parent_id")
    population: int
    population_is_estimate: bool
    area_km2: float


class RegionDetailOut(RegionOut):
    path: list[str]
    centroid: list[float] | None
    geometry: dict[str, Any] | None

    @staticmethod
    def resolve_path(region: Region) -> list[str]:
        return regioncodes.codes_in_path(region.path)

    @staticmethod
    def resolve_centroid(region: Region) -> list[float] | None:
        if region.centroid_lon is None or region.centroid_lat is None:
            return None
        return [region.centroid_lon, region.centroid_lat]


class RegionFilter(Schema):
    parent: str | None = Field(None, max_length=12, description="上级区划代码 / parent code")
    level: RegionLevel | None = None
    q: str | None = Field(None, max_length=50, description="名称包含 / name contains")


REGION_LIST_FIELDS = (
    "code",
    "name",
    "level",
    "parent_id",
    "population",
    "population_is_estimate",
    "area_km2",
)


@router.get(
    "/regions", auth=PUBLIC, response=responses(list[RegionOut]), tags=["regions"], summary="List regions"
)
@paginate(Page)
def list_regions(request: HttpRequest, filters: Query[RegionFilter]) -> Any:
    regions = Region.objects.only(*REGION_LIST_FIELDS).order_by("code")
    if filters.parent:
        regions = regions.filter(parent_id=filters.parent)
    if filters.level:
        regions = regions.filter(level=filters.level)
    if filters.q:
        regions = regions.filter(name__contains=filters.q)
    return regions


@router.get(
    "/regions/{code}",
    auth=PUBLIC,
    response=responses(RegionDetailOut),
    tags=["regions"],
    summary="One region with its boundary",
)
def get_region(request: HttpRequest, code: str) -> Any:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound()
    return region


# Organizations ---------------------------------------------------------------------------------


class OrganizationOut(Schema):
    id: int
    name: str
    kind: str
    sector: str
    region_code: str = Field(alias="region_id")
    parent_id: int | None
    phone: str
    address: str


class OrganizationIn(Schema):
    name: str = Field(min_length=1, max_length=128)
    kind: OrganizationKind
    sector: str = Field("", max_length=32)
    region_code: str = Field(max_length=12)
    parent_id: int | None = Field(None, ge=1, le=2**53)
    phone: str = Field("", max_length=32)
    address: str = Field("", max_length=200)


class OrganizationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=128)
    kind: OrganizationKind | None = None
    sector: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, max_length=32)
    address: str | None = Field(None, max_length=200)


class OrganizationFilter(Schema):
    region: str | None = Field(None, max_length=12, description="行政区划代码 / region code")
    kind: OrganizationKind | None = None


class PagedOrganizationOut(Schema):
    items: list[OrganizationOut]
    count: int


ORGANIZATION_COLUMNS = ("id", "name", "kind", "sector", "parent_id", "phone", "address")


@router.get("/organizations", response=responses(PagedOrganizationOut), tags=["organizations"])
def list_organizations(
    request: HttpRequest, filters: Query[OrganizationFilter], page: Query[Page.Input]
) -> Any:
    def rows() -> Any:
        organizations = region_filter(Organization.objects.visible_to(request.user), filters.region)
        if filters.kind:
            organizations = organizations.filter(kind=filters.kind)
        return organizations.order_by("id").values(*ORGANIZATION_COLUMNS, region_code=F("region_id"))

    shape = ("core.organizations", scope_for(request.user), filters.region, filters.kind)
    return page_of_rows(rows, page, shape=shape)


@router.get("/organizations/{organization_id}", response=responses(OrganizationOut), tags=["organizations"])
def get_organization(request: HttpRequest, organization_id: int = id_path()) -> Any:
    return Organization.objects.get_visible_or_404(request.user, pk=organization_id)


@router.post("/organizations", response=responses(OrganizationOut, 201), tags=["organizations"])
def create_organization(request: HttpRequest, payload: OrganizationIn) -> Any:
    return Status(201, services.create_organization(current_user(request), **payload.dict()))


@router.patch("/organizations/{organization_id}", response=responses(OrganizationOut), tags=["organizations"])
def update_organization(
    request: HttpRequest, payload: OrganizationPatch, organization_id: int = id_path()
) -> Any:
    return services.update_organization(
        current_user(request), organization_id, **payload.dict(exclude_unset=True)
    )


# Users -----------------------------------------------------------------------------------------


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    role: str
    role_label: str
    region_code: str = Field(alias="region_id")
    organization_id: int | None
    phone: str
    email: str
    is_active: bool


class UserIn(Schema):
    username: str = Field(min_length=3, max_length=150, pattern=r"^[A-Za-z0-9_.@+-]+$")
    password: str | None = Field(
        None,
        min_length=8,
        max_length=128,
        description="个人账号必填；接口账号不设密码 / required for people; none for machine accounts",
    )
    role: RoleName
    region_code: str = Field(max_length=12)
    organization_id: int | None = Field(None, ge=1, le=2**53)
    full_name: str = Field("", max_length=64)
    phone: str = Field("", max_length=32)
    email: str = Field("", max_length=254)


class UserPatch(Schema):
    role: RoleName | None = None
    region_code: str | None = Field(None, max_length=12)
    organization_id: int | None = Field(None, ge=1, le=2**53)
    full_name: str | None = Field(None, max_length=64)
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    is_active: bool | None = None


class UserFilter(Schema):
    region: str | None = Field(None, max_length=12, description="行政区划代码 / region code")
    role: RoleName | None = None


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_role_permission(permission):  # type: ignore[union-attr]
        raise Forbidden()


@router.get("/users", response=responses(list[UserOut]), tags=["users"])
@paginate(Page)
def list_users(request: HttpRequest, filters: Query[UserFilter]) -> Any:
    _require(request, roles.VIEW_ADMINISTRATION)
    users = region_filter(User.objects.visible_to(request.user), filters.region)
    if filters.role:
        users = users.filter(role=filters.role)
    return users.order_by("id")


@router.get("/users/{user_id}", response=responses(UserOut), tags=["users"])
def get_user(request: HttpRequest, user_id: int = id_path()) -> Any:
    user = User.objects.get_visible_or_404(request.user, pk=user_id)
    if user.pk != request.user.pk:
        _require(request, roles.VIEW_ADMINISTRATION)
    return user


@router.post("/users", response=responses(UserOut, 201), tags=["users"])
def create_user(request: HttpRequest, payload: UserIn) -> Any:
    return Status(201, services.create_user(current_user(request), **payload.dict()))


@router.patch("/users/{user_id}", response=responses(UserOut), tags=["users"])
def update_user(request: HttpRequest, payload: UserPatch, user_id: int = id_path()) -> Any:
    return services.update_user(current_user(request), user_id, **payload.dict(exclude_unset=True))


class PasswordResetOut(Schema):
    username: str
    temporary_password: str = Field(
        description="只显示这一次，下次登录须修改 / shown this once; must be changed"
    )


@router.post(
    "/users/{user_id}/password-reset",
    response=responses(PasswordResetOut),
    tags=["users"],
    summary="Reset a person's password to a temporary one that must be changed at next sign-in",
)
def reset_password(request: HttpRequest, user_id: int = id_path()) -> Any:
    user, temporary = services.reset_password(current_user(request), user_id)
    return {"username": user.username, "temporary_password": temporary}


# API keys --------------------------------------------------------------------------------------


class ApiKeyIn(Schema):
    user_id: int = Field(
        ge=1, le=2**53, description="密钥代表的接口账号 / the machine account (integration) the key acts as"
    )
    name: str = Field(min_length=1, max_length=100)


class ApiKeyOut(Schema):
    id: int
    name: str
    user_id: int
    hint: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    region_code: str

    @staticmethod
    def resolve_region_code(credential: Credential) -> str:
        return credential.user.region_id


class ApiKeyCreatedOut(ApiKeyOut):
    key: str = Field(description="只显示这一次 / shown this once only")


@router.get("/api-keys", response=responses(list[ApiKeyOut]), tags=["api-keys"])
@paginate(Page)
def list_api_keys(request: HttpRequest) -> Any:
    _require(request, roles.MANAGE_API_KEYS)
    return (
        Credential.objects.visible_to(request.user)
        .filter(kind=Credential.API_KEY)
        .select_related("user")
        .order_by("-id")
    )


@router.post("/api-keys", response=responses(ApiKeyCreatedOut, 201), tags=["api-keys"])
def create_api_key(request: HttpRequest, payload: ApiKeyIn) -> Any:
    issued = services.create_api_key(current_user(request), user_id=payload.user_id, name=payload.name)
    issued.credential.key = issued.secret  # type: ignore[attr-defined]
    return Status(201, issued.credential)


@router.delete("/api-keys/{key_id}", response=responses(ApiKeyOut), tags=["api-keys"])
def revoke_api_key(request: HttpRequest, key_id: int = id_path()) -> Any:
    return services.revoke_credential(current_user(request), key_id)


# Audit log -------------------------------------------------------------------------------------


class AuditOut(Schema):
    id: int
    at: datetime
    actor_name: str
    action: str
    object_type: str
    object_id: str
    object_label: str
    region_code: str | None = Field(alias="region_id")
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    entry_hash: str


class AuditFilter(Schema):
    region: str | None = Field(None, max_length=12)
    action: str | None = Field(None, max_length=64)
    object_type: str | None = Field(None, max_length=64)


@router.get("/audit", response=responses(list[AuditOut]), tags=["audit"])
@paginate(Page)
def list_audit(request: HttpRequest, filters: Query[AuditFilter]) -> Any:
    _require(request, roles.VIEW_AUDIT)
    entries = region_filter(AuditEntry.objects.visible_to(request.user), filters.region)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.object_type:
        entries = entries.filter(object_type=filters.object_type)
    return entries.order_by("-id")


# Notifications ---------------------------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    subject: str
    body: str
    link: str
    object_type: str
    object_id: str
    region_code: str = Field(alias="region_id")
    created_at: datetime
    read_at: datetime | None
    task: str = Field(description="待办事项，空为通知 / the action a to-do asks for; empty for information")
    done_at: datetime | None = Field(description="待办办结时间 / when the to-do was done or became moot")
    is_todo: bool


class NotificationFilter(Schema):
    unread: bool | None = Field(None, description="只看未读 / unread only")
    part: Literal["todo", "info", "done"] | None = Field(
        None, description="待办、通知或已办 / open to-dos, information, or to-dos done"
    )


@router.get("/notifications", response=responses(list[NotificationOut]), tags=["notifications"])
@paginate(Page)
def list_notifications(request: HttpRequest, filters: Query[NotificationFilter]) -> Any:
    """The signed-in user's own notifications, newest first."""
    notifications = Notification.objects.visible_to(request.user).inbox_of(request.user)
    if filters.part == "todo":
        notifications = notifications.todo()
    elif filters.part == "info":
        notifications = notifications.information()
    elif filters.part == "done":
        notifications = notifications.done()
    if filters.unread:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


@router.post(
    "/notifications/{notification_id}/read", response=responses(NotificationOut), tags=["notifications"]
)
def read_notification(request: HttpRequest, notification_id: int = id_path()) -> Any:
    return services.mark_notification_read(current_user(request), notification_id)


# Dashboard -------------------------------------------------------------------------------------


class CountyCountsOut(Schema):
    region_code: str
    name: str
    population: int
    area_km2: float
    counts: dict[str, int]


@router.get("/dashboard/counties", response=responses(list[CountyCountsOut]), tags=["dashboard"])
def dashboard_counties(request: HttpRequest) -> Any:
    """Counts per county that the user may see, one row per county in their scope.

    The counts are at most `COUNTY_COUNTS_MAX_AGE` seconds (default 30) old; `Last-Modified` says
    when they were counted.
    """
    counts = county_counts(request.user)
    response = json_response(counts.rows)
    response["Last-Modified"] = http_date(counts.counted_at.timestamp())
    return response


# Map layers (GeoJSON) --------------------------------------------------------------------------


class FeatureOut(Schema):
    type: Literal["Feature"]
    geometry: dict[str, Any] | None
    properties: dict[str, Any]


class FeatureCollectionOut(Schema):
    type: Literal["FeatureCollection"]
    features: list[FeatureOut]


class MapLayerOut(Schema):
    key: str
    title: str
    url: str
    visible: bool
    legend: list[dict[str, str]]


@router.get(
    "/map/layers",
    auth=PUBLIC,
    response=responses(list[MapLayerOut]),
    tags=["map"],
    summary="Layers of the 一张图 map",
)
def map_layers(request: HttpRequest) -> Any:
    return [layer.as_config(request.user) for layer in map_layers_for(request.user)]


@router.get(
    "/map/counties",
    auth=PUBLIC,
    response=responses(FeatureCollectionOut),
    tags=["map"],
    url_name="map_counties",
    summary="County boundaries of the city, the map's base layer",
)
def map_counties(request: HttpRequest) -> Any:
    return json_response(maplayers.region_features(request.user))


@router.get(
    "/map/population-density",
    auth=PUBLIC,
    response=responses(FeatureCollectionOut),
    tags=["map"],
    url_name="map_population_density",
    summary="Counties colored by population density",
)
def map_population_density(request: HttpRequest) -> Any:
    return json_response(maplayers.region_features(request.user, density=True))
