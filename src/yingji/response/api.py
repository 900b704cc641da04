"""The response's API, beside the incident's: its response, headquarters, tasks, situation reports,
the dispatch recommendation, dispatch orders and material requests; and the reference tables the
city keeps. Reads start from the incident the user may see; every write calls a service.
"""

from datetime import datetime, timedelta
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from yingji.core.api_common import AUTH, BoundedDateTime, current_user, id_path, responses
from yingji.core.errors import Forbidden, InvalidInput
from yingji.response import access, dispatch, recommend, rules, services
from yingji.response.models import (
    DispatchOrder,
    GroupKind,
    HeadquartersGroup,
    IncidentMaterialRequest,
    IncidentProfile,
    MeasureItem,
    Response,
    SituationReport,
    Task,
)

router = Router(auth=AUTH, tags=["response"])

# Bodies the scope walk sends to routes that validate one first (tests/test_scope_walk.py).
WALK_BODIES = {
    ("POST", "/api/v1/incidents/{incident_id}/response"): {"level": 4, "matters": "启动四级响应"},
    ("PATCH", "/api/v1/incidents/{incident_id}/response"): {"level": 3, "reason": "事态扩大"},
    ("PUT", "/api/v1/incidents/{incident_id}/headquarters/commander"): {
        "name": "王指挥",
        "phone": "13800000000",
    },
    ("POST", "/api/v1/incidents/{incident_id}/headquarters/members"): {"group": "rescue", "name": "李队长"},
    ("POST", "/api/v1/incidents/{incident_id}/tasks"): {"title": "巡查现场", "hours": 2},
    ("POST", "/api/v1/response-tasks/{task_id}/feedback"): {"feedback": "正在办理"},
    ("PUT", "/api/v1/incidents/{incident_id}/sitreps/schedule"): {"every_hours": 2},
    ("POST", "/api/v1/incidents/{incident_id}/sitreps"): {"progress": "现场处置有序"},
    ("POST", "/api/v1/incidents/{incident_id}/dispatch-orders"): {"team_id": 0},
    ("POST", "/api/v1/dispatch-orders/{order_id}/status"): {"status": "departed"},
    ("POST", "/api/v1/incidents/{incident_id}/material-requests"): {
        "lines": [{"code": "1010201", "quantity": 20}],
        "hours": 4,
    },
    ("POST", "/api/v1/incidents/{incident_id}/response/end"): {"summary": "处置完毕"},
}

Text = Annotated[str, Field(max_length=4000)]


def _view(request: HttpRequest, incident_id: int) -> Any:
    return services.incident_for(current_user(request), incident_id)


# Schemas ---------------------------------------------------------------------------------------


class ResponseLevelChangeOut(Schema):
    from_level: int | None
    to_level: int
    reason: str
    at: datetime


class ResponseOut(Schema):
    id: int
    incident_id: int
    level: int
    level_label: str
    status: str
    matters: str
    measures: str
    expected_hours: int | None
    launched_at: datetime
    commander_name: str
    commander_phone: str
    sitrep_every_hours: int | None
    ended_at: datetime | None
    summary: str
    level_changes: list[ResponseLevelChangeOut]


class ResponseStateOut(Schema):
    """The incident's response, or null when none was launched."""

    incident_id: int
    incident_status: str
    response: ResponseOut | None


class ResponseLaunchIn(Schema):
    level: int = Field(..., ge=1, le=4, description="1 一级（最高）… 4 四级")
    matters: str = Field("", max_length=2000)
    measures: str = Field("", max_length=2000)
    expected_hours: int | None = Field(None, ge=1, le=rules.MAX_EXPECTED_HOURS)
    sitrep_every_hours: int | None = Field(None, ge=rules.MIN_SITREP_HOURS, le=rules.MAX_SITREP_HOURS)


class ResponseAdjustIn(Schema):
    level: int = Field(..., ge=1, le=4)
    reason: str = Field(..., min_length=1, max_length=300)


class ResponseEndIn(Schema):
    summary: str = Field(..., min_length=1, max_length=4000)


class HeadquartersMemberOut(Schema):
    id: int
    name: str
    phone: str
    post: str
    is_leader: bool
    username: str | None = None

    @staticmethod
    def resolve_username(member: Any) -> str | None:
        return member.user.username if member.user_id else None


class HeadquartersGroupOut(Schema):
    code: str
    name: str
    members: list[HeadquartersMemberOut]

    @staticmethod
    def resolve_code(group: Any) -> str:
        return group.kind.code

    @staticmethod
    def resolve_name(group: Any) -> str:
        return group.kind.name

    @staticmethod
    def resolve_members(group: Any) -> list[Any]:
        return list(group.members.all())


class HeadquartersOut(Schema):
    commander_name: str
    commander_phone: str
    groups: list[HeadquartersGroupOut]


class HeadquartersCommanderIn(Schema):
    username: str | None = Field(None, max_length=150)
    name: str = Field("", max_length=64)
    phone: str = Field("", max_length=32)


class HeadquartersMemberIn(Schema):
    group: str = Field(..., max_length=32)
    username: str | None = Field(None, max_length=150)
    name: str = Field("", max_length=64)
    phone: str = Field("", max_length=32)
    post: str = Field("", max_length=64)
    is_leader: bool = False


class ResponseTaskOut(Schema):
    id: int
    title: str
    detail: str
    group: str | None = None
    organization_id: int | None
    due_at: datetime
    status: str
    overdue: bool
    feedback: str
    done_at: datetime | None

    @staticmethod
    def resolve_group(task: Any) -> str | None:
        return task.group.kind.code if task.group_id else None


class ResponseTaskIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    detail: str = Field("", max_length=1000)
    group: str | None = Field(None, max_length=32)
    organization_id: int | None = Field(None, ge=1, le=2**53)
    due_at: BoundedDateTime | None = Field(None, description="完成时限 / due by (or `hours`)")
    hours: int | None = Field(None, ge=1, le=rules.MAX_TASK_HOURS, description="几小时内完成 / due in hours")


class TaskFeedbackIn(Schema):
    feedback: str = Field(..., min_length=1, max_length=1000)
    done: bool = False


class SituationReportOut(Schema):
    id: int
    sequence: int
    due_at: datetime
    status: str
    late: bool
    filed_at: datetime | None
    deaths: int
    missing: int
    injured: int
    trapped: int
    evacuated: int
    progress: str
    needs: str


class SituationReportIn(Schema):
    progress: str = Field(..., min_length=1, max_length=2000)
    needs: str = Field("", max_length=1000)
    deaths: int = Field(0, ge=0, le=services.MAX_COUNT)
    missing: int = Field(0, ge=0, le=services.MAX_COUNT)
    injured: int = Field(0, ge=0, le=services.MAX_COUNT)
    trapped: int = Field(0, ge=0, le=services.MAX_COUNT)
    evacuated: int = Field(0, ge=0, le=services.MAX_COUNT)


class SitrepScheduleIn(Schema):
    every_hours: int | None = Field(..., ge=rules.MIN_SITREP_HOURS, le=rules.MAX_SITREP_HOURS)


class DispatchOrderOut(Schema):
    id: int
    number: str
    incident_id: int
    team_id: int
    team_name: str
    task: str
    status: str
    status_label: str
    minutes: float | None
    km: float | None
    eta: datetime | None
    issued_at: datetime
    received_at: datetime | None
    received_via: str
    departed_at: datetime | None
    arrived_at: datetime | None
    completed_at: datetime | None
    recalled_at: datetime | None
    escalated_at: datetime | None

    @staticmethod
    def resolve_team_name(order: Any) -> str:
        return order.team.name


class DispatchOrderIn(Schema):
    team_id: int = Field(..., ge=0, le=2**53)
    task: str = Field("", max_length=300)


class DispatchStatusIn(Schema):
    status: str = Field(
        ..., max_length=12, description="received | departed | arrived | completed | recalled"
    )
    note: str = Field("", max_length=300)


class IncidentMaterialLineIn(Schema):
    code: str = Field(..., max_length=16)
    quantity: int = Field(..., ge=1, le=10_000_000)


class IncidentMaterialsIn(Schema):
    lines: list[IncidentMaterialLineIn] = Field(..., min_length=1, max_length=100)
    needed_by: BoundedDateTime | None = Field(None, description="需求时间 / needed by (or `hours`)")
    hours: int | None = Field(
        None, ge=1, le=rules.MAX_TASK_HOURS, description="几小时内送达 / needed in hours"
    )
    destination: str = Field("", max_length=100)


class IncidentMaterialRequestOut(Schema):
    request_id: int
    number: str
    status: str
    created_at: datetime

    @staticmethod
    def resolve_number(link: Any) -> str:
        return link.request.number

    @staticmethod
    def resolve_status(link: Any) -> str:
        return link.request.status


class HeadquartersGroupKindOut(Schema):
    code: str
    name: str
    duties: str
    position: int
    active: bool


class HeadquartersGroupKindIn(Schema):
    code: str = Field(..., pattern=r"^[a-z0-9_-]{1,32}$")
    name: str = Field(..., min_length=1, max_length=40)
    duties: str = Field("", max_length=200)
    position: int = Field(0, ge=0, le=1000)
    active: bool = True


class MeasureItemOut(Schema):
    id: int
    category: str
    subtype: str
    text: str
    group: str | None = None
    hours: int
    active: bool

    @staticmethod
    def resolve_group(item: Any) -> str | None:
        return item.group_kind.code if item.group_kind_id else None


class MeasureItemIn(Schema):
    id: int | None = Field(None, ge=1, le=2**53, description="省略则新增 / omit to add")
    category: str = Field(..., max_length=16)
    subtype: str = Field("", max_length=32)
    text: str = Field(..., min_length=1, max_length=200)
    group: str | None = Field(None, max_length=32)
    hours: int = Field(2, ge=1, le=rules.MAX_TASK_HOURS)
    active: bool = True


class IncidentProfileOut(Schema):
    category: str
    subtype: str
    team_kinds: list[str]
    equipment_kinds: list[str]
    chemical: bool
    aviation: bool


# The response ----------------------------------------------------------------------------------


def _response_of(incident: Any) -> Any:
    return Response.objects.filter(incident=incident).prefetch_related("level_changes").first()


def _state(incident: Any) -> dict[str, Any]:
    response = _response_of(incident)
    out = None
    if response is not None:
        out = {
            **{f: getattr(response, f) for f in ResponseOut.model_fields if hasattr(response, f)},
            "level_changes": list(response.level_changes.all()),
        }
    return {"incident_id": incident.pk, "incident_status": incident.status, "response": out}


@router.get(
    "/incidents/{incident_id}/response",
    response=responses(ResponseStateOut),
    summary="事件的应急响应 / the incident's response",
)
def get_response(request: HttpRequest, incident_id: int = id_path()) -> Any:
    return _state(_view(request, incident_id))


@router.get(
    "/incidents/{incident_id}/headquarters",
    response=responses(HeadquartersOut),
    summary="指挥部 / headquarters",
)
def get_headquarters(request: HttpRequest, incident_id: int = id_path()) -> Any:
    incident = _view(request, incident_id)
    response = _response_of(incident)
    groups = (
        HeadquartersGroup.objects.filter(response=response)
        .select_related("kind")
        .prefetch_related("members__user")
        if response
        else []
    )
    return {
        "commander_name": response.commander_name if response else "",
        "commander_phone": response.commander_phone if response else "",
        "groups": list(groups),
    }


@router.get(
    "/incidents/{incident_id}/tasks", response=responses(list[ResponseTaskOut]), summary="任务 / tasks"
)
def list_tasks(request: HttpRequest, incident_id: int = id_path()) -> Any:
    incident = _view(request, incident_id)
    return list(Task.objects.filter(response__incident=incident).select_related("group__kind")[:1000])


@router.get(
    "/incidents/{incident_id}/sitreps",
    response=responses(list[SituationReportOut]),
    summary="情况报告 / situation reports",
)
def list_sitreps(request: HttpRequest, incident_id: int = id_path()) -> Any:
    incident = _view(request, incident_id)
    return list(SituationReport.objects.filter(response__incident=incident).order_by("sequence")[:1000])


@router.get(
    "/incidents/{incident_id}/recommendation",
    response=responses(dict[str, Any]),
    summary="调度推荐 / the nearest help for the incident",
)
def get_recommendation(
    request: HttpRequest,
    incident_id: int = id_path(),
    limit: int = Query(recommend.DEFAULT_LIMIT, ge=1, le=recommend.MAX_LIMIT),
    radius_km: float = Query(
        recommend.DEFAULT_RADIUS_KM, ge=recommend.MIN_RADIUS_KM, le=recommend.MAX_RADIUS_KM
    ),
) -> Any:
    incident = _view(request, incident_id)
    return recommend.recommend(current_user(request), incident, limit=limit, radius_km=radius_km).as_dict()


@router.get(
    "/incidents/{incident_id}/dispatch-orders",
    response=responses(list[DispatchOrderOut]),
    summary="调派令 / dispatch orders",
)
def list_orders(request: HttpRequest, incident_id: int = id_path()) -> Any:
    incident = _view(request, incident_id)
    return list(DispatchOrder.objects.filter(incident=incident).select_related("team")[:1000])


@router.get(
    "/incidents/{incident_id}/material-requests",
    response=responses(list[IncidentMaterialRequestOut]),
    summary="事件的物资申请 / material requests for the incident",
)
def list_material_requests(request: HttpRequest, incident_id: int = id_path()) -> Any:
    incident = _view(request, incident_id)
    return list(IncidentMaterialRequest.objects.filter(incident=incident).select_related("request")[:1000])


@router.post(
    "/incidents/{incident_id}/response",
    response=responses(ResponseStateOut, 201),
    summary="启动应急响应 / launch the response",
)
def launch(request: HttpRequest, payload: ResponseLaunchIn, incident_id: int = id_path()) -> Any:
    response = services.launch_response(current_user(request), incident_id, **payload.dict())
    return Status(201, _state(response.incident))


@router.patch(
    "/incidents/{incident_id}/response",
    response=responses(ResponseStateOut),
    summary="调整响应级别 / adjust the level",
)
def adjust(request: HttpRequest, payload: ResponseAdjustIn, incident_id: int = id_path()) -> Any:
    response = services.adjust_level(current_user(request), incident_id, **payload.dict())
    return _state(response.incident)


@router.put(
    "/incidents/{incident_id}/headquarters/commander",
    response=responses(HeadquartersOut),
    summary="设置总指挥 / name the commander",
)
def set_commander(
    request: HttpRequest, payload: HeadquartersCommanderIn, incident_id: int = id_path()
) -> Any:
    services.set_commander(current_user(request), incident_id, **payload.dict())
    return get_headquarters(request, incident_id)


@router.post(
    "/incidents/{incident_id}/headquarters/members",
    response=responses(HeadquartersMemberOut, 201),
    summary="添加指挥部成员 / add a member to a group",
)
def add_member(request: HttpRequest, payload: HeadquartersMemberIn, incident_id: int = id_path()) -> Any:
    return Status(201, services.add_member(current_user(request), incident_id, **payload.dict()))


@router.delete(
    "/headquarters-members/{member_id}",
    response=responses(HeadquartersMemberOut),
    summary="移除指挥部成员 / remove a member",
)
def remove_member(request: HttpRequest, member_id: int = id_path()) -> Any:
    member = services.remove_member(current_user(request), member_id)
    member.id = member_id
    return member


@router.post(
    "/incidents/{incident_id}/tasks",
    response=responses(ResponseTaskOut, 201),
    summary="下达任务 / add a task",
)
def add_task(request: HttpRequest, payload: ResponseTaskIn, incident_id: int = id_path()) -> Any:
    data = payload.dict()
    now = timezone.now()
    data["due_at"] = _due(data["due_at"], data.pop("hours"), now)
    return Status(201, services.add_task(current_user(request), incident_id, now=now, **data))


def _due(moment: datetime | None, hours: int | None, now: datetime) -> datetime:
    """A time given either as itself or as hours from now (exactly one of the two)."""
    if (hours is None) == (moment is None):
        raise InvalidInput(
            "请给出时间或小时数之一 / Give either the time or the hours", details={"field": "hours"}
        )
    return moment if moment is not None else now + timedelta(hours=hours or 0)


@router.post(
    "/response-tasks/{task_id}/feedback",
    response=responses(ResponseTaskOut),
    summary="任务反馈或完成 / feedback on a task, or done",
)
def task_feedback(request: HttpRequest, payload: TaskFeedbackIn, task_id: int = id_path()) -> Any:
    return services.report_task(current_user(request), task_id, **payload.dict())


@router.put(
    "/incidents/{incident_id}/sitreps/schedule",
    response=responses(ResponseStateOut),
    summary="情况报告时间表 / the situation report schedule",
)
def sitrep_schedule(request: HttpRequest, payload: SitrepScheduleIn, incident_id: int = id_path()) -> Any:
    response = services.set_sitrep_schedule(current_user(request), incident_id, **payload.dict())
    return _state(response.incident)


@router.post(
    "/incidents/{incident_id}/sitreps",
    response=responses(SituationReportOut, 201),
    summary="报送情况报告 / file a situation report",
)
def file_sitrep(request: HttpRequest, payload: SituationReportIn, incident_id: int = id_path()) -> Any:
    return Status(201, services.file_sitrep(current_user(request), incident_id, **payload.dict()))


@router.post(
    "/incidents/{incident_id}/dispatch-orders",
    response=responses(DispatchOrderOut, 201),
    summary="下达调派令 / dispatch a team",
)
def issue_order(request: HttpRequest, payload: DispatchOrderIn, incident_id: int = id_path()) -> Any:
    user = current_user(request)
    team_id = payload.team_id or _first_standby_team(user, incident_id)
    return Status(201, dispatch.issue_order(user, incident_id, team_id=team_id, task=payload.task))


def _first_standby_team(user: Any, incident_id: int) -> int:
    """`team_id` 0: the first team the recommendation ranks (the nearest of the kinds needed)."""
    incident = services.incident_for(user, incident_id)
    found = recommend.recommend(user, incident, limit=1)
    if not found.teams:
        from yingji.core.errors import Conflict

        raise Conflict("附近没有待命的所需队伍 / No team standing by nearby", code="no_team")
    return found.teams[0].candidate.id


@router.post(
    "/dispatch-orders/{order_id}/acknowledge",
    response=responses(DispatchOrderOut),
    summary="确认收到调派令 / acknowledge the order",
)
def acknowledge(request: HttpRequest, order_id: int = id_path()) -> Any:
    return dispatch.acknowledge(current_user(request), order_id)


@router.post(
    "/dispatch-orders/{order_id}/status",
    response=responses(DispatchOrderOut),
    summary="调派令进展或撤回 / the order's next step, or recall",
)
def order_status(request: HttpRequest, payload: DispatchStatusIn, order_id: int = id_path()) -> Any:
    return dispatch.advance(current_user(request), order_id, status=payload.status, note=payload.note)


@router.post(
    "/incidents/{incident_id}/material-requests",
    response=responses(IncidentMaterialRequestOut, 201),
    summary="为事件申请物资 / request materials for the incident",
)
def request_materials(
    request: HttpRequest, payload: IncidentMaterialsIn, incident_id: int = id_path()
) -> Any:
    now = timezone.now()
    link = services.request_materials(
        current_user(request),
        incident_id,
        lines=[(line.code, line.quantity) for line in payload.lines],
        needed_by=_due(payload.needed_by, payload.hours, now),
        destination=payload.destination,
        now=now,
    )
    return Status(201, link)


@router.post(
    "/incidents/{incident_id}/response/end",
    response=responses(ResponseStateOut),
    summary="结束响应 / stand down",
)
def end(request: HttpRequest, payload: ResponseEndIn, incident_id: int = id_path()) -> Any:
    response = services.end_response(current_user(request), incident_id, **payload.dict())
    return _state(response.incident)


# Reference tables ------------------------------------------------------------------------------


def _need_view(request: HttpRequest) -> Any:
    user = current_user(request)
    if not access.may_view(user):
        raise Forbidden()
    return user


@router.get(
    "/response/group-kinds",
    response=responses(list[HeadquartersGroupKindOut]),
    summary="工作组类别 / group kinds",
)
def group_kinds(request: HttpRequest) -> Any:
    _need_view(request)
    return list(GroupKind.objects.all())


@router.put(
    "/response/group-kinds",
    response=responses(HeadquartersGroupKindOut),
    summary="保存工作组类别 / save a group kind",
)
def save_group_kind(request: HttpRequest, payload: HeadquartersGroupKindIn) -> Any:
    return services.save_group_kind(current_user(request), **payload.dict())


@router.get(
    "/response/measures",
    response=responses(list[MeasureItemOut]),
    summary="处置措施清单 / measure checklists",
)
def measures(request: HttpRequest) -> Any:
    _need_view(request)
    return list(MeasureItem.objects.select_related("group_kind"))


@router.post(
    "/response/measures", response=responses(MeasureItemOut), summary="保存处置措施 / save a measure"
)
def save_measure(request: HttpRequest, payload: MeasureItemIn) -> Any:
    data = payload.dict()
    return services.save_measure(current_user(request), measure_id=data.pop("id"), **data)


@router.get(
    "/response/profiles",
    response=responses(list[IncidentProfileOut]),
    summary="事件处置需求 / what incidents need",
)
def profiles(request: HttpRequest) -> Any:
    _need_view(request)
    return list(IncidentProfile.objects.all())
