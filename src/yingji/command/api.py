"""The duty rota's API (值班值守): who is on duty now, posts and their shifts, swaps, handovers and
open matters, and check-ins. Reads start from `visible_to`; every write calls a service."""

from datetime import datetime, time
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from yingji.command import services
from yingji.command.incident_api import WALK_BODIES as INCIDENT_WALK_BODIES
from yingji.command.models import CheckIn, DutyMatter, DutyPost, Handover, Shift, ShiftPattern, ShiftSwap
from yingji.core.api_common import (
    AUTH,
    BoundedDate,
    BoundedDateTime,
    Page,
    current_user,
    id_path,
    region_filter,
    responses,
)
from yingji.core.errors import Forbidden

router = Router(auth=AUTH, tags=["duty"])

# Bodies the scope walk can send to the routes that validate one first (tests/test_scope_walk.py).
WALK_BODIES = {
    ("PATCH", "/api/v1/duty/posts/{post_id}"): {"checkin_minutes": 15},
    ("POST", "/api/v1/duty/posts/{post_id}/patterns"): {"name": "巡查班", "starts": "09:00", "ends": "17:00"},
    ("POST", "/api/v1/duty/posts/{post_id}/shifts"): {
        "pattern": "白班",
        "day": "2030-01-02",
        "leader": "demo-county-140921",
        "officers": ["demo-duty-140921"],
    },
    ("POST", "/api/v1/duty/posts/{post_id}/handover"): {"notes": "本班平稳，无突发事件。"},
    ("POST", "/api/v1/duty/shifts/{shift_id}/swaps"): {
        "incoming": "demo-duty-140921-4",
        "reason": "外出培训",
    },
    ("POST", "/api/v1/duty/swaps/{swap_id}/decide"): {"approve": False, "note": "人手不足，请另行协调"},
    ("POST", "/api/v1/duty/checkins/{checkin_id}/answer"): {"answer": "在岗，一切正常"},
    **INCIDENT_WALK_BODIES,  # the incidents' routes live in command/incident_api.py
}

Username = str


def _need_view(request: HttpRequest) -> Any:
    user = current_user(request)
    if not services.may_view(user):
        raise Forbidden()
    return user


# Schemas -------------------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    username: str
    full_name: str
    phone: str
    role: str


HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class PatternOut(Schema):
    id: int
    name: str
    starts: str = Field(description="开始时刻 / starts at, HH:MM (Beijing)")
    ends: str = Field(
        description="结束时刻，不晚于开始即为次日 / ends at, HH:MM; at or before `starts`: the next day"
    )

    @staticmethod
    def resolve_starts(pattern: ShiftPattern) -> str:
        return f"{pattern.starts:%H:%M}"

    @staticmethod
    def resolve_ends(pattern: ShiftPattern) -> str:
        return f"{pattern.ends:%H:%M}"


class PostOut(Schema):
    id: int
    region_code: str = Field(alias="region_id")
    name: str
    phone: str
    checkin_minutes: int
    patterns: list[PatternOut]

    @staticmethod
    def resolve_patterns(post: DutyPost) -> list[Any]:
        return list(post.patterns.all())


class PostPatch(Schema):
    phone: str | None = Field(None, max_length=32, description="值班电话 / the duty phone")
    checkin_minutes: int | None = Field(
        None,
        ge=services.MIN_CHECKIN_MINUTES,
        le=services.MAX_CHECKIN_MINUTES,
        description="查岗应答时限（分钟）",
    )


class PatternIn(Schema):
    name: str = Field(min_length=1, max_length=20)
    starts: str = Field(pattern=HHMM, description="开始时刻 HH:MM / starts at, HH:MM (Beijing)")
    ends: str = Field(
        pattern=HHMM,
        description="结束时刻，不晚于开始即为跨夜班 / HH:MM; at or before `starts`: the next day",
    )

    def service_args(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "starts": time.fromisoformat(self.starts),
            "ends": time.fromisoformat(self.ends),
        }


class ShiftOut(Schema):
    id: int
    post_id: int
    region_code: str = Field(alias="post.region_id")
    pattern: str = Field(alias="pattern.name")
    day: str
    starts_at: datetime
    ends_at: datetime
    leader: PersonOut
    officers: list[PersonOut]
    handed_over: bool

    @staticmethod
    def resolve_day(shift: Shift) -> str:
        return shift.day.isoformat()

    @staticmethod
    def resolve_officers(shift: Shift) -> list[Any]:
        return list(shift.officers.all())

    @staticmethod
    def resolve_handed_over(shift: Shift) -> bool:
        return hasattr(shift, "handover")


class ShiftIn(Schema):
    pattern: str = Field(min_length=1, max_length=20, description="班次名称 / shift pattern name, e.g. 白班")
    day: BoundedDate
    leader: Username = Field(min_length=1, max_length=150, description="带班领导账号 / leader on duty")
    officers: list[Username] = Field(min_length=1, max_length=services.MAX_OFFICERS, description="值班员账号")


class ShiftFilter(Schema):
    region: str | None = Field(None, max_length=12, description="行政区划代码 / region code")
    date_from: BoundedDate | None = Field(None, alias="from", description="起始日期（含）/ first day")
    date_to: BoundedDate | None = Field(None, alias="to", description="截止日期（含）/ last day")


class RegionFilter(Schema):
    region: str | None = Field(None, max_length=12, description="行政区划代码 / region code")


class DeletedOut(Schema):
    deleted: int


class DutyNowOut(Schema):
    region_code: str
    post: str
    phone: str
    at: datetime
    covered: bool = Field(description="排班是否覆盖此刻 / whether the rota covers this moment")
    shifts: list[ShiftOut]
    told: list[PersonOut] = Field(description="此刻通知发给谁 / who notifications go to now")


class SwapIn(Schema):
    incoming: Username | None = Field(
        None,
        min_length=1,
        max_length=150,
        description="换入人账号，省略时由审批人安排 / replacement; omitted: the approver names one",
    )
    outgoing: Username | None = Field(None, min_length=1, max_length=150, description="换出人（默认本人）")
    reason: str = Field(min_length=1, max_length=300)


class SwapDecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=300)
    incoming: Username | None = Field(
        None,
        min_length=1,
        max_length=150,
        description="换入人账号（申请未指定或另行安排时）/ the replacement, if named now",
    )


class SwapOut(Schema):
    id: int
    shift_id: int
    region_code: str = Field(alias="shift.post.region_id")
    outgoing: PersonOut
    incoming: PersonOut | None
    reason: str
    status: str
    requested_by_id: int
    requested_at: datetime
    decided_by_id: int | None
    decided_at: datetime | None
    decision_note: str


class SwapFilter(Schema):
    region: str | None = Field(None, max_length=12)
    status: Literal["requested", "approved", "refused", "cancelled"] | None = None


class HandoverIn(Schema):
    notes: str = Field(min_length=1, max_length=2000, description="交班情况 / what happened")
    closed_matter_ids: list[Annotated[int, Field(ge=1, le=2**53)]] = Field(
        default_factory=list, max_length=100
    )
    new_matters: list[Annotated[str, Field(max_length=300)]] = Field(
        default_factory=list, max_length=20, description="交办事项 / matters passed on to the next shift"
    )


class HandoverOut(Schema):
    id: int
    shift_id: int
    region_code: str = Field(alias="shift.post.region_id")
    notes: str
    written_by_id: int
    handed_at: datetime


class MatterOut(Schema):
    id: int
    region_code: str = Field(alias="post.region_id")
    text: str
    opened_in_id: int
    opened_at: datetime
    closed_in_id: int | None
    closed_at: datetime | None


class MatterFilter(Schema):
    region: str | None = Field(None, max_length=12)
    open: bool | None = Field(None, description="仅未办结 / only open matters")


class CheckInIn(Schema):
    regions: list[str] = Field(
        default_factory=list, max_length=50, description="县级代码；空为全部 / counties (all if empty)"
    )
    question: str = Field(min_length=1, max_length=200)


class CheckInAnswerIn(Schema):
    answer: str = Field("", max_length=300)


class CheckInOut(Schema):
    id: int
    region_code: str = Field(alias="post.region_id")
    post: str = Field(alias="post.name")
    question: str
    sent_by_id: int
    sent_at: datetime
    due_at: datetime
    status: str
    answered_by_id: int | None
    answered_at: datetime | None
    answer: str


class CheckInFilter(Schema):
    region: str | None = Field(None, max_length=12)
    status: Literal["pending", "answered", "missed"] | None = None
    sent_after: BoundedDateTime | None = None


# Who is on duty ------------------------------------------------------------------------------------


@router.get("/duty/now", response=responses(DutyNowOut), summary="此刻谁在值班 / who is on duty now")
def duty_now(request: HttpRequest, filters: Query[RegionFilter]) -> Any:
    found = services.now_on_duty(current_user(request), filters.region)
    post = found["post"]
    return {
        "region_code": post.region_id,
        "post": post.name,
        "phone": post.phone,
        "at": found["at"],
        "covered": bool(found["shifts"]),
        "shifts": found["shifts"],
        "told": found["told"],
    }


# Posts and shifts ----------------------------------------------------------------------------------


@router.get("/duty/posts", response=responses(list[PostOut]), summary="值班室 / duty rooms")
@paginate(Page)
def list_posts(request: HttpRequest, filters: Query[RegionFilter]) -> Any:
    user = _need_view(request)
    return region_filter(services.visible_posts(user), filters.region).prefetch_related("patterns")


@router.get("/duty/posts/{post_id}", response=responses(PostOut))
def get_post(request: HttpRequest, post_id: int = id_path()) -> Any:
    return DutyPost.objects.get_visible_or_404(_need_view(request), pk=post_id)


@router.patch(
    "/duty/posts/{post_id}",
    response=responses(PostOut),
    summary="值班电话、查岗应答时限 / phone, check-in time",
)
def update_post(request: HttpRequest, payload: PostPatch, post_id: int = id_path()) -> Any:
    return services.update_post(
        current_user(request), post_id, **payload.dict(exclude_unset=True, exclude_none=True)
    )


@router.post(
    "/duty/posts/{post_id}/patterns",
    response=responses(PatternOut, 201),
    summary="新增班次 / add a shift pattern",
)
def add_pattern(request: HttpRequest, payload: PatternIn, post_id: int = id_path()) -> Any:
    return Status(201, services.add_pattern(current_user(request), post_id, **payload.service_args()))


def _shifts(user: Any) -> Any:
    return (
        Shift.objects.visible_to(user)
        .select_related("post", "pattern", "leader", "handover")
        .prefetch_related("officers")
    )


@router.post(
    "/duty/posts/{post_id}/shifts", response=responses(ShiftOut, 201), summary="排班 / assign a shift"
)
def assign_shift(request: HttpRequest, payload: ShiftIn, post_id: int = id_path()) -> Any:
    user = current_user(request)
    shift = services.assign_shift(user, post_id, **payload.dict())
    return Status(201, _shifts(user).get(pk=shift.pk))


@router.post(
    "/duty/posts/{post_id}/handover",
    response=responses(HandoverOut, 201),
    summary="当前班次交班 / hand over the shift on now",
)
def hand_over(request: HttpRequest, payload: HandoverIn, post_id: int = id_path()) -> Any:
    return Status(201, services.hand_over_current(current_user(request), post_id, **payload.dict()))


@router.get("/duty/shifts", response=responses(list[ShiftOut]), summary="排班表 / the rota")
@paginate(Page)
def list_shifts(request: HttpRequest, filters: Query[ShiftFilter]) -> Any:
    user = _need_view(request)
    shifts = region_filter(_shifts(user), filters.region)
    if filters.date_from:
        shifts = shifts.filter(day__gte=filters.date_from)
    if filters.date_to:
        shifts = shifts.filter(day__lte=filters.date_to)
    return shifts.order_by("starts_at", "post_id", "id")


@router.get("/duty/shifts/{shift_id}", response=responses(ShiftOut))
def get_shift(request: HttpRequest, shift_id: int = id_path()) -> Any:
    return _shifts(_need_view(request)).get_visible_or_404(request.user, pk=shift_id)


@router.post(
    "/duty/shifts/{shift_id}/swaps", response=responses(SwapOut, 201), summary="申请换班 / ask for a swap"
)
def request_swap(request: HttpRequest, payload: SwapIn, shift_id: int = id_path()) -> Any:
    swap = services.request_swap(current_user(request), shift_id, **payload.dict())
    return Status(201, _swaps(request.user).get(pk=swap.pk))


@router.delete(
    "/duty/shifts/{shift_id}", response=responses(DeletedOut), summary="删除未开始的班次 / remove a shift"
)
def remove_shift(request: HttpRequest, shift_id: int = id_path()) -> Any:
    services.remove_shift(current_user(request), shift_id)
    return {"deleted": shift_id}


# Swaps ---------------------------------------------------------------------------------------------


def _swaps(user: Any) -> Any:
    return ShiftSwap.objects.visible_to(user).select_related("shift__post", "outgoing", "incoming")


@router.get("/duty/swaps", response=responses(list[SwapOut]), summary="换班申请 / swap requests")
@paginate(Page)
def list_swaps(request: HttpRequest, filters: Query[SwapFilter]) -> Any:
    swaps = region_filter(_swaps(_need_view(request)), filters.region)
    if filters.status:
        swaps = swaps.filter(status=filters.status)
    return swaps.order_by("-requested_at", "-id")


@router.post(
    "/duty/swaps/{swap_id}/decide", response=responses(SwapOut), summary="审批换班 / approve or refuse"
)
def decide_swap(request: HttpRequest, payload: SwapDecisionIn, swap_id: int = id_path()) -> Any:
    services.decide_swap(current_user(request), swap_id, **payload.dict())
    return _swaps(request.user).get(pk=swap_id)


# Handovers and open matters ------------------------------------------------------------------------


@router.get("/duty/handovers", response=responses(list[HandoverOut]), summary="交接班记录 / handovers")
@paginate(Page)
def list_handovers(request: HttpRequest, filters: Query[RegionFilter]) -> Any:
    handovers = Handover.objects.visible_to(_need_view(request)).select_related("shift__post")
    return region_filter(handovers, filters.region).order_by("-handed_at", "-id")


@router.get("/duty/matters", response=responses(list[MatterOut]), summary="交办事项 / open matters")
@paginate(Page)
def list_matters(request: HttpRequest, filters: Query[MatterFilter]) -> Any:
    matters = region_filter(
        DutyMatter.objects.visible_to(_need_view(request)).select_related("post"), filters.region
    )
    if filters.open is not None:
        matters = matters.filter(closed_at__isnull=filters.open)
    return matters.order_by("opened_at", "id")


# Check-ins -----------------------------------------------------------------------------------------


def _checkins(user: Any) -> Any:
    return CheckIn.objects.visible_to(user).select_related("post")


@router.post(
    "/duty/checkins",
    response=responses(list[CheckInOut], 201),
    summary="查岗 / check the counties' duty rooms",
)
def send_checkins(request: HttpRequest, payload: CheckInIn) -> Any:
    sent = services.send_checkins(current_user(request), payload.regions, payload.question)
    return Status(201, sent)


@router.get("/duty/checkins", response=responses(list[CheckInOut]), summary="查岗记录 / check-ins")
@paginate(Page)
def list_checkins(request: HttpRequest, filters: Query[CheckInFilter]) -> Any:
    checkins = region_filter(_checkins(_need_view(request)), filters.region)
    if filters.status:
        checkins = checkins.filter(status=filters.status)
    if filters.sent_after:
        checkins = checkins.filter(sent_at__gte=filters.sent_after)
    return checkins.order_by("-sent_at", "-id")


@router.get("/duty/checkins/{checkin_id}", response=responses(CheckInOut))
def get_checkin(request: HttpRequest, checkin_id: int = id_path()) -> Any:
    return _checkins(_need_view(request)).get_visible_or_404(request.user, pk=checkin_id)


@router.post(
    "/duty/checkins/{checkin_id}/answer", response=responses(CheckInOut), summary="应答查岗 / answer"
)
def answer_checkin(request: HttpRequest, payload: CheckInAnswerIn, checkin_id: int = id_path()) -> Any:
    return services.answer_checkin(current_user(request), checkin_id, payload.answer)
