"""Operations on an incident's response: launch, adjust, stand down; the headquarters; tasks; situation
reports; material requests. Each checks who may act, runs in one transaction, audits and writes the
incident's log. Dispatch orders are in `dispatch`, the recommendation in `recommend`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from yingji.command.incidents import log_event
from yingji.command.models import Incident
from yingji.core import audit, datebounds, jobs, regioncodes, roles
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import Organization, User
from yingji.core.services import validate_model
from yingji.response import access, rules
from yingji.response.models import (
    GroupKind,
    HeadquartersGroup,
    HeadquartersMember,
    IncidentMaterialRequest,
    LevelChange,
    MeasureItem,
    Response,
    SituationReport,
    Task,
)

TASK_REMIND = "response.task_remind"
TASK_OVERDUE = "response.task_overdue"
SITREP_REMIND = "response.sitrep_remind"
SITREP_LATE = "response.sitrep_late"
DO_TASK = "response.task"  # a task waits in its group's or organization's to-do lists
FILE_SITREP = "response.sitrep"  # a due situation report waits in the commander's and duty room's lists
COORDINATION = "coordination"  # the group every headquarters has (综合协调组)
MAX_TASKS_PER_RESPONSE = 500
MAX_MEMBERS_PER_GROUP = 100
MAX_COUNT = 1_000_000


def remind_before() -> timedelta:
    return timedelta(minutes=settings.RESPONSE_REMIND_MINUTES)


# Looking up ------------------------------------------------------------------------------------


def incident_for(actor: Any, incident_id: int, *, lock: bool = False) -> Incident:
    """The incident the actor may see (404 otherwise); the actor must work with responses at all."""
    if not access.may_view(actor):
        raise Forbidden()
    incidents = Incident.objects.select_related("region")
    if lock:
        incidents = incidents.select_for_update(of=("self",))
    return incidents.get_visible_or_404(actor, pk=incident_id)


def commanded_incident(actor: Any, incident_id: int, *, lock: bool = True) -> Incident:
    incident = incident_for(actor, incident_id, lock=lock)
    access.require_command(actor, incident)
    return incident


def active_response(incident: Incident, *, lock: bool = True) -> Response:
    responses = Response.objects.filter(incident=incident, status=Response.ACTIVE)
    response = (responses.select_for_update() if lock else responses).first()
    if response is None:
        raise Conflict("该事件未启动应急响应 / The incident has no active response", code="no_response")
    response.incident = incident  # the one instance the service changes
    return response


def county_of(incident: Incident) -> Any:
    return incident.region.ancestor_at(regioncodes.COUNTY) or incident.region


def duty_room(incident: Incident) -> list[User]:
    """Whom the incident's county duty room is now (the shift, else its duty officers or administrators)."""
    return jobs.on_duty_or_role(county_of(incident), (roles.DUTY_OFFICER, roles.COUNTY_ADMIN))


def commanders(response: Response) -> list[User]:
    """The commander (when a platform user) and the county's duty room: who is told what is due."""
    people = {user.pk: user for user in duty_room(response.incident)}
    if response.commander_id and response.commander.is_active:
        people.setdefault(response.commander_id, response.commander)
    return list(people.values())


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    text = rules.bounded_text(value if isinstance(value, str) else "", limit + 1)
    if required and not text:
        raise InvalidInput(f"请填写 {field} / {field} is required", details={"field": field})
    if len(text) > limit:
        raise InvalidInput(
            f"{field} 最多 {limit} 字 / {field} takes at most {limit} characters", details={"field": field}
        )
    return text


def _level(level: Any) -> int:
    if not isinstance(level, int) or isinstance(level, bool) or level not in rules.LEVELS:
        raise InvalidInput(
            "响应级别须为 1–4（一级最高）/ The level is 1 to 4 (1 the highest)", details={"field": "level"}
        )
    return level


def _hours(value: Any, field: str, low: int, high: int, *, optional: bool = True) -> int | None:
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidInput(
            f"{field} 须为 {low}–{high} 小时 / {field} must be {low} to {high} hours",
            details={"field": field},
        )
    return value


def _count(value: Any, field: str) -> int:
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_COUNT:
        raise InvalidInput(
            f"{field} 须为 0–{MAX_COUNT} 的整数 / {field} must be a whole number 0 to {MAX_COUNT}",
            details={"field": field},
        )
    return value


def _moment(value: datetime | None, field: str, now: datetime) -> datetime:
    if value is None:
        raise InvalidInput(f"请填写 {field} / {field} is required", details={"field": field})
    datebounds.require_in_range(value, field)
    if timezone.is_naive(value):
        raise InvalidInput(f"{field} 须带时区 / {field} needs a time zone offset", details={"field": field})
    if value <= now:
        raise InvalidInput(f"{field} 须晚于现在 / {field} must be in the future", details={"field": field})
    if value > now + timedelta(hours=rules.MAX_TASK_HOURS):
        raise InvalidInput(
            f"{field} 不能晚于 30 天后 / {field} is at most 30 days ahead", details={"field": field}
        )
    return value


# The response ----------------------------------------------------------------------------------


@transaction.atomic
def launch_response(
    actor: User,
    incident_id: int,
    *,
    level: int,
    matters: str = "",
    measures: str = "",
    expected_hours: int | None = None,
    sitrep_every_hours: int | None = None,
    now: datetime | None = None,
) -> Response:
    """Launch a level Ⅰ–Ⅳ response: the incident is responding, the headquarters is set up with the
    actor as commander, and the category's measure checklist becomes tasks."""
    incident = commanded_incident(actor, incident_id)
    now = now or timezone.now()
    level = _level(level)
    if not incident.is_open:
        raise Conflict("事件已结束或已合并 / The incident is closed or merged", code="incident_closed")
    if Response.objects.filter(incident=incident).exists():
        raise Conflict("该事件已启动应急响应 / The incident already has a response", code="response_exists")
    response = Response(
        incident=incident,
        level=level,
        matters=_text(matters, "matters", 2000),
        measures=_text(measures, "measures", 2000),
        expected_hours=_hours(expected_hours, "expected_hours", 1, rules.MAX_EXPECTED_HOURS),
        sitrep_every_hours=_hours(
            sitrep_every_hours, "sitrep_every_hours", rules.MIN_SITREP_HOURS, rules.MAX_SITREP_HOURS
        ),
        launched_at=now,
        launched_by=actor,
        commander=actor,
        commander_name=(actor.get_full_name() or actor.username)[:64],
    )
    validate_model(response, exclude=["incident", "launched_by", "commander"])
    response.save()
    LevelChange.objects.create(response=response, from_level=None, to_level=level, at=now, by=actor)
    before = audit.snapshot(incident)
    incident.status = Incident.RESPONDING
    incident.save(update_fields=["status"])
    audit.record(actor, "incident.responding", incident, before=before, after=audit.snapshot(incident))
    tasks = _tasks_from_checklist(actor, response, now)
    if response.sitrep_every_hours:
        _schedule_next_sitrep(response, now + timedelta(hours=response.sitrep_every_hours))
    audit.record(
        actor,
        "response.launched",
        response,
        after={**audit.snapshot(response), "tasks": [task.pk for task in tasks]},
        region=incident.region,
    )
    log_event(
        incident,
        "response",
        f"启动{response.level_label}应急响应（{rules.LEVEL_NAMES[level]}），指挥部成立，"
        f"生成处置任务 {len(tasks)} 项",
        actor=actor,
        subject=response,
        at=now,
    )
    return response


def _group(response: Response, kind: GroupKind) -> HeadquartersGroup:
    group, _created = HeadquartersGroup.objects.get_or_create(response=response, kind=kind)
    return group


def _tasks_from_checklist(actor: User, response: Response, now: datetime) -> list[Task]:
    incident = response.incident
    items = [
        item
        for item in MeasureItem.objects.filter(category=incident.category, active=True).select_related(
            "group_kind"
        )
        if not item.subtype or item.subtype == incident.subtype
    ]
    coordination = GroupKind.objects.filter(code=COORDINATION).first()
    kinds = {item.group_kind_id: item.group_kind for item in items if item.group_kind_id}
    if coordination is not None:
        kinds.setdefault(coordination.pk, coordination)
    groups = {kind_id: _group(response, kind) for kind_id, kind in kinds.items()}
    tasks = Task.objects.bulk_create(
        [
            Task(
                response=response,
                title=item.text,
                group=groups.get(item.group_kind_id),
                due_at=now + timedelta(hours=item.hours),
                created_at=now,
                created_by=actor,
            )
            for item in items
        ]
    )
    if tasks and tasks[0].pk is None:  # backends that do not return ids from a bulk insert
        tasks = list(Task.objects.filter(response=response).order_by("id"))
    for task in tasks:
        _schedule_task(task, now)
    return tasks


@transaction.atomic
def adjust_level(
    actor: User, incident_id: int, *, level: int, reason: str, now: datetime | None = None
) -> Response:
    """Raise or lower the response's level, with the reason (recorded as a level change)."""
    incident = commanded_incident(actor, incident_id)
    response = active_response(incident)
    level = _level(level)
    reason = _text(reason, "reason", 300, required=True)
    if level == response.level:
        raise Conflict("响应级别未变化 / The level is unchanged", code="level_unchanged")
    now = now or timezone.now()
    before = audit.snapshot(response)
    LevelChange.objects.create(
        response=response, from_level=response.level, to_level=level, reason=reason, at=now, by=actor
    )
    old, response.level = response.level, level
    response.save(update_fields=["level"])
    audit.record(actor, "response.level_changed", response, before=before, after=audit.snapshot(response))
    word = "提升" if level < old else "降低"
    log_event(
        incident,
        "response",
        f"响应级别由{rules.LEVELS[old]}{word}为{rules.LEVELS[level]}：{reason}",
        actor=actor,
        subject=response,
        at=now,
    )
    return response


@transaction.atomic
def end_response(actor: User, incident_id: int, *, summary: str, now: datetime | None = None) -> Response:
    """Stand down (结束响应): open dispatch orders and tasks are closed, the situation reports still due
    cancelled, and the incident closed with the summary."""
    from yingji.response import dispatch

    incident = commanded_incident(actor, incident_id)
    response = active_response(incident)
    summary = _text(summary, "summary", 4000, required=True)
    now = now or timezone.now()
    orders = dispatch.close_open_orders(actor, incident, now)
    open_tasks = list(Task.objects.select_for_update().filter(response=response, status=Task.OPEN))
    for task in open_tasks:
        task.status, task.done_at, task.done_by = Task.CLOSED, now, actor
        task.feedback = task.feedback or "响应结束，任务关闭"
    Task.objects.bulk_update(open_tasks, ["status", "done_at", "done_by", "feedback"])
    for kind in (TASK_REMIND, TASK_OVERDUE):
        jobs.cancel_all(kind, open_tasks)
    jobs.tasks_done_for(Task._meta.label_lower, [task.pk for task in open_tasks], DO_TASK, at=now)
    _cancel_due_sitreps(response, now)
    before = audit.snapshot(response)
    response.status, response.ended_at, response.ended_by, response.summary = (
        Response.ENDED,
        now,
        actor,
        summary,
    )
    response.save(update_fields=["status", "ended_at", "ended_by", "summary"])
    audit.record(
        actor,
        "response.ended",
        response,
        before=before,
        after={**audit.snapshot(response), "closed_tasks": len(open_tasks), "closed_orders": orders},
    )
    incident_before = audit.snapshot(incident)
    incident.status, incident.closed_at, incident.summary = Incident.CLOSED, now, summary
    incident.save(update_fields=["status", "closed_at", "summary"])
    audit.record(actor, "incident.closed", incident, before=incident_before, after=audit.snapshot(incident))
    log_event(
        incident,
        "response",
        f"结束应急响应；关闭调派令 {orders} 份、任务 {len(open_tasks)} 项。{summary}",
        actor=actor,
        subject=response,
        at=now,
    )
    return response


# Headquarters ----------------------------------------------------------------------------------


def _user_named(actor: User, username: str) -> User:
    user = User.objects.visible_to(actor).filter(username=username, is_active=True).first()
    if user is None:
        raise InvalidInput(
            "用户不存在或不在您的管辖范围 / No such user in your scope", details={"field": "username"}
        )
    return user


@transaction.atomic
def set_commander(
    actor: User,
    incident_id: int,
    *,
    username: str | None = None,
    name: str = "",
    phone: str = "",
) -> Response:
    """Name the commander (总指挥): a platform user of the incident's bureaus, or a named person."""
    incident = commanded_incident(actor, incident_id)
    response = active_response(incident)
    before = audit.snapshot(response)
    user = None
    if username:
        user = _user_named(actor, username)
    name = _text(name, "name", 64) or (user.get_full_name() or user.username if user else "")
    if not name:
        raise InvalidInput("请填写总指挥 / Name the commander", details={"field": "name"})
    response.commander, response.commander_name = user, name[:64]
    response.commander_phone = _text(phone, "phone", 32)
    response.save(update_fields=["commander", "commander_name", "commander_phone"])
    audit.record(actor, "response.commander_set", response, before=before, after=audit.snapshot(response))
    log_event(incident, "headquarters", f"总指挥：{response.commander_name}", actor=actor, subject=response)
    return response


@transaction.atomic
def add_member(
    actor: User,
    incident_id: int,
    *,
    group: str,
    username: str | None = None,
    name: str = "",
    phone: str = "",
    post: str = "",
    is_leader: bool = False,
) -> HeadquartersMember:
    """Add a person to a group of the headquarters (the group is set up on first use)."""
    incident = commanded_incident(actor, incident_id)
    response = active_response(incident)
    kind = GroupKind.objects.filter(code=group, active=True).first()
    if kind is None:
        raise InvalidInput(f"未知的工作组 {group[:32]} / Unknown group", details={"field": "group"})
    headquarters_group = _group(response, kind)
    if headquarters_group.members.count() >= MAX_MEMBERS_PER_GROUP:
        raise Conflict("工作组成员已满 / The group is full", code="group_full")
    user = None
    if username:
        user = _user_named(actor, username)
    member = HeadquartersMember(
        group=headquarters_group,
        user=user,
        name=_text(name, "name", 64) or (user.get_full_name() or user.username if user else ""),
        phone=_text(phone, "phone", 32),
        post=_text(post, "post", 64),
        is_leader=bool(is_leader),
    )
    if not member.name:
        raise InvalidInput("请填写姓名或选择用户 / Give a name or a user", details={"field": "name"})
    if member.is_leader:
        headquarters_group.members.filter(is_leader=True).update(is_leader=False)
    validate_model(member, exclude=["group", "user"])
    member.save()
    audit.record(
        actor, "headquarters.member_added", member, after=audit.snapshot(member), region=incident.region
    )
    log_event(
        incident,
        "headquarters",
        f"{kind.name}{'组长' if member.is_leader else '成员'}：{member.name}",
        actor=actor,
        subject=member,
    )
    return member


@transaction.atomic
def remove_member(actor: User, member_id: int) -> HeadquartersMember:
    member = (
        HeadquartersMember.objects.select_related("group__kind", "group__response__incident__region")
        .select_for_update(of=("self",))
        .get_visible_or_404(actor, pk=member_id)
    )
    incident = member.group.response.incident
    access.require_command(actor, incident)
    if not member.group.response.is_active:
        raise Conflict("应急响应已结束 / The response has ended", code="no_response")
    audit.record(
        actor, "headquarters.member_removed", member, before=audit.snapshot(member), region=incident.region
    )
    log_event(incident, "headquarters", f"{member.group.kind.name}移除：{member.name}", actor=actor)
    member.delete()
    return member


# Tasks -----------------------------------------------------------------------------------------


def _schedule_task(task: Task, now: datetime) -> None:
    remind_at = task.due_at - remind_before()
    if remind_at > now:
        jobs.schedule(TASK_REMIND, task, remind_at)
    jobs.schedule(TASK_OVERDUE, task, task.due_at)


def task_people(task: Task) -> list[User]:
    """Who does a task: the platform users of its group, else its organization's administrators and
    officers, else the commanders."""
    if task.group_id:
        users = [m.user for m in task.group.members.select_related("user") if m.user and m.user.is_active]
        if users:
            return users
    if task.organization_id:
        users = list(User.objects.filter(organization_id=task.organization_id, is_active=True).order_by("pk"))
        if users:
            return users
    return commanders(task.response)


@transaction.atomic
def add_task(
    actor: User,
    incident_id: int,
    *,
    title: str,
    due_at: datetime,
    detail: str = "",
    group: str | None = None,
    organization_id: int | None = None,
    now: datetime | None = None,
) -> Task:
    """A task for a group of the headquarters or an organization, due by `due_at` (at most 30 days)."""
    incident = commanded_incident(actor, incident_id)
    response = active_response(incident)
    now = now or timezone.now()
    if Task.objects.filter(response=response).count() >= MAX_TASKS_PER_RESPONSE:
        raise Conflict("任务数量已达上限 / Too many tasks", code="too_many_tasks")
    headquarters_group = None
    if group:
        kind = GroupKind.objects.filter(code=group, active=True).first()
        if kind is None:
            raise InvalidInput("未知的工作组 / Unknown group", details={"field": "group"})
        headquarters_group = _group(response, kind)
    organization = None
    if organization_id is not None:
        organization = Organization.objects.visible_to(actor).filter(pk=organization_id).first()
        if organization is None:
            raise NotFound("单位不存在或不在您的管辖范围 / Organization not found in your scope")
    task = Task.objects.create(
        response=response,
        title=_text(title, "title", 200, required=True),
        detail=_text(detail, "detail", 1000),
        group=headquarters_group,
        organization=organization,
        due_at=_moment(due_at, "due_at", now),
        created_at=now,
        created_by=actor,
    )
    _schedule_task(task, now)
    jobs.notify(
        task_people(task),
        f"处置任务：{task.title}",
        body=f"{incident.title}；时限 {timezone.localtime(task.due_at):%m-%d %H:%M}",
        about=task,
        task=DO_TASK,
    )
    audit.record(actor, "response_task.created", task, after=audit.snapshot(task), region=incident.region)
    log_event(incident, "task", f"下达任务：{task.title}", actor=actor, subject=task, at=now)
    return task


def _may_answer_task(actor: User, task: Task) -> bool:
    if access.may_command(actor, task.response.incident):
        return True
    if task.organization_id and actor.organization_id == task.organization_id:
        return True
    return bool(task.group_id) and task.group.members.filter(user_id=actor.pk).exists()


@transaction.atomic
def report_task(
    actor: User, task_id: int, *, feedback: str, done: bool = False, now: datetime | None = None
) -> Task:
    """Feedback on a task (反馈); `done` completes it."""
    task = (
        Task.objects.select_related("response__incident__region", "group")
        .select_for_update(of=("self",))
        .get_visible_or_404(actor, pk=task_id)
    )
    if not access.may_view(actor) or not _may_answer_task(actor, task):
        raise Forbidden()
    if task.status != Task.OPEN:
        raise Conflict("任务已完成或已关闭 / The task is done or closed", code="task_closed")
    now = now or timezone.now()
    before = audit.snapshot(task)
    task.feedback = _text(feedback, "feedback", 1000, required=True)
    if done:
        task.status, task.done_at, task.done_by = Task.DONE, now, actor
        for kind in (TASK_REMIND, TASK_OVERDUE):
            jobs.cancel(kind, task)
        jobs.tasks_done(task, DO_TASK, at=now)
    task.save()
    audit.record(
        actor,
        "response_task.done" if done else "response_task.feedback",
        task,
        before=before,
        after=audit.snapshot(task),
        region=task.response.incident.region,
    )
    log_event(
        task.response.incident,
        "task",
        f"任务{'完成' if done else '反馈'}：{task.title}——{task.feedback}",
        actor=actor,
        subject=task,
        at=now,
    )
    return task


@jobs.todo_task(DO_TASK)
def _task_waits(task: Task) -> bool:
    return task.status == Task.OPEN


@jobs.deadline_handler(TASK_REMIND)
def remind_task(deadline: Any, now: datetime) -> None:
    task = (
        Task.objects.select_related("response__incident", "group").filter(pk=int(deadline.object_id)).first()
    )
    if task is None or task.status != Task.OPEN:
        return
    jobs.notify(
        task_people(task),
        f"任务即将到期：{task.title}",
        body=f"时限 {timezone.localtime(task.due_at):%m-%d %H:%M}",
        about=task,
    )


@jobs.deadline_handler(TASK_OVERDUE)
def mark_task_overdue(deadline: Any, now: datetime) -> None:
    """A task still open at its deadline is marked overdue, and the commanders are told."""
    task = (
        Task.objects.select_related("response__incident__region").filter(pk=int(deadline.object_id)).first()
    )
    if task is None or task.status != Task.OPEN or task.overdue:
        return
    before = audit.snapshot(task)
    task.overdue = True
    task.save(update_fields=["overdue"])
    audit.record(None, "response_task.overdue", task, before=before, after=audit.snapshot(task),
                 region=task.response.incident.region)  # fmt: skip
    log_event(task.response.incident, "task", f"任务超时未完成：{task.title}", subject=task, at=now)
    jobs.notify(
        commanders(task.response), f"任务超时：{task.title}", body=task.response.incident.title, about=task
    )


# Situation reports -----------------------------------------------------------------------------


def _schedule_next_sitrep(response: Response, due_at: datetime) -> SituationReport:
    last = SituationReport.objects.filter(response=response).aggregate(n=Max("sequence"))["n"] or 0
    sitrep = SituationReport.objects.create(response=response, sequence=last + 1, due_at=due_at)
    remind_at = due_at - remind_before()
    if remind_at > response.launched_at:
        jobs.schedule(SITREP_REMIND, sitrep, remind_at)
    jobs.schedule(SITREP_LATE, sitrep, due_at)
    return sitrep


def _cancel_due_sitreps(response: Response, now: datetime) -> int:
    due = list(SituationReport.objects.filter(response=response, status=SituationReport.DUE))
    for sitrep in due:
        sitrep.status = SituationReport.CANCELLED
    SituationReport.objects.bulk_update(due, ["status"])
    for kind in (SITREP_REMIND, SITREP_LATE):
        jobs.cancel_all(kind, due)
    jobs.tasks_done_for(SituationReport._meta.label_lower, [s.pk for s in due], FILE_SITREP, at=now)
    return len(due)


@transaction.atomic
def set_sitrep_schedule(
    actor: User, incident_id: int, *, every_hours: int | None, now: datetime | None = None
) -> Response:
    """The commander's schedule of situation reports: every 1–24 hours from now (None: none due)."""
    incident = commanded_incident(actor, incident_id)
    response = active_response(incident)
    every = _hours(every_hours, "every_hours", rules.MIN_SITREP_HOURS, rules.MAX_SITREP_HOURS)
    now = now or timezone.now()
    before = audit.snapshot(response)
    _cancel_due_sitreps(response, now)
    response.sitrep_every_hours = every
    response.save(update_fields=["sitrep_every_hours"])
    if every:
        _schedule_next_sitrep(response, now + timedelta(hours=every))
    audit.record(actor, "response.sitrep_schedule", response, before=before, after=audit.snapshot(response))
    log_event(
        incident,
        "sitrep",
        f"情况报告：每 {every} 小时报送一次" if every else "取消定时情况报告",
        actor=actor,
        subject=response,
        at=now,
    )
    return response


def next_due_sitrep(response: Response) -> SituationReport | None:
    return (
        SituationReport.objects.filter(response=response, status=SituationReport.DUE)
        .order_by("due_at")
        .first()
    )


@transaction.atomic
def file_sitrep(
    actor: User,
    incident_id: int,
    *,
    progress: str,
    needs: str = "",
    deaths: int = 0,
    missing: int = 0,
    injured: int = 0,
    trapped: int = 0,
    evacuated: int = 0,
    now: datetime | None = None,
) -> SituationReport:
    """File the situation report now due (or one out of schedule): late when past its time; the next
    one on the schedule falls due a period after this one's time."""
    incident = commanded_incident(actor, incident_id)
    response = active_response(incident)
    now = now or timezone.now()
    sitrep = (
        SituationReport.objects.select_for_update()
        .filter(response=response, status=SituationReport.DUE)
        .order_by("due_at")
        .first()
    )
    scheduled = sitrep is not None
    if sitrep is None:
        last = SituationReport.objects.filter(response=response).aggregate(n=Max("sequence"))["n"] or 0
        sitrep = SituationReport(response=response, sequence=last + 1, due_at=now)
    sitrep.progress = _text(progress, "progress", 2000, required=True)
    sitrep.needs = _text(needs, "needs", 1000)
    sitrep.deaths, sitrep.missing = _count(deaths, "deaths"), _count(missing, "missing")
    sitrep.injured, sitrep.trapped = _count(injured, "injured"), _count(trapped, "trapped")
    sitrep.evacuated = _count(evacuated, "evacuated")
    sitrep.status, sitrep.filed_at, sitrep.filed_by = SituationReport.FILED, now, actor
    sitrep.late = sitrep.late or now > sitrep.due_at
    sitrep.save()
    if scheduled:
        for kind in (SITREP_REMIND, SITREP_LATE):
            jobs.cancel(kind, sitrep)
        jobs.tasks_done(sitrep, FILE_SITREP, at=now)
        if response.sitrep_every_hours:
            step = timedelta(hours=response.sitrep_every_hours)
            _schedule_next_sitrep(response, max(sitrep.due_at + step, now + timedelta(minutes=30)))
    audit.record(actor, "sitrep.filed", sitrep, after=audit.snapshot(sitrep), region=incident.region)
    late = "（迟报）" if sitrep.late else ""
    log_event(
        incident,
        "sitrep",
        f"第 {sitrep.sequence} 期情况报告{late}：死亡 {sitrep.deaths}、失踪 {sitrep.missing}、"
        f"受伤 {sitrep.injured}、被困 {sitrep.trapped}、转移 {sitrep.evacuated}；{sitrep.progress}",
        actor=actor,
        subject=sitrep,
        at=now,
    )
    return sitrep


@jobs.todo_task(FILE_SITREP)
def _sitrep_waits(sitrep: SituationReport) -> bool:
    return sitrep.status == SituationReport.DUE


@jobs.deadline_handler(SITREP_REMIND)
def remind_sitrep(deadline: Any, now: datetime) -> None:
    sitrep = (
        SituationReport.objects.select_related("response__incident__region", "response__commander")
        .filter(pk=int(deadline.object_id))
        .first()
    )
    if sitrep is None or sitrep.status != SituationReport.DUE:
        return
    jobs.notify(
        commanders(sitrep.response),
        f"情况报告待报送：{sitrep.response.incident.title}",
        body=f"第 {sitrep.sequence} 期，应于 {timezone.localtime(sitrep.due_at):%m-%d %H:%M} 前报送",
        about=sitrep,
        task=FILE_SITREP,
    )


@jobs.deadline_handler(SITREP_LATE)
def mark_sitrep_late(deadline: Any, now: datetime) -> None:
    """A report not filed by its time is marked late (迟报); it stays due until filed."""
    sitrep = (
        SituationReport.objects.select_related("response__incident__region", "response__commander")
        .filter(pk=int(deadline.object_id))
        .first()
    )
    if sitrep is None or sitrep.status != SituationReport.DUE or sitrep.late:
        return
    before = audit.snapshot(sitrep)
    sitrep.late = True
    sitrep.save(update_fields=["late"])
    incident = sitrep.response.incident
    audit.record(
        None, "sitrep.late", sitrep, before=before, after=audit.snapshot(sitrep), region=incident.region
    )
    log_event(incident, "sitrep", f"第 {sitrep.sequence} 期情况报告逾期未报", subject=sitrep, at=now)
    jobs.notify(
        commanders(sitrep.response),
        f"情况报告逾期：{incident.title}",
        body=f"第 {sitrep.sequence} 期应于 {timezone.localtime(sitrep.due_at):%m-%d %H:%M} 报送",
        about=sitrep,
    )


# Material requests -----------------------------------------------------------------------------


@transaction.atomic
def request_materials(
    actor: User,
    incident_id: int,
    *,
    lines: list[tuple[str, int]],
    needed_by: datetime,
    destination: str = "",
    now: datetime | None = None,
) -> IncidentMaterialRequest:
    """Ask for materials for the incident through materials' request → approval → allocation, linked
    to the incident (delivered to its point)."""
    from yingji.materials import requests as material_requests

    incident = commanded_incident(actor, incident_id)
    now = now or timezone.now()
    if not incident.is_open:
        raise Conflict("事件已结束 / The incident is closed", code="incident_closed")
    request = material_requests.create_request(
        actor,
        region_code=incident.region.code,
        title=incident.title[:100],
        destination=_text(destination, "destination", 100) or (incident.address or incident.title)[:100],
        longitude=incident.longitude,
        latitude=incident.latitude,
        needed_by=_moment(needed_by, "needed_by", now),
        lines=lines,
        now=now,
    )
    link = IncidentMaterialRequest.objects.create(incident=incident, request=request, created_at=now)
    audit.record(
        actor, "incident.material_requested", link, after=audit.snapshot(link), region=incident.region
    )
    log_event(
        incident,
        "materials",
        f"申请应急物资：{request.number}（{len(lines)} 种）",
        actor=actor,
        subject=request,
        at=now,
    )
    return link


# Reference data the city keeps -----------------------------------------------------------------


def _require_references(actor: User) -> None:
    if not access.may_keep_references(actor):
        raise Forbidden("由市级管理员维护 / Kept by the city's administrators")


@transaction.atomic
def save_group_kind(
    actor: User, *, code: str, name: str, duties: str = "", position: int = 0, active: bool = True
) -> GroupKind:
    _require_references(actor)
    kind = GroupKind.objects.filter(code=code).first() or GroupKind(code=code)
    before = audit.snapshot(kind) if kind.pk else None
    kind.name, kind.duties = _text(name, "name", 40, required=True), _text(duties, "duties", 200)
    kind.position, kind.active = position, bool(active)
    validate_model(kind, exclude=["code"] if kind.pk else None)
    kind.save()
    audit.record(
        actor, "group_kind.saved", kind, before=before, after=audit.snapshot(kind), region=actor.region
    )
    return kind


@transaction.atomic
def save_measure(
    actor: User,
    *,
    measure_id: int | None = None,
    category: str,
    subtype: str = "",
    text: str,
    group: str | None = None,
    hours: int = 2,
    active: bool = True,
) -> MeasureItem:
    _require_references(actor)
    item = MeasureItem() if measure_id is None else MeasureItem.objects.filter(pk=measure_id).first()
    if item is None:
        raise NotFound()
    before = audit.snapshot(item) if item.pk else None
    if category not in dict(Incident.CATEGORY_CHOICES):
        raise InvalidInput("事件类别无效 / Unknown category", details={"field": "category"})
    item.category, item.subtype = category, _text(subtype, "subtype", 32)
    item.text = _text(text, "text", 200, required=True)
    item.group_kind = GroupKind.objects.filter(code=group).first() if group else None
    if group and item.group_kind is None:
        raise InvalidInput("未知的工作组 / Unknown group", details={"field": "group"})
    item.hours = _hours(hours, "hours", 1, rules.MAX_TASK_HOURS, optional=False) or 1
    item.active = bool(active)
    validate_model(item)
    item.save()
    audit.record(
        actor, "measure_item.saved", item, before=before, after=audit.snapshot(item), region=actor.region
    )
    return item
