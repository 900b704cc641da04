"""Every step of the hidden-hazard loop: permission by the lifecycle table, one transaction, audit, timeline.

Views and API endpoints call these and never save hazards themselves. Deadlines are data: a hazard
with a running rectification deadline has one pending `hazards.rectification_overdue` deadline row,
replaced whenever the deadline moves and cancelled when the hazard is submitted or closed; when it
comes due, `rectification_overdue` marks the hazard overdue and escalates it. A deadline the
enterprise sets itself lies at most the city's period ahead (`DeadlineLimit`, limits.py); later
needs an extension the supervisor approves.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from yingji.core import audit, datebounds, jobs, regioncodes, roles
from yingji.core.errors import Conflict, Forbidden, InvalidInput
from yingji.core.models import Deadline, User
from yingji.enterprises.models import Enterprise
from yingji.enterprises.services import officers_of
from yingji.hazards import lifecycle, limits, uploads
from yingji.hazards.criteria import COAL_MINE, HAZARDOUS_CHEMICALS, criteria_for, find_criterion
from yingji.hazards.models import (
    APPROVED,
    GENERAL,
    GRADE_CHOICES,
    MAJOR,
    PENDING,
    REFUSED,
    SELF_CHECK,
    SOURCE_CHOICES,
    STAGE_CHOICES,
    WITHDRAWN,
    DeadlineLimit,
    ExtensionRequest,
    Hazard,
    HazardAttachment,
    HazardTransition,
    RectificationPlan,
)

OVERDUE = "hazards.rectification_overdue"
# To-dos (core.jobs): the supervisor accepts or rejects a rectification and decides an extension; the
# enterprise rectifies again after a failed acceptance.
ACCEPT_TASK = "hazards.accept"
DECIDE_EXTENSION_TASK = "hazards.decide_extension"
RECTIFY_AGAIN_TASK = "hazards.rectify_again"
VIEWER_ROLES = frozenset(
    {roles.CITY_ADMIN, roles.COUNTY_ADMIN, roles.DEPARTMENT_STAFF, roles.ENTERPRISE_OFFICER}
)
SUPERVISOR_ROLES = frozenset({roles.CITY_ADMIN, roles.COUNTY_ADMIN})
SYSTEM = "system"
NOTE_LIMIT = 2000


# Who is acting ---------------------------------------------------------------------------------


def may_view(user: Any) -> bool:
    """Administrators, department staff and enterprise officers see hazards (inside their scope)."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role in VIEWER_ROLES)


def may_report(user: Any) -> bool:
    return may_view(user) and user.role != roles.DEPARTMENT_STAFF


def actor_kind(user: User, enterprise: Enterprise) -> str | None:
    """ENTERPRISE for the enterprise's own officer, SUPERVISOR for an administrator, None otherwise."""
    if user.role == roles.ENTERPRISE_OFFICER and user.organization_id == enterprise.organization_id:
        return lifecycle.ENTERPRISE
    if user.role in SUPERVISOR_ROLES:
        return lifecycle.SUPERVISOR
    return None


def actor_level(user: User) -> str | None:
    if user.role == roles.CITY_ADMIN:
        return lifecycle.CITY
    if user.role == roles.COUNTY_ADMIN:
        return lifecycle.COUNTY
    return None


def allowed_actions(user: User, hazard: Hazard) -> list[str]:
    """The actions the user may take on the hazard now (for the page's buttons)."""
    return lifecycle.allowed_actions(
        hazard.status, actor_kind(user, hazard.enterprise), actor_level(user), hazard.supervising_level
    )


def _require_viewer(actor: User) -> None:
    if not may_view(actor):
        raise Forbidden()


def _check(actor: User, hazard: Hazard, action: str) -> str:
    """The state after `action`, or the 403/409 the lifecycle table gives."""
    try:
        return lifecycle.check(
            action,
            hazard.status,
            actor_kind(actor, hazard.enterprise),
            actor_level(actor),
            hazard.supervising_level,
        )
    except lifecycle.NotAllowed as refusal:
        label = lifecycle.ACTION_LABELS[action]
        if refusal.reason == lifecycle.NotAllowed.WRONG_LEVEL:
            raise Forbidden(
                f"该隐患由市级督办，须由市应急管理局{label} / "
                "The city supervises this hazard: only the city may do this"
            ) from None
        if refusal.reason == lifecycle.NotAllowed.WRONG_ACTOR:
            raise Forbidden(f"您无权{label} / You may not do this ({action})") from None
        state = lifecycle.STATE_LABELS.get(hazard.status, hazard.status)
        raise Conflict(
            f"隐患当前状态为「{state}」，不能{label} / Not possible while the hazard is {hazard.status}",
            code="wrong_state",
            details={"status": hazard.status, "action": action},
        ) from None


def _load(actor: User, hazard_id: int) -> Hazard:
    _require_viewer(actor)
    return (
        Hazard.objects.select_for_update()
        .select_related("enterprise", "enterprise__region")
        .get_visible_or_404(actor, pk=hazard_id)
    )


# Regions and people ----------------------------------------------------------------------------


def _supervisors(enterprise: Enterprise, level: str) -> list[User]:
    if level == lifecycle.CITY:
        region = enterprise.region.ancestor_at(regioncodes.CITY)
        role = roles.CITY_ADMIN
    else:
        region = enterprise.region.ancestor_at(regioncodes.COUNTY)
        role = roles.COUNTY_ADMIN
    return list(jobs.users_with_role_at(role, region)) if region is not None else []


def _link(hazard: Hazard) -> str:
    return reverse("hazards:detail", args=[hazard.pk])


# Dates -----------------------------------------------------------------------------------------


def due_at(deadline: date) -> datetime:
    """A deadline date runs to the end of that day in local time (Asia/Shanghai)."""
    return datetime.combine(deadline + timedelta(days=1), time.min, tzinfo=timezone.get_default_timezone())


def _future_deadline(value: date | None, field: str, not_before: date | None = None) -> date:
    if value is None:
        raise InvalidInput("请填写期限 / A deadline is required", details={"field": field})
    datebounds.require_in_range(value, field)
    earliest = max(timezone.localdate(), not_before or date.min)
    if value < earliest:
        raise InvalidInput(
            f"期限不能早于 {earliest:%Y-%m-%d} / The deadline cannot be before {earliest}",
            details={"field": field},
        )
    return value


def _configured_limits(grade: str, criterion_code: str) -> dict[tuple[str, str], int]:
    rows = DeadlineLimit.objects.filter(grade=grade, criterion_code__in={criterion_code, ""})
    return {(row.grade, row.criterion_code): row.max_days for row in rows}


def period_days(hazard: Hazard) -> int:
    """The longest rectification period (days) the enterprise may give itself for this hazard."""
    configured = _configured_limits(hazard.grade, hazard.criterion_code)
    return limits.period_days(hazard.grade, hazard.criterion_code, configured)


def latest_own_deadline(hazard: Hazard) -> date:
    """The latest deadline the enterprise may set itself: the listing's, else today plus the period."""
    if hazard.listed_deadline is not None:
        return hazard.listed_deadline
    return timezone.localdate() + timedelta(days=period_days(hazard))


def _check_own_deadline(hazard: Hazard, deadline: date, field: str) -> None:
    """Refuse a deadline later than the enterprise may set itself (a longer one is an extension)."""
    if hazard.listed_deadline is not None:
        if deadline > hazard.listed_deadline:
            raise InvalidInput(
                f"整改期限不得晚于督办期限 {hazard.listed_deadline:%Y-%m-%d} / The deadline cannot be after "
                "the listed supervision deadline",
                details={"field": field, "latest": hazard.listed_deadline.isoformat()},
            )
        return
    days = period_days(hazard)
    latest = timezone.localdate() + timedelta(days=days)
    if deadline > latest:
        kind = dict(GRADE_CHOICES)[hazard.grade]
        raise InvalidInput(
            f"{kind}的整改期限最长 {days} 天，即不晚于 {latest:%Y-%m-%d}；更晚须在整改中申请延期，"
            f"由督办部门批准 / A {hazard.grade} hazard's deadline may lie at most {days} days ahead "
            f"({latest:%Y-%m-%d}); a later one needs an extension approved by the supervisor",
            code="deadline_beyond_limit",
            details={"field": field, "max_days": days, "latest": latest.isoformat()},
        )


def _schedule(hazard: Hazard) -> None:
    if hazard.rectification_deadline is not None and hazard.status in lifecycle.DEADLINE_STATES:
        jobs.schedule(OVERDUE, hazard, due_at(hazard.rectification_deadline))


def _text(value: str | None, field: str, required: bool = False, limit: int = NOTE_LIMIT) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(
            f"请填写{_FIELD_LABELS.get(field, field)} / {field} is required", details={"field": field}
        )
    if len(text) > limit:
        raise InvalidInput(
            f"内容过长（最多 {limit} 字）/ Too long (at most {limit})", details={"field": field}
        )
    return text


_FIELD_LABELS = {
    "title": "隐患名称",
    "reason": "理由",
    "document_number": "督办文号",
    "objectives": "治理目标和任务",
    "measures": "治理方法和措施",
    "responsible_person": "负责人",
    "interim_measures": "安全措施和应急预案",
}


# Timeline and audit ----------------------------------------------------------------------------


def _record(
    actor: Any,
    hazard: Hazard,
    action: str,
    from_status: str,
    before: dict[str, Any] | None,
    note: str = "",
    at: datetime | None = None,
) -> HazardTransition:
    is_user = isinstance(actor, User)
    step = HazardTransition.objects.create(
        hazard=hazard,
        action=action,
        from_status=from_status,
        to_status=hazard.status,
        actor=actor if is_user else None,
        actor_name=(str(actor) if is_user else SYSTEM),
        note=note,
        at=at or timezone.now(),
    )
    after = audit.snapshot(hazard)
    if note:
        after = {**after, "note": note}
    audit.record(actor if is_user else SYSTEM, f"hazard.{action}", hazard, before=before, after=after)
    return step


# The loop --------------------------------------------------------------------------------------


def check_criterion(enterprise: Enterprise, grade: str, criterion_code: str) -> str:
    """The criterion code a hazard of this grade in this enterprise must (or must not) carry."""
    code = (criterion_code or "").strip()
    codes = {criterion.code for criterion in criteria_for(enterprise.industry)}
    if code and find_criterion(code) is None:
        raise InvalidInput(
            f"未知的判定依据 {code} / Unknown criterion {code}", details={"field": "criterion_code"}
        )
    if code and code not in codes:
        raise InvalidInput(
            f"判定依据 {code} 不适用于{enterprise.get_industry_display()}企业 / "
            f"Criterion {code} does not apply "
            f"to this enterprise's industry",
            details={"field": "criterion_code"},
        )
    if code and grade != MAJOR:
        raise InvalidInput(
            "符合重大事故隐患判定标准的隐患应定为重大隐患 / "
            "A hazard that meets a criterion is a major hazard",
            details={"field": "grade"},
        )
    if grade == MAJOR and codes and not code:
        raise InvalidInput(
            "煤矿和危险化学品企业的重大隐患须注明判定标准条款 / A major hazard of a coal mine or chemical "
            "enterprise must name the criterion it meets",
            details={"field": "criterion_code"},
        )
    return code


@transaction.atomic
def report_hazard(
    actor: User,
    *,
    enterprise_id: int,
    title: str,
    found_on: date,
    grade: str = GENERAL,
    source: str = SELF_CHECK,
    criterion_code: str = "",
    description: str = "",
    location: str = "",
) -> Hazard:
    """Record a hazard found in an enterprise; a major one is reported to the county at once."""
    _require_viewer(actor)
    enterprise = Enterprise.objects.select_related("region").get_visible_or_404(actor, pk=enterprise_id)
    kind = actor_kind(actor, enterprise)
    try:
        lifecycle.check(lifecycle.REPORT, None, kind)
    except lifecycle.NotAllowed:
        raise Forbidden("您无权上报隐患 / You may not report hazards") from None
    if grade not in dict(GRADE_CHOICES):
        raise InvalidInput("隐患等级无效 / Unknown grade", details={"field": "grade"})
    if source not in dict(SOURCE_CHOICES):
        raise InvalidInput("发现方式无效 / Unknown source", details={"field": "source"})
    if kind == lifecycle.ENTERPRISE and source != SELF_CHECK:
        raise InvalidInput(
            "企业只能上报自查发现的隐患 / An enterprise reports the hazards of its own self-check",
            details={"field": "source"},
        )
    datebounds.require_in_range(found_on, "found_on")
    if found_on > timezone.localdate():
        raise InvalidInput(
            "发现日期不能晚于今天 / The date found cannot be in the future", details={"field": "found_on"}
        )
    hazard = Hazard(
        enterprise=enterprise,
        title=_text(title, "title", required=True, limit=200),
        description=_text(description, "description"),
        location=_text(location, "location", limit=200),
        source=source,
        grade=grade,
        criterion_code=check_criterion(enterprise, grade, criterion_code),
        status=lifecycle.REPORTED,
        found_on=found_on,
        reported_at=timezone.now(),
        reported_by=actor,
    )
    hazard.save()
    _record(actor, hazard, lifecycle.REPORT, "", None)
    if grade == MAJOR:
        jobs.notify(
            _supervisors(enterprise, lifecycle.COUNTY),
            f"重大事故隐患上报：{enterprise.name} {hazard.title}",
            body=f"{enterprise.name}于 {found_on:%Y-%m-%d} 发现重大事故隐患「{hazard.title}」，请跟踪督办。",
            link=_link(hazard),
            about=hazard,
        )
    return hazard


@transaction.atomic
def save_plan(
    actor: User,
    hazard_id: int,
    *,
    objectives: str,
    measures: str,
    funds: Decimal | float | int,
    responsible_person: str,
    deadline: date,
    interim_measures: str,
) -> RectificationPlan:
    """Write (or rewrite) a major hazard's rectification plan."""
    hazard = _load(actor, hazard_id)
    _check(actor, hazard, lifecycle.EDIT_PLAN)
    if hazard.grade != MAJOR:
        raise InvalidInput("只有重大隐患需要整改方案 / Only a major hazard has a rectification plan")
    funds = Decimal(str(funds))
    if funds < 0 or funds >= Decimal("1e12"):
        raise InvalidInput(
            "经费须为 0 至 1 万亿元 / Funds must be between 0 and 10^12 yuan", details={"field": "funds"}
        )
    datebounds.require_in_range(deadline, "deadline")
    if deadline < hazard.found_on:
        raise InvalidInput(
            "治理时限不能早于发现日期 / The deadline cannot precede the date found",
            details={"field": "deadline"},
        )
    _check_own_deadline(hazard, deadline, "deadline")
    plan = RectificationPlan.objects.filter(hazard=hazard).first()
    before = audit.snapshot(plan) if plan is not None else None
    plan = plan or RectificationPlan(hazard=hazard)
    plan.objectives = _text(objectives, "objectives", required=True)
    plan.measures = _text(measures, "measures", required=True)
    plan.funds = funds.quantize(Decimal("0.01"))
    plan.responsible_person = _text(responsible_person, "responsible_person", required=True, limit=64)
    plan.deadline = deadline
    plan.interim_measures = _text(interim_measures, "interim_measures", required=True)
    plan.updated_at, plan.updated_by = timezone.now(), actor
    plan.save()
    audit.record(actor, "hazard.plan_saved", plan, before=before, after=audit.snapshot(plan))
    HazardTransition.objects.create(
        hazard=hazard,
        action=lifecycle.EDIT_PLAN,
        from_status=hazard.status,
        to_status=hazard.status,
        actor=actor,
        actor_name=str(actor),
        note=f"治理时限 {deadline:%Y-%m-%d}，经费 {plan.funds} 元",
    )
    return plan


@transaction.atomic
def start_rectification(
    actor: User, hazard_id: int, *, deadline: date | None = None, note: str = ""
) -> Hazard:
    """Start rectifying against a deadline (a major hazard needs its plan first)."""
    hazard = _load(actor, hazard_id)
    target = _check(actor, hazard, lifecycle.START_RECTIFICATION)
    plan = RectificationPlan.objects.filter(hazard=hazard).first()
    if hazard.grade == MAJOR and plan is None:
        raise InvalidInput(
            "重大隐患须先制定整改方案 / A major hazard needs its rectification plan first",
            code="plan_required",
        )
    if deadline is None:
        deadline = plan.deadline if plan is not None else hazard.listed_deadline
    deadline = _future_deadline(deadline, "deadline")
    _check_own_deadline(hazard, deadline, "deadline")
    before, previous = audit.snapshot(hazard), hazard.status
    hazard.status, hazard.rectification_deadline = target, deadline
    hazard.is_overdue, hazard.overdue_at = False, None
    hazard.save()
    _schedule(hazard)
    _record(
        actor,
        hazard,
        lifecycle.START_RECTIFICATION,
        previous,
        before,
        _text(note, "note") or f"整改期限 {deadline:%Y-%m-%d}",
    )
    return hazard


@jobs.todo_task(ACCEPT_TASK)
def _awaits_acceptance(hazard: Hazard) -> bool:
    return hazard.status == lifecycle.AWAITING_ACCEPTANCE


@jobs.todo_task(RECTIFY_AGAIN_TASK)
def _being_rectified(hazard: Hazard) -> bool:
    return hazard.status in lifecycle.DEADLINE_STATES


@jobs.todo_task(DECIDE_EXTENSION_TASK)
def _extension_pending(hazard: Hazard) -> bool:
    return ExtensionRequest.objects.filter(hazard=hazard, status=PENDING).exists()


@transaction.atomic
def submit_for_acceptance(actor: User, hazard_id: int, *, note: str = "") -> Hazard:
    """The enterprise reports the rectification done; the deadline stops and waits for acceptance."""
    hazard = _load(actor, hazard_id)
    target = _check(actor, hazard, lifecycle.SUBMIT)
    before, previous = audit.snapshot(hazard), hazard.status
    hazard.status = target
    hazard.save()
    jobs.cancel(OVERDUE, hazard)
    for request in ExtensionRequest.objects.select_for_update().filter(hazard=hazard, status=PENDING):
        request_before = audit.snapshot(request)
        request.status, request.decided_at = WITHDRAWN, timezone.now()
        request.save()
        audit.record(
            actor, "hazard.extension_withdrawn", request, before=request_before, after=audit.snapshot(request)
        )
    _record(actor, hazard, lifecycle.SUBMIT, previous, before, _text(note, "note"))
    # The pending extension was withdrawn above; the rectification is done.
    jobs.tasks_done(hazard, DECIDE_EXTENSION_TASK, RECTIFY_AGAIN_TASK)
    tell_awaiting_acceptance(hazard)
    return hazard


def tell_awaiting_acceptance(hazard: Hazard) -> int:
    """The supervisors' to-do: accept or reject the rectification the enterprise reports done."""
    return jobs.notify(
        _supervisors(hazard.enterprise, hazard.supervising_level),
        f"隐患整改完成待验收：{hazard.enterprise.name} {hazard.title}",
        link=_link(hazard),
        about=hazard,
        task=ACCEPT_TASK,
    )


@transaction.atomic
def accept(actor: User, hazard_id: int, *, note: str = "") -> Hazard:
    """Acceptance passed: the hazard is closed (销号)."""
    hazard = _load(actor, hazard_id)
    target = _check(actor, hazard, lifecycle.ACCEPT)
    before, previous = audit.snapshot(hazard), hazard.status
    hazard.status, hazard.closed_at, hazard.closed_by = target, timezone.now(), actor
    hazard.save()
    jobs.cancel(OVERDUE, hazard)
    _record(actor, hazard, lifecycle.ACCEPT, previous, before, _text(note, "note"))
    jobs.tasks_done(hazard)
    jobs.notify(
        officers_of(hazard.enterprise), f"隐患已验收销号：{hazard.title}", link=_link(hazard), about=hazard
    )
    return hazard


@transaction.atomic
def reject(actor: User, hazard_id: int, *, reason: str) -> Hazard:
    """Acceptance failed: back to rectification, with the reason, against the same deadline."""
    hazard = _load(actor, hazard_id)
    target = _check(actor, hazard, lifecycle.REJECT)
    reason = _text(reason, "reason", required=True)
    before, previous = audit.snapshot(hazard), hazard.status
    hazard.status = target
    hazard.save()
    _schedule(hazard)
    _record(actor, hazard, lifecycle.REJECT, previous, before, reason)
    jobs.tasks_done(hazard, ACCEPT_TASK)
    tell_rectify_again(hazard, reason)
    return hazard


def tell_rectify_again(hazard: Hazard, reason: str) -> int:
    """The enterprise's to-do after a failed acceptance: rectify again and resubmit."""
    return jobs.notify(
        officers_of(hazard.enterprise),
        f"隐患验收未通过：{hazard.title}",
        body=reason,
        link=_link(hazard),
        about=hazard,
        task=RECTIFY_AGAIN_TASK,
    )


@transaction.atomic
def list_for_supervision(
    actor: User, hazard_id: int, *, deadline: date, document_number: str, note: str = ""
) -> Hazard:
    """挂牌督办: the county or city lists a major hazard with a deadline and a document number."""
    hazard = _load(actor, hazard_id)
    _check(actor, hazard, lifecycle.LIST_SUPERVISION)
    level = actor_level(actor) or lifecycle.COUNTY
    if hazard.grade != MAJOR:
        raise InvalidInput(
            "只有重大隐患可以挂牌督办 / Only a major hazard can be listed for supervision",
            details={"field": "grade"},
        )
    if not lifecycle.listing_level_allowed(level, hazard.listed_by_level or None):
        raise Conflict(
            f"该隐患已由{lifecycle.LEVEL_LABELS[hazard.listed_by_level]}挂牌督办 / "
            "Already listed at that level",
            code="already_listed",
        )
    deadline = _future_deadline(deadline, "deadline")
    before = audit.snapshot(hazard)
    hazard.listed_at, hazard.listed_by_level, hazard.listed_deadline = timezone.now(), level, deadline
    hazard.listed_document_number = _text(document_number, "document_number", required=True, limit=64)
    if level == lifecycle.CITY:
        hazard.supervising_level = lifecycle.CITY
    if hazard.status in lifecycle.DEADLINE_STATES:
        hazard.rectification_deadline = deadline
        hazard.is_overdue, hazard.overdue_at = False, None
    hazard.save()
    _schedule(hazard)
    text = (
        f"{lifecycle.LEVEL_LABELS[level]}挂牌督办，文号 {hazard.listed_document_number}，"
        f"期限 {deadline:%Y-%m-%d}"
    )
    _record(
        actor,
        hazard,
        lifecycle.LIST_SUPERVISION,
        hazard.status,
        before,
        f"{text}。{_text(note, 'note')}".rstrip("。"),
    )
    jobs.notify(
        officers_of(hazard.enterprise),
        f"重大隐患被挂牌督办：{hazard.title}",
        body=text,
        link=_link(hazard),
        about=hazard,
    )
    return hazard


@transaction.atomic
def request_extension(
    actor: User, hazard_id: int, *, requested_deadline: date, reason: str
) -> ExtensionRequest:
    """Ask the supervising level to move the rectification deadline."""
    hazard = _load(actor, hazard_id)
    _check(actor, hazard, lifecycle.REQUEST_EXTENSION)
    reason = _text(reason, "reason", required=True)
    current = hazard.rectification_deadline
    if current is not None and requested_deadline <= current:
        raise InvalidInput(
            f"申请的期限须晚于现期限 {current:%Y-%m-%d} / "
            "The requested deadline must be after the current one",
            details={"field": "requested_deadline"},
        )
    _future_deadline(requested_deadline, "requested_deadline")
    if ExtensionRequest.objects.filter(hazard=hazard, status=PENDING).exists():
        raise Conflict(
            "已有待审批的延期申请 / An extension request is already pending", code="extension_pending"
        )
    request = ExtensionRequest.objects.create(
        hazard=hazard,
        previous_deadline=current,
        requested_deadline=requested_deadline,
        reason=reason,
        requested_by=actor,
    )
    audit.record(actor, "hazard.extension_requested", request, after=audit.snapshot(request))
    HazardTransition.objects.create(
        hazard=hazard,
        action=lifecycle.REQUEST_EXTENSION,
        from_status=hazard.status,
        to_status=hazard.status,
        actor=actor,
        actor_name=str(actor),
        note=f"申请延期至 {requested_deadline:%Y-%m-%d}：{reason}",
    )
    tell_extension_requested(hazard, reason)
    return request


def tell_extension_requested(hazard: Hazard, reason: str) -> int:
    """The supervisors' to-do: decide the enterprise's request to move the deadline."""
    return jobs.notify(
        _supervisors(hazard.enterprise, hazard.supervising_level),
        f"隐患整改延期申请：{hazard.enterprise.name} {hazard.title}",
        body=reason,
        link=_link(hazard),
        about=hazard,
        task=DECIDE_EXTENSION_TASK,
    )


@transaction.atomic
def decide_extension(actor: User, hazard_id: int, *, approve: bool, note: str = "") -> ExtensionRequest:
    """Approve (the deadline moves and the hazard is no longer overdue) or refuse the pending request."""
    hazard = _load(actor, hazard_id)
    _check(actor, hazard, lifecycle.DECIDE_EXTENSION)
    request = ExtensionRequest.objects.select_for_update().filter(hazard=hazard, status=PENDING).first()
    if request is None:
        raise Conflict("没有待审批的延期申请 / No extension request is pending", code="no_pending_extension")
    if request.requested_by_id == actor.pk:
        raise Forbidden("不能审批自己提出的延期申请 / You cannot decide your own extension request")
    note = _text(note, "note")
    request_before, hazard_before = audit.snapshot(request), audit.snapshot(hazard)
    request.status = APPROVED if approve else REFUSED
    request.decided_by, request.decided_at, request.decision_note = actor, timezone.now(), note
    request.save()
    audit.record(
        actor, "hazard.extension_decided", request, before=request_before, after=audit.snapshot(request)
    )
    if approve:
        hazard.rectification_deadline = request.requested_deadline
        if hazard.listed_deadline is not None:
            hazard.listed_deadline = request.requested_deadline
        hazard.is_overdue, hazard.overdue_at = False, None
        hazard.save()
        _schedule(hazard)
    verdict = "批准延期至" if approve else "不批准延期至"
    _record(
        actor,
        hazard,
        lifecycle.DECIDE_EXTENSION,
        hazard.status,
        hazard_before if approve else None,
        f"{verdict} {request.requested_deadline:%Y-%m-%d}。{note}".rstrip("。"),
    )
    jobs.tasks_done(hazard, DECIDE_EXTENSION_TASK)
    jobs.notify(
        officers_of(hazard.enterprise),
        f"延期申请{'已批准' if approve else '未批准'}：{hazard.title}",
        body=note,
        link=_link(hazard),
        about=hazard,
    )
    return request


@transaction.atomic
def add_attachment(actor: User, hazard_id: int, *, stage: str, name: str, data: bytes) -> HazardAttachment:
    """Store a checked photo or document of the hazard; a refused file leaves nothing behind."""
    hazard = _load(actor, hazard_id)
    _check(actor, hazard, lifecycle.ADD_ATTACHMENT)
    if stage not in dict(STAGE_CHOICES):
        raise InvalidInput("附件阶段无效 / Unknown stage", details={"field": "stage"})
    original = PurePath((name or "").replace("\\", "/")).name.strip()[:200]
    try:
        checked = uploads.check_upload(original, len(data), data)
    except uploads.UploadRejected as error:
        raise InvalidInput(str(error), code="invalid_file", details={"field": "file"}) from None
    attachment = HazardAttachment(
        hazard=hazard,
        stage=stage,
        original_name=original,
        content_type=checked.content_type,
        size=len(data),
        uploaded_by=actor,
    )
    attachment.file.save(
        f"hazards/{hazard.pk}/{uuid.uuid4().hex}.{checked.extension}", ContentFile(data), save=False
    )
    stored = attachment.file.name
    try:
        attachment.save()
        audit.record(actor, "hazard.attachment_added", attachment, after=attachment.snapshot())
    except Exception:
        attachment.file.storage.delete(stored)
        raise
    return attachment


# Deadline limits (city configuration) ----------------------------------------------------------


@dataclass(frozen=True)
class EffectiveLimit:
    """The period in force for a grade or a criterion, and whether the city set it."""

    grade: str
    criterion_code: str
    criterion_title: str
    max_days: int
    configured: bool


def deadline_limits() -> list[EffectiveLimit]:
    """The period of each grade and of each judgment criterion, as in force now."""
    configured = {(row.grade, row.criterion_code): row.max_days for row in DeadlineLimit.objects.all()}
    found = [
        EffectiveLimit(grade, "", "", limits.period_days(grade, "", configured), (grade, "") in configured)
        for grade, _label in GRADE_CHOICES
    ]
    for criterion in (*criteria_for(COAL_MINE), *criteria_for(HAZARDOUS_CHEMICALS)):
        key = (MAJOR, criterion.code)
        days = limits.period_days(MAJOR, criterion.code, configured)
        found.append(EffectiveLimit(MAJOR, criterion.code, criterion.title, days, key in configured))
    return found


@transaction.atomic
def set_deadline_limit(
    actor: User, *, grade: str, criterion_code: str = "", max_days: int | None
) -> EffectiveLimit:
    """The city sets the period of a grade or a criterion; None goes back to the default."""
    if not (may_view(actor) and actor.role == roles.CITY_ADMIN):
        raise Forbidden("只有市应急管理局可以设置整改期限上限 / Only the city sets deadline limits")
    if grade not in dict(GRADE_CHOICES):
        raise InvalidInput("隐患等级无效 / Unknown grade", details={"field": "grade"})
    code = (criterion_code or "").strip()
    criterion = find_criterion(code) if code else None
    if code and criterion is None:
        raise InvalidInput(
            f"未知的判定依据 {code} / Unknown criterion {code}", details={"field": "criterion_code"}
        )
    if code and grade != MAJOR:
        raise InvalidInput(
            "判定标准条款只适用于重大隐患 / Criteria apply to major hazards",
            details={"field": "criterion_code"},
        )
    if max_days is not None and not 1 <= max_days <= limits.MAX_CONFIGURABLE_DAYS:
        raise InvalidInput(
            f"期限须为 1 至 {limits.MAX_CONFIGURABLE_DAYS} 天 / "
            f"The period is 1 to {limits.MAX_CONFIGURABLE_DAYS} days",
            details={"field": "max_days"},
        )
    row = DeadlineLimit.objects.select_for_update().filter(grade=grade, criterion_code=code).first()
    before = audit.snapshot(row) if row is not None else None
    if max_days is None:
        if row is not None:
            audit.record(actor, "hazard_deadline_limit.cleared", row, before=before)
            row.delete()
    else:
        row = row or DeadlineLimit(grade=grade, criterion_code=code)
        row.max_days, row.updated_at, row.updated_by = max_days, timezone.now(), actor
        row.save()
        audit.record(actor, "hazard_deadline_limit.saved", row, before=before, after=audit.snapshot(row))
    configured = _configured_limits(grade, code)
    days = limits.period_days(grade, code, configured)
    title = criterion.title if criterion else ""
    return EffectiveLimit(grade, code, title, days, (grade, code) in configured)


# Escalation ------------------------------------------------------------------------------------


@jobs.deadline_handler(OVERDUE)
def rectification_overdue(deadline: Deadline, now: datetime) -> None:
    """The rectification deadline passed: mark overdue, notify, and move a major hazard up to the city."""
    hazard = (
        Hazard.objects.select_for_update()
        .select_related("enterprise", "enterprise__region")
        .filter(pk=deadline.object_id)
        .first()
    )
    if hazard is None or hazard.status not in lifecycle.DEADLINE_STATES:
        return
    before = audit.snapshot(hazard)
    previous_level = hazard.supervising_level
    hazard.is_overdue, hazard.overdue_at = True, now
    hazard.supervising_level = lifecycle.escalated_level(hazard.grade == MAJOR, previous_level)
    hazard.save()
    moved = hazard.supervising_level != previous_level
    deadline_text = f"{hazard.rectification_deadline:%Y-%m-%d}" if hazard.rectification_deadline else ""
    note = f"超过整改期限 {deadline_text} 未完成整改" + ("，升级由市级督办" if moved else "")
    _record(SYSTEM, hazard, lifecycle.ESCALATE, hazard.status, before, note, at=now)
    subject = f"隐患逾期未整改：{hazard.enterprise.name} {hazard.title}"
    jobs.notify(
        _supervisors(hazard.enterprise, lifecycle.COUNTY),
        subject,
        body=note,
        link=_link(hazard),
        about=hazard,
    )
    if hazard.supervising_level == lifecycle.CITY:
        jobs.notify(
            _supervisors(hazard.enterprise, lifecycle.CITY),
            f"【升级市级督办】{subject}",
            body=note,
            link=_link(hazard),
            about=hazard,
        )
    jobs.notify(officers_of(hazard.enterprise), subject, body=note, link=_link(hazard), about=hazard)
