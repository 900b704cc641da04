"""`/api/v1/hazards`: the hidden-hazard register, its closed loop as actions, plans, attachments, stats."""

import base64
import binascii
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.responses import codes_4xx

from yingji.core.api_common import (
    AUTH,
    BoundedDate,
    ErrorOut,
    Page,
    current_user,
    id_path,
    region_filter,
    responses,
)
from yingji.core.errors import Forbidden, InvalidInput, NotFound
from yingji.hazards import lifecycle, limits, services, stats
from yingji.hazards.criteria import criteria_for, find_criterion
from yingji.hazards.models import (
    ExtensionRequest,
    Hazard,
    HazardAttachment,
    HazardTransition,
    RectificationPlan,
)

router = Router(auth=AUTH, tags=["hazards"])

State = Literal["reported", "rectifying", "awaiting_acceptance", "closed"]
Grade = Literal["general", "major"]
Source = Literal["self_check", "inspection", "report"]
Level = Literal["county", "city"]
Stage = Literal["before", "after", "document"]
Note = Field("", max_length=services.NOTE_LIMIT, description="说明 / note")


class HazardOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    industry: str
    region_code: str
    title: str
    description: str
    location: str
    source: Source
    grade: Grade
    criterion_code: str
    criterion_title: str
    status: State
    found_on: date
    reported_at: datetime
    rectification_deadline: date | None
    is_overdue: bool
    overdue_at: datetime | None
    supervising_level: Level
    listed_at: datetime | None
    listed_by_level: str
    listed_deadline: date | None
    listed_document_number: str
    closed_at: datetime | None

    @staticmethod
    def resolve_enterprise_name(obj: Hazard) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_industry(obj: Hazard) -> str:
        return obj.enterprise.industry

    @staticmethod
    def resolve_region_code(obj: Hazard) -> str:
        return obj.enterprise.region_id

    @staticmethod
    def resolve_criterion_title(obj: Hazard) -> str:
        criterion = find_criterion(obj.criterion_code) if obj.criterion_code else None
        return criterion.title if criterion else ""


class PlanOut(Schema):
    objectives: str
    measures: str
    funds: Decimal
    responsible_person: str
    deadline: date
    interim_measures: str
    updated_at: datetime


class TransitionOut(Schema):
    action: str
    from_status: str
    to_status: str
    actor_name: str
    note: str
    at: datetime


class AttachmentOut(Schema):
    id: int
    stage: Stage
    original_name: str
    content_type: str
    size: int
    uploaded_at: datetime


class ExtensionOut(Schema):
    id: int
    previous_deadline: date | None
    requested_deadline: date
    reason: str
    status: Literal["pending", "approved", "refused", "withdrawn"]
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str


class HazardDetailOut(HazardOut):
    plan: PlanOut | None
    timeline: list[TransitionOut]
    attachments: list[AttachmentOut]
    extensions: list[ExtensionOut]
    allowed_actions: list[str]

    @staticmethod
    def resolve_plan(obj: Hazard) -> RectificationPlan | None:
        return RectificationPlan.objects.filter(hazard=obj).first()

    @staticmethod
    def resolve_timeline(obj: Hazard) -> Any:
        return HazardTransition.objects.filter(hazard=obj)

    @staticmethod
    def resolve_attachments(obj: Hazard) -> Any:
        return HazardAttachment.objects.filter(hazard=obj)

    @staticmethod
    def resolve_extensions(obj: Hazard) -> Any:
        return ExtensionRequest.objects.filter(hazard=obj)

    @staticmethod
    def resolve_allowed_actions(obj: Hazard, context: dict[str, Any]) -> list[str]:
        return services.allowed_actions(current_user(context["request"]), obj)


class HazardFilter(Schema):
    region: str | None = Field(None, max_length=12, description="行政区划代码 / region code")
    enterprise_id: int | None = Field(None, ge=1, le=2**53)
    status: State | None = None
    grade: Grade | None = None
    overdue: bool | None = Field(None, description="逾期未销号 / open and past the deadline")
    listed: bool | None = Field(None, description="挂牌督办 / under listed supervision")


class HazardIn(Schema):
    enterprise_id: int = Field(..., ge=1, le=2**53)
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=services.NOTE_LIMIT)
    location: str = Field("", max_length=200)
    source: Source = "self_check"
    grade: Grade = "general"
    criterion_code: str = Field("", max_length=16)
    found_on: BoundedDate


class PlanIn(Schema):
    objectives: str = Field(..., min_length=1, max_length=services.NOTE_LIMIT)
    measures: str = Field(..., min_length=1, max_length=services.NOTE_LIMIT)
    funds: Decimal = Field(..., ge=0, lt=10**12, decimal_places=2)
    responsible_person: str = Field(..., min_length=1, max_length=64)
    deadline: BoundedDate
    interim_measures: str = Field(..., min_length=1, max_length=services.NOTE_LIMIT)


class StartIn(Schema):
    deadline: BoundedDate | None = Field(
        None, description="整改期限；重大隐患默认取整改方案的治理时限 / deadline"
    )
    note: str = Note


class NoteIn(Schema):
    note: str = Note


class RejectIn(Schema):
    reason: str = Field(..., min_length=1, max_length=services.NOTE_LIMIT)


class ListIn(Schema):
    deadline: BoundedDate
    document_number: str = Field(..., min_length=1, max_length=64)
    note: str = Note


class ExtensionIn(Schema):
    requested_deadline: BoundedDate
    reason: str = Field(..., min_length=1, max_length=services.NOTE_LIMIT)


class DecisionIn(Schema):
    approve: bool
    note: str = Note


class CriterionOut(Schema):
    code: str
    industry: str
    number: int
    title: str
    standard: str


class TallyOut(Schema):
    key: str
    label: str
    open: int
    overdue: int
    closed: int


class StatsOut(Schema):
    start: date
    end: date
    found: int
    open: int
    overdue: int
    closed: int
    major_open: int
    listed_open: int
    rectification_rate: float | None
    mean_days_to_close: float | None
    counties: list[TallyOut]
    industries: list[TallyOut]
    months: list[TallyOut]


class StatsFilter(Schema):
    region: str | None = Field(None, max_length=12)
    start: BoundedDate | None = Field(None, description="发现日期起 / found from")
    end: BoundedDate | None = Field(None, description="发现日期止 / found until")


def _visible(request: HttpRequest) -> Any:
    user = current_user(request)
    if not services.may_view(user):
        raise Forbidden()
    return Hazard.objects.visible_to(user)


def _detail(request: HttpRequest, hazard_id: int) -> Hazard:
    return (
        _visible(request)
        .select_related("enterprise", "enterprise__region")
        .get_visible_or_404(current_user(request), pk=hazard_id)
    )


@router.get("/hazards", response=responses(list[HazardOut]))
@paginate(Page)
def list_hazards(request: HttpRequest, filters: Query[HazardFilter]) -> Any:
    hazards = region_filter(_visible(request), filters.region)
    if filters.enterprise_id is not None:
        hazards = hazards.filter(enterprise_id=filters.enterprise_id)
    if filters.status:
        hazards = hazards.filter(status=filters.status)
    if filters.grade:
        hazards = hazards.filter(grade=filters.grade)
    if filters.overdue is not None:
        overdue = {"is_overdue": True, "status__in": lifecycle.OPEN_STATES}
        hazards = hazards.filter(**overdue) if filters.overdue else hazards.exclude(**overdue)
    if filters.listed is not None:
        hazards = hazards.filter(listed_at__isnull=not filters.listed)
    return hazards.select_related("enterprise").order_by("-reported_at", "-id")


@router.post("/hazards", response=responses(HazardDetailOut, 201))
def report_hazard(request: HttpRequest, payload: HazardIn) -> Any:
    hazard = services.report_hazard(current_user(request), **payload.dict())
    return Status(201, _detail(request, hazard.pk))


@router.get("/hazards/stats", response=responses(StatsOut))
def hazard_stats(request: HttpRequest, filters: Query[StatsFilter]) -> Any:
    """Found, open, overdue and closed hazards per county, industry and month; rate and mean days to close."""
    end = filters.end or timezone.localdate()
    start = filters.start or end - timedelta(days=365)
    if start > end:
        raise InvalidInput("起始日期晚于截止日期 / start is after end", details={"field": "start"})
    hazards = region_filter(_visible(request), filters.region)
    result = stats.dashboard(hazards, current_user(request), start, end)
    return {
        **{
            name: getattr(result, name)
            for name in StatsOut.model_fields
            if name not in ("counties", "industries", "months")
        },
        "counties": [vars(t) for t in result.counties],
        "industries": [vars(t) for t in result.industries],
        "months": [vars(t) for t in result.months],
    }


@router.get("/hazard-criteria", response=responses(list[CriterionOut]))
def hazard_criteria(
    request: HttpRequest, industry: Literal["coal_mine", "hazardous_chemicals"] | None = None
) -> Any:
    """The items of the national judgment standards for major hidden hazards, of one industry or both."""
    industries = [industry] if industry else ["coal_mine", "hazardous_chemicals"]
    return [vars(criterion) for name in industries for criterion in criteria_for(name)]


class DeadlineLimitOut(Schema):
    grade: Grade
    criterion_code: str = Field(description="空：该等级的全部隐患 / blank: every hazard of the grade")
    criterion_title: str
    max_days: int = Field(description="企业自定期限的最长天数 / longest period an enterprise sets itself")
    configured: bool = Field(description="由市里设置（否则为默认值）/ set by the city (else the default)")


class DeadlineLimitIn(Schema):
    grade: Grade
    criterion_code: str = Field("", max_length=16, description="判定标准条款，空为整个等级 / blank: grade")
    max_days: int | None = Field(
        ..., ge=1, le=limits.MAX_CONFIGURABLE_DAYS, description="天数；null：恢复默认 / null: the default"
    )


@router.get(
    "/hazard-deadline-limits",
    response=responses(list[DeadlineLimitOut]),
    summary="整改期限上限（一般隐患默认 90 天，重大隐患 180 天）/ Longest rectification periods",
)
def list_deadline_limits(request: HttpRequest) -> Any:
    """How far ahead an enterprise may set its own deadline, per grade and per judgment criterion."""
    _visible(request)
    return services.deadline_limits()


@router.put(
    "/hazard-deadline-limits",
    response=responses(DeadlineLimitOut),
    summary="设置整改期限上限（市级管理员）/ Set a longest period (city admins)",
)
def put_deadline_limit(request: HttpRequest, payload: DeadlineLimitIn) -> Any:
    return services.set_deadline_limit(
        current_user(request),
        grade=payload.grade,
        criterion_code=payload.criterion_code,
        max_days=payload.max_days,
    )


@router.get("/hazards/{hazard_id}", response=responses(HazardDetailOut))
def get_hazard(request: HttpRequest, hazard_id: int = id_path()) -> Any:
    return _detail(request, hazard_id)


def _after(request: HttpRequest, hazard_id: int) -> Hazard:
    return _detail(request, hazard_id)


@router.put("/hazards/{hazard_id}/plan", response=responses(HazardDetailOut))
def put_plan(request: HttpRequest, payload: PlanIn, hazard_id: int = id_path()) -> Any:
    """Write the rectification plan of a major hazard (required before its rectification starts)."""
    services.save_plan(current_user(request), hazard_id, **payload.dict())
    return _after(request, hazard_id)


@router.post("/hazards/{hazard_id}/list-supervision", response=responses(HazardDetailOut))
def list_supervision(request: HttpRequest, payload: ListIn, hazard_id: int = id_path()) -> Any:
    """挂牌督办 by the actor's level (county or city), with a deadline and the document number."""
    services.list_for_supervision(current_user(request), hazard_id, **payload.dict())
    return _after(request, hazard_id)


@router.post("/hazards/{hazard_id}/start-rectification", response=responses(HazardDetailOut))
def start_rectification(request: HttpRequest, payload: StartIn, hazard_id: int = id_path()) -> Any:
    services.start_rectification(current_user(request), hazard_id, **payload.dict())
    return _after(request, hazard_id)


@router.post("/hazards/{hazard_id}/request-extension", response=responses(HazardDetailOut))
def request_extension(request: HttpRequest, payload: ExtensionIn, hazard_id: int = id_path()) -> Any:
    services.request_extension(current_user(request), hazard_id, **payload.dict())
    return _after(request, hazard_id)


@router.post("/hazards/{hazard_id}/decide-extension", response=responses(HazardDetailOut))
def decide_extension(request: HttpRequest, payload: DecisionIn, hazard_id: int = id_path()) -> Any:
    services.decide_extension(current_user(request), hazard_id, **payload.dict())
    return _after(request, hazard_id)


@router.post("/hazards/{hazard_id}/accept", response=responses(HazardDetailOut))
def accept(request: HttpRequest, payload: NoteIn, hazard_id: int = id_path()) -> Any:
    """Acceptance passed: 销号."""
    services.accept(current_user(request), hazard_id, **payload.dict())
    return _after(request, hazard_id)


@router.post("/hazards/{hazard_id}/submit", response=responses(HazardDetailOut))
def submit(request: HttpRequest, payload: NoteIn, hazard_id: int = id_path()) -> Any:
    """Rectification done: submit for acceptance."""
    services.submit_for_acceptance(current_user(request), hazard_id, **payload.dict())
    return _after(request, hazard_id)


@router.post("/hazards/{hazard_id}/reject", response=responses(HazardDetailOut))
def reject(request: HttpRequest, payload: RejectIn, hazard_id: int = id_path()) -> Any:
    """Acceptance failed: back to rectification with the reason."""
    services.reject(current_user(request), hazard_id, **payload.dict())
    return _after(request, hazard_id)


_FILE_SCHEMA = {
    "type": "object",
    "required": ["stage", "file"],
    "properties": {
        "stage": {"type": "string", "enum": ["before", "after", "document"]},
        "file": {"type": "string", "format": "binary"},
    },
}
_JSON_FILE_SCHEMA = {
    "type": "object",
    "required": ["stage", "name", "content_base64"],
    "properties": {
        "stage": {"type": "string", "enum": ["before", "after", "document"]},
        "name": {"type": "string", "maxLength": 200},
        "content_base64": {"type": "string"},
    },
}


def _upload_from(request: HttpRequest) -> tuple[str, str, bytes]:
    content_type = request.content_type or ""
    if content_type.startswith("multipart/form-data"):
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput("请选择文件 / A file is required", details={"field": "file"})
        if upload.size is not None and upload.size > services.uploads.MAX_BYTES:
            raise InvalidInput(
                "文件超过 10 MB / The file is larger than 10 MB",
                code="invalid_file",
                details={"field": "file"},
            )
        return request.POST.get("stage", ""), upload.name or "", upload.read()
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict) or not all(
        isinstance(body.get(k), str) for k in ("stage", "name", "content_base64")
    ):
        raise InvalidInput(
            "请以 multipart/form-data（stage, file）或 JSON（stage, name, content_base64）上传 / "
            "Send multipart "
            "form data (stage, file) or JSON (stage, name, content_base64)"
        )
    try:
        data = base64.b64decode(body["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(
            "content_base64 不是有效的 Base64 / Invalid base64", details={"field": "content_base64"}
        ) from None
    return body["stage"], body["name"], data


@router.post(
    "/hazards/{hazard_id}/attachments",
    response=responses(AttachmentOut, 201),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {"schema": _FILE_SCHEMA},
                "application/json": {"schema": _JSON_FILE_SCHEMA},
            },
        }
    },
)
def add_attachment(request: HttpRequest, hazard_id: int = id_path()) -> Any:
    """A photo or document (jpeg/png/webp/pdf/docx/xlsx, at most 10 MB), multipart or JSON with Base64."""
    stage, name, data = _upload_from(request)
    attachment = services.add_attachment(current_user(request), hazard_id, stage=stage, name=name, data=data)
    return Status(201, attachment)


@router.get(
    "/hazard-attachments/{attachment_id}",
    response={codes_4xx: ErrorOut},
    openapi_extra={
        "responses": {
            "200": {
                "description": "文件内容 / the file",
                "content": {"application/octet-stream": {"schema": {}}},
            }
        }
    },
)
def download_attachment(request: HttpRequest, attachment_id: int = id_path()) -> Any:
    """The attachment's file, with its checked content type."""
    if not services.may_view(current_user(request)):
        raise Forbidden()
    attachment = HazardAttachment.objects.get_visible_or_404(current_user(request), pk=attachment_id)
    return file_response(attachment)


def file_response(attachment: HazardAttachment) -> FileResponse:
    """The stored file, inline for images and PDF and as a download otherwise; 404 if the file is gone."""
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise NotFound("附件文件不存在 / The file is missing") from None
    inline = attachment.content_type in services.uploads.INLINE_TYPES
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=not inline,
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _in(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


# A 1×1 PNG for the walk test's upload.
_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="

# Bodies the scope walk uses, valid for the owning county's admin on a demo hazard in the right state.
WALK_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PUT", "/api/v1/hazards/{hazard_id}/plan"): {
        "objectives": "消除隐患，恢复安全生产条件",
        "measures": "停产整改，更换设备，组织验收",
        "funds": "120000.00",
        "responsible_person": "张伟",
        "deadline": _in(60),
        "interim_measures": "设置警戒区，专人值守，制定应急处置方案",
    },
    ("POST", "/api/v1/hazards/{hazard_id}/list-supervision"): {
        "deadline": _in(90),
        "document_number": "忻应急督〔2026〕1号",
    },
    ("POST", "/api/v1/hazards/{hazard_id}/start-rectification"): {"deadline": _in(60)},
    ("POST", "/api/v1/hazards/{hazard_id}/request-extension"): {
        "requested_deadline": _in(120),
        "reason": "设备到货延迟",
    },
    ("POST", "/api/v1/hazards/{hazard_id}/decide-extension"): {"approve": True, "note": "同意延期"},
    ("POST", "/api/v1/hazards/{hazard_id}/accept"): {"note": "现场验收合格"},
    ("POST", "/api/v1/hazards/{hazard_id}/submit"): {"note": "整改完成"},
    ("POST", "/api/v1/hazards/{hazard_id}/reject"): {"reason": "整改不彻底"},
    ("POST", "/api/v1/hazards/{hazard_id}/attachments"): {
        "stage": "before",
        "name": "现场照片.png",
        "content_base64": _PNG,
    },
}
