"""Every change of an incident (事件): intake, numbers and regrading, merging, accident reports up the
chain and their clocks, notes and the city's take-over. One transaction each, permission and scope
first, audited, and written to the incident's append-only log (ADR 0039).

The reporting clocks of 国务院令第493号 are deadlines in core/jobs (`command.report_remind` before a
report's time runs out, `command.report_late` when it has); a regrade moves them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from yingji.command import categories, gb493
from yingji.command.incidents import log_event
from yingji.command.models import AccidentReport, Incident
from yingji.core import audit, datebounds, jobs, regioncodes, roles
from yingji.core.errors import Conflict, Forbidden, InvalidInput
from yingji.core.models import Region, User
from yingji.geography import areas, coordinates, locate

BEIJING = ZoneInfo("Asia/Shanghai")
REPORT_REMIND = "command.report_remind"  # deadline: a report up the chain is due soon
REPORT_LATE = "command.report_late"  # deadline: a report up the chain was not filed in time (迟报)
MANUAL_SOURCES = (
    Incident.PHONE,
    Incident.TRANSFER_110,
    Incident.TRANSFER_119,
    Incident.TRANSFER_120,
    Incident.SUPERIOR,
    Incident.DISASTER_REPORT,
    Incident.PUBLIC_REPORT,
)
FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks of phones and servers differ a little
MAX_PEOPLE = gb493.MAX_PEOPLE
MAX_LOSS_CNY = 10**13
NUMBERS = ("deaths", "missing", "serious_injuries", "trapped")
# Which level's duty room files each report: the county takes the unit's report and reports to the
# city, the city reports to the province and on to the State Council's department.
FILED_BY_LEVEL = {
    AccidentReport.COUNTY: regioncodes.COUNTY,
    AccidentReport.CITY: regioncodes.COUNTY,
    AccidentReport.PROVINCE: regioncodes.CITY,
    AccidentReport.NATIONAL: regioncodes.CITY,
}
CLOCK_FIELDS = {
    AccidentReport.COUNTY: "county_by",
    AccidentReport.CITY: "city_by",
    AccidentReport.PROVINCE: "province_by",
    AccidentReport.NATIONAL: "national_by",
}
# An enterprise's industry → the accident subtype an alarm of its sensors suggests.
INDUSTRY_SUBTYPES = {
    "coal_mine": "矿山事故",
    "non_coal_mine": "矿山事故",
    "hazardous_chemicals": "危险化学品事故",
    "fireworks": "烟花爆竹事故",
    "gas": "燃气事故",
    "construction": "建筑施工事故",
    "road_transport": "道路交通事故",
}
# A monitoring site's kind → the natural-disaster subtype an alarm there suggests.
SITE_SUBTYPES = {
    "rain_gauge": "洪涝",
    "river_gauge": "洪涝",
    "reservoir_gauge": "洪涝",
    "landslide": "地质灾害",
    "collapse": "地质灾害",
    "debris_flow": "地质灾害",
    "forest_fire": "森林草原火灾",
}
RED = 4  # the monitoring alarm level that offers an incident
ON_SITE_KM = 2.0  # an accident this close to its enterprise's registered point happened at its site


# Permissions ----------------------------------------------------------------------------------


def may_view(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role_permission(roles.VIEW_INCIDENTS)


def may_record(user: Any) -> bool:
    return may_view(user) and user.has_role_permission(roles.RECORD_INCIDENTS)


def is_city(user: Any) -> bool:
    return user.region.level in (regioncodes.PROVINCE, regioncodes.CITY) and user.scope.covers_region(
        user.region
    )


def may_judge(user: Any, report: AccidentReport | None = None) -> bool:
    """The city's administrators judge any filed report 瞒报/谎报; a county's, the unit's report to the
    county that their bureau received (`report` given: that one; none: whether they judge any)."""
    if not (may_view(user) and user.has_role_permission(roles.JUDGE_ACCIDENT_REPORTS)):
        return False
    if is_city(user):
        return True
    if report is None:
        return bool(user.region.level == regioncodes.COUNTY)
    return report.level == AccidentReport.COUNTY and county_of(report.incident).pk == user.region_id


def may_take_over(user: Any, incident: Incident) -> bool:
    """The city takes command of an open incident (越级指挥); its county may hand command to the city."""
    if not (may_record(user) and incident.is_open and not incident.commanded_by_city):
        return False
    return is_city(user) or county_of(incident).pk == user.region_id


def _require_record(actor: Any) -> None:
    if not may_record(actor):
        raise Forbidden(
            "只有管理员和值班员可以办理事件 / Only administrators and duty officers keep incidents"
        )


# Input ----------------------------------------------------------------------------------------


def _text(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise InvalidInput(f"{field} 须为文本 / {field} must be text", details={"field": field})
    if required and not text:
        raise InvalidInput(f"{field} 不能为空 / {field} is required", details={"field": field})
    if len(text) > limit:
        raise InvalidInput(
            f"{field} 最多 {limit} 个字符 / {field} takes at most {limit} characters",
            details={"field": field},
        )
    return text


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PEOPLE:
        raise InvalidInput(
            f"{field} 须为 0–{MAX_PEOPLE} 的整数 / {field} must be a whole number 0–{MAX_PEOPLE}",
            details={"field": field},
        )
    return value


def _loss(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise InvalidInput(
            "直接经济损失须为数字 / direct_loss_cny must be a number", details={"field": "direct_loss_cny"}
        )
    amount = Decimal(str(value))
    if not amount.is_finite() or not 0 <= amount <= MAX_LOSS_CNY:
        raise InvalidInput(
            f"直接经济损失须在 0 至 {MAX_LOSS_CNY} 元之间 / direct_loss_cny must be 0…{MAX_LOSS_CNY}",
            details={"field": "direct_loss_cny"},
        )
    return amount.quantize(Decimal("0.01"))


def _moment(value: Any, field: str, now: datetime) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidInput(
            f"{field} 须为带时区的时间 / {field} must be a time with its offset", details={"field": field}
        )
    datebounds.require_in_range(value.astimezone(BEIJING).date(), field)
    if value > now + FUTURE_TOLERANCE:
        raise InvalidInput(
            f"{field} 不能晚于当前时间 / {field} cannot be in the future", details={"field": field}
        )
    return value


def _times(occurred_at: Any, known_at: Any, now: datetime) -> tuple[datetime, datetime]:
    occurred = _moment(occurred_at, "occurred_at", now)
    known = _moment(known_at, "known_at", now)
    if known < occurred:
        raise InvalidInput(
            "获知时间不能早于发生时间 / known_at cannot be earlier than occurred_at",
            details={"field": "known_at"},
        )
    return occurred, known


def place_of(actor: Any, longitude: Any, latitude: Any) -> Region:
    """The township (else county) of a map point inside the city and the actor's scope; else a 400."""
    coordinates.check_location(longitude, latitude)
    if longitude is None:
        raise InvalidInput(
            "请在地图上选择事发地点 / Give the incident's point", details={"field": "longitude"}
        )
    region = locate.region_at(float(longitude), float(latitude))
    if region is None:
        raise InvalidInput(
            "事发地点不在本市范围内 / The point lies outside the city", details={"field": "longitude"}
        )
    if not actor.scope.covers_region(region):
        raise InvalidInput(
            "事发地点不在您的管辖范围内 / The point lies outside your area", details={"field": "longitude"}
        )
    return region


def county_of(incident: Incident) -> Region:
    return incident.region.ancestor_at(regioncodes.COUNTY) or incident.region


def city_of(incident: Incident) -> Region:
    return incident.region.ancestor_at(regioncodes.CITY) or incident.region


def detail_link(incident: Incident) -> str:
    return reverse("incidents:detail", args=[incident.pk])


# Intake ---------------------------------------------------------------------------------------


@dataclass
class Intake:
    """A new incident and the open incidents it may duplicate (offered for merging)."""

    incident: Incident
    duplicates: list[Incident] = field(default_factory=list)


def _number(region: Region, known_at: datetime) -> str:
    """SJ + county code + Beijing date + a sequence of the county's day, e.g. SJ14092520261129001."""
    county = region.ancestor_at(regioncodes.COUNTY) or region
    prefix = f"SJ{county.code}{known_at.astimezone(BEIJING):%Y%m%d}"
    taken = Incident.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    last = max((int(number[len(prefix) :]) for number in taken if number[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{last + 1:03d}"


def duplicates_of(incident: Incident) -> list[Incident]:
    """Open incidents of the same category within the duplicate radius and time window of `incident`."""
    window = timedelta(hours=settings.INCIDENT_DUPLICATE_HOURS)
    radius = settings.INCIDENT_DUPLICATE_KM
    degrees = radius / 111.0 + 0.01
    near = list(
        Incident.objects.filter(
            status__in=(Incident.REPORTED, Incident.RESPONDING),
            category=incident.category,
            known_at__gte=incident.known_at - window,
            known_at__lte=incident.known_at + window,
            latitude__range=(incident.latitude - degrees, incident.latitude + degrees),
        )
        .exclude(pk=incident.pk)
        .select_related("region")
        .order_by("known_at", "id")[:50]
    )
    return [
        other
        for other in near
        if float(areas.haversine_km(incident.longitude, incident.latitude, other.longitude, other.latitude))
        <= radius
    ][:10]


def _enterprise(actor: Any, enterprise_id: Any) -> Any:
    from yingji.enterprises.models import Enterprise

    if isinstance(enterprise_id, bool) or not isinstance(enterprise_id, int) or enterprise_id <= 0:
        raise InvalidInput("企业编号无效 / Unknown enterprise", details={"field": "enterprise_id"})
    enterprise = (
        Enterprise.objects.visible_to(actor)
        .select_related("organization", "region")
        .filter(pk=enterprise_id)
        .first()
    )
    if enterprise is None:
        raise InvalidInput(
            "企业不存在或不在您的管辖范围 / Unknown enterprise", details={"field": "enterprise_id"}
        )
    return enterprise


def _who(user: Any) -> str:
    return (user.full_name or user.username) if user is not None else "系统"


@transaction.atomic
def take_in(
    actor: User,
    *,
    title: Any,
    category: Any,
    subtype: Any,
    source: Any,
    longitude: Any,
    latitude: Any,
    occurred_at: Any,
    known_at: Any,
    address: Any = "",
    enterprise_id: Any = None,
    deaths: Any = 0,
    missing: Any = 0,
    serious_injuries: Any = 0,
    trapped: Any = 0,
    direct_loss_cny: Any = 0,
    description: Any = "",
    source_ref: str = "",
    now: datetime | None = None,
) -> Intake:
    """Take an incident in (接报): checked, numbered, graded if it is an enterprise's accident, logged,
    audited, told to the people on duty; the answer lists open incidents it may duplicate."""
    _require_record(actor)
    now = now or timezone.now()
    if source not in MANUAL_SOURCES and not (source == Incident.ALARM and source_ref):
        raise InvalidInput("信息来源无效 / Unknown source", details={"field": "source"})
    try:
        category, subtype = categories.check(category, subtype)
    except categories.UnknownCategory as error:
        raise InvalidInput(str(error), details={"field": error.field}) from None
    occurred, known = _times(occurred_at, known_at, now)
    region = place_of(actor, longitude, latitude)
    incident = Incident(
        title=_text(title, "title", 100),
        category=category,
        subtype=subtype,
        source=source,
        region=region,
        longitude=float(longitude),
        latitude=float(latitude),
        address=_text(address, "address", 200, required=False),
        occurred_at=occurred,
        known_at=known,
        description=_text(description, "description", 4000, required=False),
        direct_loss_cny=_loss(direct_loss_cny),
        reported_by=actor,
        created_at=now,
        source_ref=source_ref,
    )
    for name, value in zip(NUMBERS, (deaths, missing, serious_injuries, trapped), strict=True):
        setattr(incident, name, _count(value, name))
    if enterprise_id is not None:
        enterprise = _enterprise(actor, enterprise_id)
        if category != categories.ACCIDENT:
            raise InvalidInput(
                "企业发生的事件须为事故灾难类 / An enterprise's incident is an accident",
                details={"field": "category"},
            )
        incident.organization = enterprise.organization
        # At the enterprise's own site, its registered township is surer than the grid's zones.
        county = region.ancestor_at(regioncodes.COUNTY)
        on_site = (
            enterprise.longitude is not None
            and enterprise.latitude is not None
            and float(
                areas.haversine_km(
                    enterprise.longitude, enterprise.latitude, incident.longitude, incident.latitude
                )
            )
            <= ON_SITE_KM
        )
        if on_site and county is not None and enterprise.region.path.startswith(county.path):
            incident.region = enterprise.region
    if graded(incident):
        incident.grade = _grade(incident)
    incident.number = _number(incident.region, known)
    incident.save()
    audit.record(actor, "incident.taken_in", incident, after=audit.snapshot(incident))
    log_event(
        incident,
        "intake",
        f"{_who(actor)}接报（{incident.get_source_display()}）：{incident.title}，"
        f"地点 {incident.region.name}",
        actor=actor,
        at=now,
    )
    if incident.grade:
        log_event(incident, "grade", f"按国务院令第493号定为{incident.grade}事故", actor=actor, at=now)
        sync_clocks(incident, now)
    tell_duty(incident, f"接报：{incident.title}", now)
    return Intake(incident, duplicates_of(incident))


def tell_duty(incident: Incident, subject: str, now: datetime) -> int:
    """The people on duty at the incident's county (and, for an accident of 较大 and up or one the
    city commands, at the city) get it in their inboxes."""
    county = county_of(incident)
    people = jobs.on_duty_or_role(county, (roles.DUTY_OFFICER, roles.COUNTY_ADMIN), at=now)
    if incident.commanded_by_city or (incident.grade and gb493.reaches(incident.grade, gb493.LARGER)):
        city = city_of(incident)
        people += jobs.on_duty_or_role(city, (roles.DUTY_OFFICER, roles.CITY_ADMIN), at=now)
    unique = list({user.pk: user for user in people}.values())
    body = f"{incident.number} {incident.get_category_display()}·{incident.subtype}，{incident.region.name}"
    if incident.grade:
        body += f"，{incident.grade}事故"
    return jobs.notify(unique, subject, body=body, link=detail_link(incident), about=incident)


def intake_from_alarm(actor: User, alarm_id: int, *, now: datetime | None = None) -> Intake:
    """An incident from a red monitoring alarm: its place, time and kind come from the alarm."""
    from yingji.monitoring.models import Alarm

    alarm = Alarm.objects.select_related(
        "sensor__enterprise__organization", "sensor__site", "region"
    ).get_visible_or_404(actor, pk=alarm_id)
    if alarm.peak_level < RED or not alarm.is_open:
        raise Conflict("只有未关闭的红色报警可以转为事件 / Only an open red alarm becomes an incident")
    ref = f"monitoring.alarm:{alarm.pk}"
    existing = Incident.objects.filter(source_ref=ref).first()
    if existing is not None:
        raise Conflict(
            f"该报警已转为事件 {existing.number} / The alarm is already incident {existing.number}",
            details={"incident_id": existing.pk},
        )
    sensor = alarm.sensor
    enterprise, site = sensor.enterprise, sensor.site
    longitude = sensor.longitude if sensor.longitude is not None else None
    latitude = sensor.latitude if sensor.latitude is not None else None
    if enterprise is not None:
        category, subtype = categories.ACCIDENT, INDUSTRY_SUBTYPES.get(enterprise.industry, "工贸事故")
        owner = enterprise.name
        if longitude is None:
            longitude, latitude = enterprise.longitude, enterprise.latitude
    else:
        category = categories.NATURAL
        subtype = SITE_SUBTYPES.get(site.kind if site else "", "气象灾害")
        owner = site.name if site else ""
        if longitude is None and site is not None:
            longitude, latitude = site.longitude, site.latitude
    now = now or timezone.now()
    return take_in(
        actor,
        title=f"{owner}{sensor.name}红色报警"[:100],
        category=category,
        subtype=subtype,
        source=Incident.ALARM,
        longitude=longitude,
        latitude=latitude,
        occurred_at=min(alarm.raised_at, now),
        known_at=now,
        enterprise_id=enterprise.pk if enterprise is not None else None,
        description=f"监测报警转入：{alarm}，触发值 {alarm.trigger_value}，报警时间 "
        f"{timezone.localtime(alarm.raised_at):%Y-%m-%d %H:%M}",
        source_ref=ref,
        now=now,
    )


# Grading and the clocks -----------------------------------------------------------------------


def graded(incident: Incident) -> bool:
    """An enterprise's accident is a production safety accident, graded by 国务院令第493号."""
    return incident.category == categories.ACCIDENT and incident.organization_id is not None


def _grade(incident: Incident) -> str:
    return gb493.accident_grade(incident.deaths, incident.serious_injuries, float(incident.direct_loss_cny))


def clocks_of(incident: Incident) -> gb493.ReportingClocks | None:
    if not incident.grade:
        return None
    return gb493.reporting_clocks(
        incident.grade, incident.known_at, incident.occurred_at, categories.accident_kind(incident.subtype)
    )


def sync_clocks(incident: Incident, now: datetime) -> None:
    """The initial reports the grade requires, each due at its clock: new ones created, the time of the
    waiting ones moved, levels no longer required released; their deadlines set to match."""
    clocks = clocks_of(incident)
    due = {level: getattr(clocks, CLOCK_FIELDS[level]) for level in AccidentReport.LEVELS} if clocks else {}
    existing = {r.level: r for r in incident.reports.select_for_update().filter(kind=AccidentReport.INITIAL)}
    remind = timedelta(minutes=settings.INCIDENT_REPORT_REMIND_MINUTES)
    for level in AccidentReport.LEVELS:
        report, due_at = existing.get(level), due.get(level)
        if due_at is None:
            if report is not None and report.status == AccidentReport.DUE:
                report.status = AccidentReport.NOT_REQUIRED
                report.save(update_fields=["status"])
                jobs.cancel(REPORT_REMIND, report)
                jobs.cancel(REPORT_LATE, report)
            continue
        if report is None:
            report = AccidentReport.objects.create(incident=incident, level=level, due_at=due_at)
        else:
            if report.status == AccidentReport.NOT_REQUIRED:
                report.status = AccidentReport.DUE
            report.due_at = due_at
            if report.status == AccidentReport.FILED:
                report.late = report.filed_at is not None and report.filed_at > due_at
            else:
                report.late = False
            report.save(update_fields=["status", "due_at", "late"])
        if report.status == AccidentReport.DUE:
            jobs.schedule(REPORT_LATE, report, due_at)
            if due_at - remind > now:
                jobs.schedule(REPORT_REMIND, report, due_at - remind)
            else:
                jobs.cancel(REPORT_REMIND, report)


def report_side(report: AccidentReport) -> Region:
    """The region whose duty room files the report."""
    incident = report.incident
    return county_of(incident) if FILED_BY_LEVEL[report.level] == regioncodes.COUNTY else city_of(incident)


def _duty_of(region: Region, at: datetime) -> list[User]:
    admin = roles.COUNTY_ADMIN if region.level == regioncodes.COUNTY else roles.CITY_ADMIN
    return jobs.on_duty_or_role(region, (roles.DUTY_OFFICER, admin), at=at)


@jobs.deadline_handler(REPORT_REMIND)
def remind_report(deadline: Any, now: datetime) -> None:
    """Before a report's time runs out, the duty room that files it is reminded."""
    report = (
        AccidentReport.objects.select_related("incident__region").filter(pk=int(deadline.object_id)).first()
    )
    if report is None or report.status != AccidentReport.DUE or report.due_at is None:
        return
    jobs.notify(
        _duty_of(report_side(report), now),
        f"事故报告即将超时：{report.incident.title}",
        body=f"须于 {timezone.localtime(report.due_at):%m-%d %H:%M} 前报{report.get_level_display()}",
        link=detail_link(report.incident),
        about=report.incident,
    )


@jobs.deadline_handler(REPORT_LATE)
def mark_report_late(deadline: Any, now: datetime) -> None:
    """A report not filed by its time is 迟报: recorded, logged, and the city is told."""
    report = (
        AccidentReport.objects.select_related("incident__region").filter(pk=int(deadline.object_id)).first()
    )
    if report is None or report.status != AccidentReport.DUE or report.due_at is None or report.due_at > now:
        return
    before = audit.snapshot(report)
    report.late = True
    report.save(update_fields=["late"])
    audit.record(None, "accident_report.late", report, before=before, after=audit.snapshot(report))
    incident = report.incident
    log_event(
        incident,
        "report",
        f"未在 {timezone.localtime(report.due_at):%m-%d %H:%M} 前报{report.get_level_display()}，记为迟报",
        subject=report,
        at=now,
    )
    people = _duty_of(report_side(report), now) + _duty_of(city_of(incident), now)
    jobs.notify(
        list({user.pk: user for user in people}.values()),
        f"迟报：{incident.title}",
        body=f"{incident.number} 未按时报{report.get_level_display()}",
        link=detail_link(incident),
        about=incident,
    )


# Changes --------------------------------------------------------------------------------------


def _open_incident(actor: Any, incident_id: int) -> Incident:
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("region")
        .get_visible_or_404(actor, pk=incident_id)
    )
    _require_record(actor)
    if not incident.is_open:
        raise Conflict("事件已结束或已合并 / The incident is closed or merged")
    return incident


FIELD_LABELS = {
    "deaths": "死亡",
    "missing": "失踪",
    "serious_injuries": "重伤",
    "trapped": "被困",
    "direct_loss_cny": "直接经济损失（元）",
}


@transaction.atomic
def update_incident(
    actor: User, incident_id: int, *, now: datetime | None = None, **changes: Any
) -> Incident:
    """Change an open incident's numbers, title, address or description; an accident is regraded and
    its clocks moved when the grade changes. Each change is written to the log."""
    incident = _open_incident(actor, incident_id)
    now = now or timezone.now()
    unknown = set(changes) - {*NUMBERS, "direct_loss_cny", "title", "address", "description"}
    if unknown:
        raise InvalidInput(
            "不能修改这些字段 / These fields cannot be changed", details={"fields": sorted(unknown)}
        )
    before = audit.snapshot(incident)
    moved = []
    for name in NUMBERS:
        if name in changes and changes[name] is not None:
            value = _count(changes[name], name)
            if value != getattr(incident, name):
                moved.append(f"{FIELD_LABELS[name]} {getattr(incident, name)}→{value}")
                setattr(incident, name, value)
    if changes.get("direct_loss_cny") is not None:
        loss = _loss(changes["direct_loss_cny"])
        if loss != incident.direct_loss_cny:
            moved.append(f"{FIELD_LABELS['direct_loss_cny']} {incident.direct_loss_cny}→{loss}")
            incident.direct_loss_cny = loss
    texts = []
    for name, limit, required in (
        ("title", 100, True),
        ("address", 200, False),
        ("description", 4000, False),
    ):
        if changes.get(name) is not None:
            value = _text(changes[name], name, limit, required=required)
            if value != getattr(incident, name):
                setattr(incident, name, value)
                texts.append(name)
    if not moved and not texts:
        return incident
    old_grade = incident.grade
    if graded(incident):
        incident.grade = _grade(incident)
    incident.save()
    audit.record(actor, "incident.updated", incident, before=before, after=audit.snapshot(incident))
    if moved:
        log_event(incident, "numbers", "数字变化：" + "，".join(moved), actor=actor, at=now)
    if texts:
        labels = {"title": "事件名称", "address": "地点", "description": "事件描述"}
        log_event(incident, "edit", "修改" + "、".join(labels[name] for name in texts), actor=actor, at=now)
    if incident.grade != old_grade:
        log_event(
            incident,
            "grade",
            f"事故等级 {old_grade} → {incident.grade}，报告时限重新计算",
            actor=actor,
            at=now,
        )
        sync_clocks(incident, now)
        if gb493.reaches(incident.grade, gb493.LARGER) and not gb493.reaches(old_grade, gb493.LARGER):
            tell_duty(incident, f"事故升级为{incident.grade}：{incident.title}", now)
    return incident


@transaction.atomic
def merge(
    actor: User, incident_id: int, into_id: int | None = None, *, now: datetime | None = None
) -> Incident:
    """Mark a duplicate intake merged into another open incident (`into_id`, else the earliest open
    incident it duplicates); nothing else moves. Both logs say so."""
    incident = _open_incident(actor, incident_id)
    if into_id is None:
        earlier = [
            other
            for other in duplicates_of(incident)
            if (other.known_at, other.pk) < (incident.known_at, incident.pk)
        ]
        if not earlier:
            raise Conflict("附近没有可并入的未结束事件 / No open incident nearby to merge into")
        into_id = earlier[0].pk
    if incident_id == into_id:
        raise InvalidInput(
            "不能合并到自身 / An incident cannot be merged into itself", details={"field": "into"}
        )
    target = Incident.objects.select_for_update(of=("self",)).filter(pk=into_id).first()
    if target is None or not Incident.objects.visible_to(actor).filter(pk=into_id).exists():
        raise InvalidInput(
            "要合并到的事件不存在 / The incident to merge into is not found", details={"field": "into"}
        )
    if not target.is_open:
        raise Conflict("只能合并到未结束的事件 / Merge only into an open incident")
    now = now or timezone.now()
    before = audit.snapshot(incident)
    incident.status, incident.merged_into = Incident.MERGED, target
    incident.save(update_fields=["status", "merged_into"])
    audit.record(actor, "incident.merged", incident, before=before, after=audit.snapshot(incident))
    for report in incident.reports.filter(status=AccidentReport.DUE):
        report.status = AccidentReport.NOT_REQUIRED
        report.save(update_fields=["status"])
        jobs.cancel(REPORT_REMIND, report)
        jobs.cancel(REPORT_LATE, report)
    log_event(
        incident,
        "merge",
        f"作为重复接报并入 {target.number} {target.title}",
        actor=actor,
        subject=target,
        at=now,
    )
    log_event(
        target,
        "merge",
        f"{incident.number} {incident.title} 作为重复接报并入本事件",
        actor=actor,
        subject=incident,
        at=now,
    )
    return incident


@transaction.atomic
def add_note(actor: User, incident_id: int, text: Any, *, now: datetime | None = None) -> Any:
    """A note on the incident's log (any open or closed incident the actor keeps)."""
    incident = Incident.objects.select_related("region").get_visible_or_404(actor, pk=incident_id)
    _require_record(actor)
    entry = log_event(incident, "note", _text(text, "text", 1000), actor=actor, at=now or timezone.now())
    audit.record(actor, "incident.note_added", entry, after=audit.snapshot(entry))
    return entry


@transaction.atomic
def take_over(actor: User, incident_id: int, *, now: datetime | None = None) -> Incident:
    """The city takes command of a county's incident (越级指挥), or the county hands it to the city
    (提请市级指挥); either way recorded in the log and the audit, and both duty rooms told."""
    incident = _open_incident(actor, incident_id)
    if incident.commanded_by_city:
        raise Conflict("市级已在指挥该事件 / The city already commands this incident")
    if not may_take_over(actor, incident):
        raise Forbidden("越级指挥由市级发起，或由事发县移交 / The city takes over, or the county hands over")
    now = now or timezone.now()
    before = audit.snapshot(incident)
    incident.commanded_by_city = True
    incident.save(update_fields=["commanded_by_city"])
    audit.record(actor, "incident.taken_over", incident, before=before, after=audit.snapshot(incident))
    if is_city(actor):
        text = f"市级越级指挥：{_who(actor)}接管指挥"
    else:
        text = f"{_who(actor)}提请市级指挥，指挥权移交市级"
    log_event(incident, "takeover", text, actor=actor, at=now)
    tell_duty(incident, f"市级指挥：{incident.title}", now)
    return incident


@transaction.atomic
def close_incident(actor: User, incident_id: int, summary: Any, *, now: datetime | None = None) -> Incident:
    """End an incident with its summary (处置总结)."""
    incident = _open_incident(actor, incident_id)
    now = now or timezone.now()
    before = audit.snapshot(incident)
    incident.summary = _text(summary, "summary", 4000)
    incident.status, incident.closed_at = Incident.CLOSED, now
    incident.save(update_fields=["summary", "status", "closed_at"])
    audit.record(actor, "incident.closed", incident, before=before, after=audit.snapshot(incident))
    log_event(incident, "status", f"事件处置结束：{incident.summary[:200]}", actor=actor, at=now)
    return incident


# Reports up the chain -------------------------------------------------------------------------


@transaction.atomic
def file_report(
    actor: User,
    incident_id: int,
    *,
    level: Any,
    kind: Any = AccidentReport.INITIAL,
    reporting_unit: Any,
    to_whom: Any,
    unit_summary: Any = "",
    place: Any = "",
    course: Any,
    measures: Any,
    deaths: Any = None,
    missing: Any = None,
    serious_injuries: Any = None,
    direct_loss_cny: Any = None,
    filed_at: datetime | None = None,
    now: datetime | None = None,
) -> AccidentReport:
    """Record a report up the chain with its Art.12 contents: the initial report of a level the grade
    requires (迟报 if after its time), or a follow-up (续报) of changed numbers."""
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("region")
        .get_visible_or_404(actor, pk=incident_id)
    )
    _require_record(actor)
    if not incident.grade:
        raise Conflict(
            "只有生产安全事故需要逐级报告 / Only production safety accidents are reported up the chain"
        )
    if level not in AccidentReport.LEVELS:
        raise InvalidInput("报告对象层级无效 / Unknown level", details={"field": "level"})
    if kind not in (AccidentReport.INITIAL, AccidentReport.UPDATE):
        raise InvalidInput("报告类型无效 / Unknown kind", details={"field": "kind"})
    now = now or timezone.now()
    at = now if filed_at is None else _moment(filed_at, "filed_at", now)
    if at < incident.known_at:
        raise InvalidInput(
            "报告时间不能早于获知时间 / filed_at cannot be before known_at", details={"field": "filed_at"}
        )
    if kind == AccidentReport.INITIAL:
        report = incident.reports.select_for_update().filter(kind=AccidentReport.INITIAL, level=level).first()
        if report is None or report.status == AccidentReport.NOT_REQUIRED:
            raise InvalidInput(
                "该等级事故无需报告至该层级 / The grade does not require a report to that level",
                details={"field": "level"},
            )
        if report.status == AccidentReport.FILED:
            raise Conflict("该层级首报已报送，请报送续报 / The initial report is filed; file a follow-up")
    else:
        if not incident.reports.filter(
            kind=AccidentReport.INITIAL, level=level, status=AccidentReport.FILED
        ).exists():
            raise Conflict("续报前须先报送首报 / File the initial report first")
        report = AccidentReport(incident=incident, level=level, kind=AccidentReport.UPDATE)
    before = audit.snapshot(report) if report.pk else None
    report.reporting_unit = _text(reporting_unit, "reporting_unit", 100)
    report.to_whom = _text(to_whom, "to_whom", 100)
    report.unit_summary = _text(unit_summary, "unit_summary", 1000, required=False)
    report.place = _text(place, "place", 200, required=False) or incident.address or incident.region.name
    report.course = _text(course, "course", 2000)
    report.measures = _text(measures, "measures", 2000)
    report.occurred_at = incident.occurred_at
    for name, value in (("deaths", deaths), ("missing", missing), ("serious_injuries", serious_injuries)):
        setattr(report, name, getattr(incident, name) if value is None else _count(value, name))
    report.direct_loss_cny = incident.direct_loss_cny if direct_loss_cny is None else _loss(direct_loss_cny)
    report.status, report.filed_by, report.filed_at = AccidentReport.FILED, actor, at
    report.late = report.due_at is not None and at > report.due_at
    report.save()
    audit.record(actor, "accident_report.filed", report, before=before, after=audit.snapshot(report))
    jobs.cancel(REPORT_REMIND, report)
    jobs.cancel(REPORT_LATE, report)
    late = "（迟报）" if report.late else ""
    log_event(
        incident,
        "report",
        f"{report.reporting_unit}向{report.to_whom}{report.get_kind_display()}{late}",
        actor=actor,
        subject=report,
        at=at,
    )
    return report


@transaction.atomic
def flag_report(
    actor: User, report_id: int, *, flag: Any, reason: Any, now: datetime | None = None
) -> AccidentReport:
    """The city marks a filed report 瞒报 (facts hidden) or 谎报 (facts falsified), with its reason."""
    report = (
        AccidentReport.objects.select_for_update(of=("self",))
        .select_related("incident__region")
        .get_visible_or_404(actor, pk=report_id)
    )
    if not may_judge(actor, report):
        raise Forbidden("瞒报、谎报由市级管理员认定 / Only the city's administrators judge reports")
    if flag not in (AccidentReport.CONCEALED, AccidentReport.FALSIFIED):
        raise InvalidInput("认定类型无效 / Unknown flag", details={"field": "flag"})
    if report.status != AccidentReport.FILED:
        raise Conflict("只能认定已报送的报告 / Only a filed report can be judged")
    if report.flag:
        raise Conflict("该报告已认定 / The report has been judged")
    now = now or timezone.now()
    before = audit.snapshot(report)
    report.flag, report.flag_reason = flag, _text(reason, "reason", 500)
    report.flagged_by, report.flagged_at = actor, now
    report.save(update_fields=["flag", "flag_reason", "flagged_by", "flagged_at"])
    audit.record(actor, "accident_report.flagged", report, before=before, after=audit.snapshot(report))
    log_event(
        report.incident,
        "report",
        f"{report.get_level_display()}{report.get_kind_display()}被认定为{report.get_flag_display()}：{report.flag_reason}",
        actor=actor,
        subject=report,
        at=now,
    )
    return report


# Reading ----------------------------------------------------------------------------------------


def casualty_window(incident: Incident) -> datetime | None:
    """Until when changes of the casualties are reported (Art.13), for a graded accident."""
    clocks = clocks_of(incident)
    return clocks.casualty_updates_until if clocks else None


def clock_rows(incident: Incident, now: datetime | None = None) -> list[dict[str, Any]]:
    """The reporting clocks as pages show them: each level's report, when due, and its state."""
    now = now or timezone.now()
    rows = []
    for report in incident.reports.filter(kind=AccidentReport.INITIAL).exclude(
        status=AccidentReport.NOT_REQUIRED
    ):
        if report.status == AccidentReport.FILED:
            state = "late" if report.late else "filed"
        else:
            state = "overdue" if report.due_at and report.due_at <= now else "running"
        rows.append(
            {"report": report, "level": report.get_level_display(), "due_at": report.due_at, "state": state}
        )
    rows.sort(key=lambda row: AccidentReport.LEVELS.index(row["report"].level))
    return rows
