"""Warnings API: drafts and their lifecycle steps as actions, warning types, approval rules, public
subscriptions, and the registers of responsible people and broadcast terminals.

CAP in and out (api_cap), deliveries (api_delivery) and coverage (api_coverage) have routers of their
own; `yingji.api` mounts them all under /api/v1/.
"""

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from yingji.core.api_common import (
    AUTH,
    BoundedDateTime,
    FeatureCollectionOut,
    Page,
    current_user,
    id_path,
    region_filter,
    responses,
)
from yingji.geography.coordinates import Latitude, Longitude
from yingji.warnings import maplayer, services, subscriptions
from yingji.warnings.models import ApprovalRule, EarlyWarning, Subscriber, WarningType

router = Router(auth=AUTH, tags=["warnings"])

Level = Literal["blue", "yellow", "orange", "red"]
Status_ = Literal["draft", "submitted", "approved", "published", "updated", "cancelled", "expired", "live"]
MAX_SHAPES = 50

# Bodies the scope walk can send to the routes that validate one before looking up their object.
WALK_BODIES = {
    ("PATCH", "/api/v1/warnings/{warning_id}"): {"headline": "暴雨蓝色预警（修改）"},
    ("POST", "/api/v1/warnings/{warning_id}/return"): {"note": "请补充影响范围"},
    ("POST", "/api/v1/warnings/{warning_id}/cancel"): {"note": "降雨已减弱"},
    ("PATCH", "/api/v1/subscriptions/{subscriber_id}"): {"min_level": "yellow"},
}


# Warnings ---------------------------------------------------------------------------------------


class WarningOut(Schema):
    id: int
    identifier: str
    msg_type: Literal["Alert", "Update", "Cancel"]
    version: int
    series_id: int | None
    supersedes_id: int | None
    warning_type: str = Field(description="预警类型代码 / type code")
    category: str
    level: Level
    headline: str
    status: Literal["draft", "submitted", "approved", "published", "updated", "cancelled", "expired"]
    source: Literal["manual", "monitoring", "imported"]
    onset: datetime
    expires: datetime
    region_code: str = Field(alias="region_id")
    published_at: datetime | None

    @staticmethod
    def resolve_warning_type(obj: EarlyWarning) -> str:
        return obj.warning_type.code


class WarningDetailOut(WarningOut):
    description: str
    instruction: str
    area_description: str
    area_codes: list[str]
    area_shapes: list[dict[str, Any]]
    organization_id: int | None
    sender: str
    note: str
    created_at: datetime
    submitted_at: datetime | None
    approved_at: datetime | None
    ended_at: datetime | None
    approver_tier: Literal["county", "city"]
    actions: list[str] = Field(description="当前用户可执行的操作 / actions open to the current user")
    coverage: dict[str, Any] | None


class DraftIn(Schema):
    warning_type: str = Field(max_length=32, description="预警类型代码 / type code, GET /warnings/types")
    level: Level
    headline: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=4000)
    instruction: str = Field("", max_length=4000)
    area_description: str = Field("", max_length=500)
    area_codes: list[str] = Field([], max_length=500, description="区域行政区划代码 / region codes")
    area_shapes: list[dict[str, Any]] = Field(
        [],
        max_length=MAX_SHAPES,
        description="GeoJSON Polygon / MultiPolygon（经度,纬度）或 / or "
        '{"type": "Circle", "coordinates": [lon, lat], "radius_km": r}',
    )
    onset: BoundedDateTime
    expires: BoundedDateTime
    region: str | None = Field(None, max_length=12, description="发布单位所在区划，默认本人 / issuing region")


class DraftPatch(Schema):
    warning_type: str | None = Field(None, max_length=32)
    level: Level | None = None
    headline: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, min_length=1, max_length=4000)
    instruction: str | None = Field(None, max_length=4000)
    area_description: str | None = Field(None, max_length=500)
    area_codes: list[str] | None = Field(None, max_length=500)
    area_shapes: list[dict[str, Any]] | None = Field(None, max_length=MAX_SHAPES)
    onset: BoundedDateTime | None = None
    expires: BoundedDateTime | None = None


class NoteIn(Schema):
    note: str = Field("", max_length=1000)


class WarningFilter(Schema):
    status: Status_ | None = Field(None, description="live = 发布中且未过期 / published and not expired")
    level: Level | None = None
    warning_type: str | None = Field(None, max_length=32)
    source: Literal["manual", "monitoring", "imported"] | None = None
    region: str | None = Field(None, max_length=12, description="发布区划 / issuing region code")
    q: str | None = Field(None, max_length=50, description="标题包含 / headline contains")


def _detail(user: Any, warning: EarlyWarning) -> EarlyWarning:
    """The warning with what the detail schema adds: who approves it and what this user may do."""
    warning.approver_tier = services.approver_tier_for(warning)  # type: ignore[attr-defined]
    warning.actions = services.allowed_actions(user, warning)  # type: ignore[attr-defined]
    return warning


def _detail_of(request: HttpRequest, warning_id: int) -> EarlyWarning:
    user = current_user(request)
    return _detail(user, services.find_visible(user, warning_id))


@router.get("/warnings", response=responses(list[WarningOut]), summary="预警 / Warnings")
@paginate(Page)
def list_warnings(request: HttpRequest, filters: Query[WarningFilter]) -> Any:
    services.require(services.may_view(current_user(request)))
    found = region_filter(EarlyWarning.objects.visible_to(request.user), filters.region)
    if filters.status == "live":
        found = found.filter(status=EarlyWarning.PUBLISHED, expires__gt=timezone.now())
    elif filters.status is not None:
        found = found.filter(status=filters.status)
    if filters.level is not None:
        found = found.filter(level=filters.level)
    if filters.warning_type is not None:
        found = found.filter(warning_type__code=filters.warning_type)
    if filters.source is not None:
        found = found.filter(source=filters.source)
    if filters.q:
        found = found.filter(headline__contains=filters.q)
    return found.select_related("warning_type").order_by("-created_at", "-id")


@router.post("/warnings", response=responses(WarningDetailOut, 201), summary="起草预警 / Draft a warning")
def create_warning(request: HttpRequest, payload: DraftIn) -> Any:
    user = current_user(request)
    warning = services.create_draft(user, services.DraftInput(**payload.dict()))
    return Status(201, _detail(user, warning))


@router.get("/warnings/types", response=responses(list[dict[str, Any]]), summary="预警类型 / Warning types")
def list_types(request: HttpRequest) -> Any:
    services.require(services.may_view(current_user(request)))
    return list(
        WarningType.objects.filter(active=True).values(
            "code", "name", "name_en", "category", "cap_category", "signal_code", "levels", "instructions"
        )
    )


@router.get("/warnings/{int:warning_id}", response=responses(WarningDetailOut))
def get_warning(request: HttpRequest, warning_id: int = id_path()) -> Any:
    services.require(services.may_view(current_user(request)))
    return _detail_of(request, warning_id)


@router.patch(
    "/warnings/{int:warning_id}", response=responses(WarningDetailOut), summary="修改草稿 / Edit a draft"
)
def edit_warning(request: HttpRequest, payload: DraftPatch, warning_id: int = id_path()) -> Any:
    user = current_user(request)
    services.require(services.may_draft(user))
    warning = services.find_visible(user, warning_id)
    merged = {name: getattr(warning, name) for name in services.DRAFT_FIELDS}
    merged["warning_type"] = warning.warning_type.code
    merged.update({name: value for name, value in payload.dict().items() if value is not None})
    services.edit_draft(user, warning_id, services.DraftInput(**merged))
    return _detail_of(request, warning_id)


def _action(summary: str) -> dict[str, Any]:
    return {"response": responses(WarningDetailOut), "summary": summary}


@router.post("/warnings/{int:warning_id}/submit", **_action("提交审批 / Submit for approval"))
def submit_warning(request: HttpRequest, warning_id: int = id_path()) -> Any:
    services.submit(current_user(request), warning_id)
    return _detail_of(request, warning_id)


@router.post("/warnings/{int:warning_id}/return", **_action("退回修改 / Return to the drafter"))
def return_warning(request: HttpRequest, payload: NoteIn, warning_id: int = id_path()) -> Any:
    services.return_to_draft(current_user(request), warning_id, payload.note)
    return _detail_of(request, warning_id)


@router.post("/warnings/{int:warning_id}/approve", **_action("审批通过 / Approve"))
def approve_warning(request: HttpRequest, warning_id: int = id_path()) -> Any:
    services.approve(current_user(request), warning_id)
    return _detail_of(request, warning_id)


@router.post("/warnings/{int:warning_id}/publish", **_action("发布 / Publish (approving it if not yet)"))
def publish_warning(request: HttpRequest, warning_id: int = id_path()) -> Any:
    services.publish(current_user(request), warning_id)
    return _detail_of(request, warning_id)


@router.post(
    "/warnings/{int:warning_id}/update",
    response=responses(WarningDetailOut, 201),
    summary="更新预警（新版本草稿）/ Start an update: a new draft version",
)
def update_warning(request: HttpRequest, warning_id: int = id_path()) -> Any:
    user = current_user(request)
    draft = services.start_update(user, warning_id)
    return Status(201, _detail(user, draft))


@router.post(
    "/warnings/{int:warning_id}/cancel",
    **_action("解除已发布的预警，或作废未发布的 / Cancel a published warning or discard a draft"),
)
def cancel_warning(request: HttpRequest, payload: NoteIn, warning_id: int = id_path()) -> Any:
    user = current_user(request)
    result = services.cancel(user, warning_id, payload.note)
    return _detail(user, result)


# Approval rules ---------------------------------------------------------------------------------


class ApprovalRuleOut(Schema):
    region_code: str = Field(alias="region_id")
    level: Level
    approver_tier: Literal["county", "city"]


class ApprovalRuleIn(Schema):
    region_code: str = Field(max_length=12)
    level: Level
    approver_tier: Literal["county", "city"]


@router.get(
    "/warnings/approval-rules",
    response=responses(list[ApprovalRuleOut]),
    summary="预警审批规则（未设置时：蓝黄由县、橙红由市审批）/ Approval rules",
)
def list_approval_rules(request: HttpRequest) -> Any:
    services.require(services.may_view(current_user(request)))
    return list(ApprovalRule.objects.visible_to(request.user).order_by("region_id", "level"))


@router.put(
    "/warnings/approval-rules", response=responses(ApprovalRuleOut), summary="设置审批规则 / Set a rule"
)
def put_approval_rule(request: HttpRequest, payload: ApprovalRuleIn) -> Any:
    return services.set_approval_rule(
        current_user(request), payload.region_code, payload.level, payload.approver_tier
    )


# Subscriptions ----------------------------------------------------------------------------------


class SubscriberOut(Schema):
    id: int
    channel: Literal["sms", "app"]
    address: str = Field(description="脱敏显示 / masked")
    region_code: str = Field(alias="region_id")
    longitude: float | None
    latitude: float | None
    min_level: Level
    active: bool
    created_at: datetime

    @staticmethod
    def resolve_address(obj: Subscriber) -> str:
        return subscriptions.masked(obj.address)


class SubscriberIn(Schema):
    channel: Literal["sms", "app"]
    address: str = Field(min_length=1, max_length=200, description="手机号或推送标识 / number or push token")
    region_code: str | None = Field(None, max_length=12)
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    min_level: Level = "blue"


class SubscriberPatch(Schema):
    region_code: str | None = Field(None, max_length=12)
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    min_level: Level | None = None
    active: bool | None = None


class SubscriberFilter(Schema):
    region: str | None = Field(None, max_length=12)
    channel: Literal["sms", "app"] | None = None
    active: bool | None = None


@router.get(
    "/subscriptions", response=responses(list[SubscriberOut]), summary="公众订阅 / Public subscriptions"
)
@paginate(Page)
def list_subscriptions(request: HttpRequest, filters: Query[SubscriberFilter]) -> Any:
    subscriptions.require_manage(current_user(request))
    found = region_filter(Subscriber.objects.visible_to(request.user), filters.region)
    if filters.channel is not None:
        found = found.filter(channel=filters.channel)
    if filters.active is not None:
        found = found.filter(active=filters.active)
    return found.order_by("-created_at", "-id")


@router.post("/subscriptions", response=responses(SubscriberOut, 201), summary="代为登记订阅 / Register one")
def create_subscription(request: HttpRequest, payload: SubscriberIn) -> Any:
    subscriber = subscriptions.create(current_user(request), **payload.dict())
    return Status(201, subscriber)


@router.get("/subscriptions/{int:subscriber_id}", response=responses(SubscriberOut))
def get_subscription(request: HttpRequest, subscriber_id: int = id_path()) -> Any:
    subscriptions.require_manage(current_user(request))
    return Subscriber.objects.get_visible_or_404(request.user, pk=subscriber_id)


@router.patch("/subscriptions/{int:subscriber_id}", response=responses(SubscriberOut))
def patch_subscription(request: HttpRequest, payload: SubscriberPatch, subscriber_id: int = id_path()) -> Any:
    changes = payload.dict()
    changes["region"] = changes.pop("region_code")
    return subscriptions.update(current_user(request), subscriber_id, **changes)


@router.delete(
    "/subscriptions/{int:subscriber_id}", response=responses(None, 204), summary="删除订阅 / Delete"
)
def delete_subscription(request: HttpRequest, subscriber_id: int = id_path()) -> Any:
    subscriptions.delete(current_user(request), subscriber_id)
    return Status(204, None)


# The 一张图 layer -------------------------------------------------------------------------------


@router.get(
    "/map/warnings",
    response=responses(FeatureCollectionOut),
    url_name="warnings_map",
    tags=["map"],
    summary="生效预警的区域，按级别着色（一张图图层）/ Live warnings' areas by level",
)
def map_warnings(request: HttpRequest) -> Any:
    services.require(services.may_view(current_user(request)))
    return maplayer.feature_collection(request.user)
