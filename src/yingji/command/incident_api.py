"""The incidents' API (事件): list and detail with the log and the reporting clocks, intake (from a call
or a red alarm), changes of the numbers, merging, reports up the chain and their judgment, notes, and
the city's take-over. Reads start from `visible_to`; every write calls a service."""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from yingji.command import categories
from yingji.command import incident_services as services
from yingji.command.models import AccidentReport, Incident
from yingji.core.api_common import (
    AUTH,
    BoundedDateTime,
    FeatureCollectionOut,
    Page,
    current_user,
    id_path,
    responses,
)
from yingji.core.errors import Forbidden, InvalidInput
from yingji.core.registry import county_filter
from yingji.geography.coordinates import Latitude, Longitude

router = Router(auth=AUTH, tags=["incidents"])

# Bodies the scope walk can send to the routes that validate one first (tests/test_scope_walk.py).
WALK_BODIES = {
    ("PATCH", "/api/v1/incidents/{incident_id}"): {"description": "现场已设置警戒"},
    ("POST", "/api/v1/incidents/{incident_id}/merge"): {},
    ("POST", "/api/v1/incidents/{incident_id}/notes"): {"text": "县局工作组已到达现场"},
    ("POST", "/api/v1/incidents/{incident_id}/reports"): {
        "level": "city",
        "reporting_unit": "县应急管理局",
        "to_whom": "市应急管理局",
        "course": "经过",
        "measures": "措施",
    },
    ("POST", "/api/v1/incidents/reports/{report_id}/flag"): {"flag": "concealed", "reason": "隐瞒死亡人数"},
}

Category = Literal["natural", "accident", "public_health", "social_security"]
Status_ = Literal["reported", "responding", "closed", "merged"]
Source = Literal[
    "phone", "transfer_110", "transfer_119", "transfer_120", "superior", "disaster_report", "public_report"
]
Level = Literal["county", "city", "province", "national"]
People = Field(0, ge=0, le=services.MAX_PEOPLE)


def _viewer(request: HttpRequest) -> Any:
    user = current_user(request)
    if not services.may_view(user):
        raise Forbidden()
    return user


# Schemas -------------------------------------------------------------------------------------------


class IncidentOut(Schema):
    id: int
    number: str
    title: str
    category: str
    category_label: str
    subtype: str
    source: str
    status: str
    region_code: str = Field(alias="region_id")
    region: str = Field(alias="region.name")
    longitude: float
    latitude: float
    address: str
    organization_id: int | None = Field(description="事故单位的组织 / the enterprise's organization")
    occurred_at: datetime
    known_at: datetime
    deaths: int
    missing: int
    serious_injuries: int
    trapped: int
    direct_loss_cny: Decimal
    grade: str = Field(
        description="事故等级（国务院令第493号），非生产安全事故为空 / accident grade or blank"
    )
    commanded_by_city: bool
    merged_into_id: int | None
    closed_at: datetime | None
    summary: str

    @staticmethod
    def resolve_category_label(incident: Incident) -> str:
        return categories.CATEGORY_LABELS.get(incident.category, incident.category)


class LogOut(Schema):
    id: int
    at: datetime
    kind: str
    text: str
    actor_id: int | None
    subject: str


class ReportOut(Schema):
    id: int
    incident_id: int
    level: str
    kind: str
    status: str
    due_at: datetime | None
    late: bool = Field(description="迟报 / filed (or still not filed) after its time")
    filed_by_id: int | None
    filed_at: datetime | None
    reporting_unit: str
    to_whom: str
    unit_summary: str
    occurred_at: datetime | None
    place: str
    course: str
    deaths: int
    missing: int
    serious_injuries: int
    direct_loss_cny: Decimal
    measures: str
    flag: str = Field(description="concealed 瞒报 / falsified 谎报 / blank")
    flag_reason: str
    flagged_at: datetime | None


class ClockOut(Schema):
    level: str
    due_at: datetime | None
    state: Literal["running", "overdue", "filed", "late"]
    report_id: int


class IncidentDetailOut(IncidentOut):
    description: str
    log: list[LogOut]
    clocks: list[ClockOut]
    casualty_updates_until: datetime | None = Field(description="伤亡变化补报截止 / casualty changes until")


class IntakeIn(Schema):
    title: str = Field(min_length=1, max_length=100)
    category: Category
    subtype: str = Field(
        min_length=1, max_length=32, description="事件类型，见类别表 / subtype of the category"
    )
    source: Source
    longitude: Longitude
    latitude: Latitude
    occurred_at: BoundedDateTime
    known_at: BoundedDateTime
    address: str = Field("", max_length=200)
    enterprise_id: int | None = Field(
        None, ge=1, le=2**53, description="企业编号（事故单位）/ the enterprise"
    )
    deaths: int = People
    missing: int = People
    serious_injuries: int = People
    trapped: int = People
    direct_loss_cny: Decimal = Field(Decimal(0), ge=0, le=services.MAX_LOSS_CNY, decimal_places=2)
    description: str = Field("", max_length=4000)


class FromAlarmIn(Schema):
    alarm_id: int = Field(ge=1, le=2**53)


class IntakeOut(Schema):
    incident: IncidentOut
    duplicates: list[IncidentOut] = Field(
        description="可能重复的未结束事件，可合并 / open incidents it may duplicate"
    )


class IncidentPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=100)
    address: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=4000)
    deaths: int | None = Field(None, ge=0, le=services.MAX_PEOPLE)
    missing: int | None = Field(None, ge=0, le=services.MAX_PEOPLE)
    serious_injuries: int | None = Field(None, ge=0, le=services.MAX_PEOPLE)
    trapped: int | None = Field(None, ge=0, le=services.MAX_PEOPLE)
    direct_loss_cny: Decimal | None = Field(None, ge=0, le=services.MAX_LOSS_CNY, decimal_places=2)


class MergeIn(Schema):
    into: int | None = Field(
        None,
        ge=1,
        le=2**53,
        description="并入的事件 id，省略时并入它所重复的最早接报的事件 / the incident to merge into; "
        "omitted: the earliest open incident it duplicates",
    )


class NoteIn(Schema):
    text: str = Field(min_length=1, max_length=1000)


class ReportIn(Schema):
    level: Level
    kind: Literal["initial", "update"] = "initial"
    reporting_unit: str = Field(min_length=1, max_length=100, description="报告单位 / who reports")
    to_whom: str = Field(min_length=1, max_length=100, description="接收单位 / reported to")
    unit_summary: str = Field("", max_length=1000, description="事故发生单位概况")
    place: str = Field("", max_length=200, description="事故发生地点")
    course: str = Field(min_length=1, max_length=2000, description="事故简要经过")
    measures: str = Field(min_length=1, max_length=2000, description="已经采取的措施")
    deaths: int | None = Field(None, ge=0, le=services.MAX_PEOPLE)
    missing: int | None = Field(None, ge=0, le=services.MAX_PEOPLE)
    serious_injuries: int | None = Field(None, ge=0, le=services.MAX_PEOPLE)
    direct_loss_cny: Decimal | None = Field(None, ge=0, le=services.MAX_LOSS_CNY, decimal_places=2)
    filed_at: BoundedDateTime | None = Field(
        None, description="报告时间，默认当前 / when reported (default now)"
    )


class FlagIn(Schema):
    flag: Literal["concealed", "falsified"]
    reason: str = Field(min_length=1, max_length=500)


class IncidentFilter(Schema):
    status: Status_ | None = None
    open: bool | None = Field(None, description="仅未结束 / only open incidents")
    category: Category | None = None
    county: str | None = Field(None, max_length=12, description="县级代码 / county code")
    grade: Literal["一般", "较大", "重大", "特别重大"] | None = None
    q: str | None = Field(None, max_length=100, description="编号或名称 / number or title contains")


class ReportFilter(Schema):
    incident: int | None = Field(None, ge=1, le=2**53)
    late: bool | None = None
    flagged: bool | None = None


# Helpers -------------------------------------------------------------------------------------------


def incidents_for(user: Any) -> Any:
    return Incident.objects.visible_to(user).select_related("region")


def filtered(user: Any, filters: Any) -> Any:
    """The incidents a list shows: the user's, narrowed by status, category, county, grade and text."""
    rows = incidents_for(user)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.open:
        rows = rows.filter(status__in=(Incident.REPORTED, Incident.RESPONDING))
    if filters.category:
        rows = rows.filter(category=filters.category)
    if filters.grade:
        rows = rows.filter(grade=filters.grade)
    if filters.county:
        county = county_filter(user, filters.county)
        if county is None:
            raise InvalidInput(
                f"未知的县级代码 {filters.county} / Unknown county", details={"field": "county"}
            )
        rows = rows.filter(region__path__startswith=county.path)
    if filters.q and filters.q.strip():
        text = filters.q.strip()
        rows = rows.filter(Q(number__icontains=text) | Q(title__icontains=text))
    return rows.order_by("-known_at", "-id")


def detail(user: Any, incident_id: int) -> Incident:
    """The incident with what its detail adds: the clocks and the casualty window (the log is its own)."""
    incident = incidents_for(user).get_visible_or_404(user, pk=incident_id)
    incident.clocks = [  # type: ignore[attr-defined]
        {
            "level": row["report"].level,
            "due_at": row["due_at"],
            "state": row["state"],
            "report_id": row["report"].pk,
        }
        for row in services.clock_rows(incident)
    ]
    incident.casualty_updates_until = services.casualty_window(incident)  # type: ignore[attr-defined]
    return incident


# Routes --------------------------------------------------------------------------------------------


@router.get("/incidents", response=responses(list[IncidentOut]), summary="事件 / incidents")
@paginate(Page)
def list_incidents(request: HttpRequest, filters: Query[IncidentFilter]) -> Any:
    return filtered(_viewer(request), filters)


@router.post("/incidents", response=responses(IntakeOut, 201), summary="接报 / take an incident in")
def take_in(request: HttpRequest, payload: IntakeIn) -> Any:
    found = services.take_in(current_user(request), **payload.dict())
    return Status(201, {"incident": found.incident, "duplicates": found.duplicates})


@router.post(
    "/incidents/from-alarm",
    response=responses(IntakeOut, 201),
    summary="由红色报警转为事件 / an incident from a red alarm",
)
def from_alarm(request: HttpRequest, payload: FromAlarmIn) -> Any:
    found = services.intake_from_alarm(current_user(request), payload.alarm_id)
    return Status(201, {"incident": found.incident, "duplicates": found.duplicates})


@router.get("/incidents/reports", response=responses(list[ReportOut]), summary="事故报告 / accident reports")
@paginate(Page)
def list_reports(request: HttpRequest, filters: Query[ReportFilter]) -> Any:
    reports = AccidentReport.objects.visible_to(_viewer(request))
    if filters.incident:
        reports = reports.filter(incident_id=filters.incident)
    if filters.late is not None:
        reports = reports.filter(late=filters.late)
    if filters.flagged is not None:
        reports = reports.exclude(flag="") if filters.flagged else reports.filter(flag="")
    return reports.order_by("-id")


@router.post(
    "/incidents/reports/{report_id}/flag",
    response=responses(ReportOut),
    summary="认定瞒报、谎报 / judge a report concealed or falsified",
)
def flag_report(request: HttpRequest, payload: FlagIn, report_id: int = id_path()) -> Any:
    return services.flag_report(current_user(request), report_id, **payload.dict())


@router.get(
    "/incidents/{incident_id}",
    response=responses(IncidentDetailOut),
    summary="事件详情、日志与报告时限 / an incident with its log and clocks",
)
def get_incident(request: HttpRequest, incident_id: int = id_path()) -> Any:
    return detail(_viewer(request), incident_id)


@router.patch(
    "/incidents/{incident_id}",
    response=responses(IncidentOut),
    summary="修改伤亡、损失、描述（重新定级）/ change numbers or description (regrades)",
)
def update_incident(request: HttpRequest, payload: IncidentPatch, incident_id: int = id_path()) -> Any:
    return services.update_incident(current_user(request), incident_id, **payload.dict(exclude_unset=True))


@router.post(
    "/incidents/{incident_id}/merge",
    response=responses(IncidentOut),
    summary="合并重复接报 / merge a duplicate",
)
def merge(request: HttpRequest, payload: MergeIn, incident_id: int = id_path()) -> Any:
    return services.merge(current_user(request), incident_id, payload.into)


@router.post(
    "/incidents/{incident_id}/notes", response=responses(LogOut, 201), summary="记录事件日志 / add a note"
)
def add_note(request: HttpRequest, payload: NoteIn, incident_id: int = id_path()) -> Any:
    return Status(201, services.add_note(current_user(request), incident_id, payload.text))


@router.post(
    "/incidents/{incident_id}/takeover",
    response=responses(IncidentOut),
    summary="市级越级指挥，或事发县移交市级指挥 / the city takes over command, or the county hands it over",
)
def take_over(request: HttpRequest, incident_id: int = id_path()) -> Any:
    return services.take_over(current_user(request), incident_id)


@router.get(
    "/incidents/{incident_id}/reports",
    response=responses(list[ReportOut]),
    summary="事件的事故报告 / the incident's reports",
)
def incident_reports(request: HttpRequest, incident_id: int = id_path()) -> Any:
    user = _viewer(request)
    incident = Incident.objects.get_visible_or_404(user, pk=incident_id)
    return list(incident.reports.order_by("id"))


@router.post(
    "/incidents/{incident_id}/reports",
    response=responses(ReportOut, 201),
    summary="报送事故报告 / file a report up the chain",
)
def file_report(request: HttpRequest, payload: ReportIn, incident_id: int = id_path()) -> Any:
    return Status(201, services.file_report(current_user(request), incident_id, **payload.dict()))


@router.get(
    "/map/incidents",
    response=responses(FeatureCollectionOut),
    url_name="incidents_map",
    tags=["map"],
    summary="未结束事件按等级着色（一张图图层）/ Open incidents by grade",
)
def map_incidents(request: HttpRequest) -> Any:
    from yingji.command.incident_map import layer

    return layer(_viewer(request))
