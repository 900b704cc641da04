"""Every change of the duty rota: one transaction each, permission and scope first, audited.

Who is on duty now is also what core's notifications consult (`jobs.on_duty_or_role`, registered at
the bottom): alarms, warnings to approve and check-ins go to the shift, else to the role (ADR 0038).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from yingji.command.models import CheckIn, DutyMatter, DutyPost, Handover, Shift, ShiftPattern, ShiftSwap
from yingji.core import audit, datebounds, jobs, regioncodes, roles
from yingji.core.errors import Conflict, Forbidden, InvalidInput
from yingji.core.models import Organization, Region, User
from yingji.core.services import region_in_scope
from yingji.messaging import outbox
from yingji.messaging.models import Delivery

BEIJING = ZoneInfo("Asia/Shanghai")
CHECKIN_MISSED = "command.checkin_missed"  # deadline: a check-in not answered in time
ANSWER_CHECKIN_TASK = "command.answer_checkin"  # to-do of the county's duty room
APPROVE_SWAP_TASK = "command.approve_swap"  # to-do of the post's administrators
MAX_OFFICERS = 10
MIN_CHECKIN_MINUTES, MAX_CHECKIN_MINUTES = 1, 240
POST_LEVELS = (regioncodes.CITY, regioncodes.COUNTY)
DEFAULT_PATTERNS = (("白班", time(8, 0), time(20, 0)), ("夜班", time(20, 0), time(8, 0)))
RECIPIENT_KIND = "dutypost"  # the outbox's register for a duty room's phone


def may_view(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role_permission(roles.VIEW_DUTY)


def may_manage(user: Any, post: DutyPost) -> bool:
    """Administrators draw up the rota of their own bureau's post and of the posts below it."""
    return (
        may_view(user)
        and user.has_role_permission(roles.MANAGE_DUTY)
        and user.scope.covers_region(post.region)
    )


def may_send_checkins(user: Any) -> bool:
    """The city checks the counties: city administrators and duty officers."""
    return (
        may_view(user)
        and user.has_role_permission(roles.SEND_CHECKINS)
        and user.region.level in (regioncodes.PROVINCE, regioncodes.CITY)
    )


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


# Posts and patterns --------------------------------------------------------------------------


def bureau_of(region: Region) -> Organization | None:
    return Organization.objects.filter(region=region, kind=Organization.BUREAU).order_by("id").first()


def ensure_post(region: Region) -> DutyPost:
    """The duty room of a city or county bureau, with the usual day and night shifts (not audited:
    a room exists for every bureau; its rota is what is audited)."""
    post = DutyPost.objects.filter(region=region).first()
    if post is not None:
        return post
    bureau = bureau_of(region)
    post = DutyPost.objects.create(
        region=region,
        organization=bureau,
        name=f"{bureau.name if bureau else region.name}值班室",
        phone=bureau.phone if bureau else "",
    )
    ShiftPattern.objects.bulk_create(
        ShiftPattern(post=post, name=name, starts=starts, ends=ends, position=index)
        for index, (name, starts, ends) in enumerate(DEFAULT_PATTERNS)
    )
    return post


def post_for(actor: User, region_code: str) -> DutyPost:
    """The duty room of a city or county in the actor's scope (made with the usual shifts if new)."""
    if not may_view(actor):
        raise Forbidden()
    region = region_in_scope(actor, region_code)
    if region.level not in POST_LEVELS:
        raise InvalidInput(
            "值班室设在市、县两级应急管理局 / Duty rooms are kept by the city and county bureaus",
            details={"field": "region"},
        )
    with transaction.atomic():
        return ensure_post(region)


@transaction.atomic
def update_post(actor: User, post_id: int, **changes: Any) -> DutyPost:
    post = DutyPost.objects.select_for_update().get_visible_or_404(actor, pk=post_id)
    if not may_manage(actor, post):
        raise Forbidden()
    before = audit.snapshot(post)
    if "phone" in changes:
        post.phone = _text(changes["phone"], "phone", 32, required=False)
    if "checkin_minutes" in changes:
        minutes = changes["checkin_minutes"]
        if (
            isinstance(minutes, bool)
            or not isinstance(minutes, int)
            or not (MIN_CHECKIN_MINUTES <= minutes <= MAX_CHECKIN_MINUTES)
        ):
            raise InvalidInput(
                f"查岗应答时限须为 {MIN_CHECKIN_MINUTES}–{MAX_CHECKIN_MINUTES} 分钟 / "
                f"checkin_minutes must be {MIN_CHECKIN_MINUTES}–{MAX_CHECKIN_MINUTES}",
                details={"field": "checkin_minutes"},
            )
        post.checkin_minutes = minutes
    post.save()
    audit.record(actor, "duty_post.updated", post, before=before, after=audit.snapshot(post))
    return post


@transaction.atomic
def add_pattern(actor: User, post_id: int, name: str, starts: time, ends: time) -> ShiftPattern:
    post = DutyPost.objects.get_visible_or_404(actor, pk=post_id)
    if not may_manage(actor, post):
        raise Forbidden()
    name = _text(name, "name", 20)
    if starts == ends:
        raise InvalidInput("班次开始与结束不能相同 / A shift cannot start and end at the same time",
                           details={"field": "ends"})  # fmt: skip
    if post.patterns.filter(name=name).exists():
        raise Conflict(
            f"已有班次“{name}” / The post already has a shift named {name}", details={"field": "name"}
        )
    pattern = ShiftPattern.objects.create(
        post=post, name=name, starts=starts, ends=ends, position=post.patterns.count()
    )
    audit.record(actor, "shift_pattern.created", pattern, after=audit.snapshot(pattern))
    return pattern


def shift_times(pattern: ShiftPattern, day: date) -> tuple[datetime, datetime]:
    """When a pattern's shift of `day` starts and ends (an overnight one ends the next day)."""
    starts = datetime.combine(day, pattern.starts, tzinfo=BEIJING)
    ends = datetime.combine(
        day + timedelta(days=1) if pattern.overnight else day, pattern.ends, tzinfo=BEIJING
    )
    return starts, ends


# Shifts -------------------------------------------------------------------------------------------


def eligible_people(post: DutyPost) -> Any:
    """Who may stand a shift of the post: the active administrators and duty officers of its region."""
    return User.objects.filter(region_id=post.region_id, role__in=roles.DUTY_ROLES, is_active=True).order_by(
        "role", "username"
    )


def _people(post: DutyPost, leader: Any, officers: Sequence[Any]) -> tuple[User, list[User]]:
    names = [leader, *officers]
    if any(not isinstance(name, str) or not name or len(name) > 150 for name in names):
        raise InvalidInput("人员须以账号名给出 / People are given by username", details={"field": "officers"})
    if not officers:
        raise InvalidInput("每班至少一名值班员 / A shift needs at least one duty officer",
                           details={"field": "officers"})  # fmt: skip
    if len(officers) > MAX_OFFICERS:
        raise InvalidInput(f"每班最多 {MAX_OFFICERS} 名值班员 / At most {MAX_OFFICERS} officers a shift",
                           details={"field": "officers"})  # fmt: skip
    if len(set(names)) != len(names):
        raise InvalidInput("同一人不能在一班中出现两次 / The same person twice on one shift",
                           details={"field": "officers"})  # fmt: skip
    found = {user.username: user for user in eligible_people(post).filter(username__in=names)}
    missing = [name for name in names if name not in found]
    if missing:
        raise InvalidInput(
            f"{'、'.join(missing)} 不是本单位的管理员或值班员 / {', '.join(missing)}: not an administrator "
            "or duty officer of this bureau",
            details={"field": "leader" if leader in missing else "officers", "usernames": missing},
        )
    return found[leader], [found[name] for name in officers]


def shift_state(shift: Shift) -> dict[str, Any]:
    """The shift as audited: its fields and the ids of its officers."""
    return {**audit.snapshot(shift), "officer_ids": sorted(shift.officers.values_list("pk", flat=True))}


def prepare_shift(post: DutyPost, pattern_name: Any, day: date, leader: Any, officers: Sequence[Any]) -> Any:
    pattern = post.patterns.filter(name=pattern_name).first() if isinstance(pattern_name, str) else None
    if pattern is None:
        raise InvalidInput(f"本值班室没有班次“{pattern_name}” / The post has no shift named {pattern_name}",
                           details={"field": "pattern"})  # fmt: skip
    datebounds.require_in_range(day, "day")
    leader_user, officer_users = _people(post, leader, list(officers))
    starts, ends = shift_times(pattern, day)
    return pattern, leader_user, officer_users, starts, ends


@transaction.atomic
def assign_shift(
    actor: User, post_id: int, *, pattern: str, day: date, leader: str, officers: Sequence[str]
) -> Shift:
    """Put people (by username) on a pattern's shift of a day: a new shift, or the existing one's
    people replaced."""
    post = DutyPost.objects.select_for_update().get_visible_or_404(actor, pk=post_id)
    if not may_manage(actor, post):
        raise Forbidden()
    return save_shift(actor, post, *prepare_shift(post, pattern, day, leader, officers))


def save_shift(
    actor: User,
    post: DutyPost,
    pattern: ShiftPattern,
    leader: User,
    officers: list[User],
    starts: datetime,
    ends: datetime,
) -> Shift:
    """Write a checked shift (assign_shift, the rota import), inside the caller's transaction."""
    day = starts.date()
    shift = Shift.objects.filter(post=post, pattern=pattern, day=day).first()
    before = shift_state(shift) if shift is not None else None
    if shift is None:
        shift = Shift(post=post, pattern=pattern, day=day, starts_at=starts, ends_at=ends, leader=leader)
    shift.leader, shift.starts_at, shift.ends_at = leader, starts, ends
    shift.save()
    shift.officers.set(officers)
    audit.record(actor, "shift.assigned", shift, before=before, after=shift_state(shift))
    return shift


@transaction.atomic
def remove_shift(actor: User, shift_id: int) -> None:
    """Take a shift that has not begun off the rota."""
    shift = (
        Shift.objects.select_for_update()
        .select_related("post__region")
        .get_visible_or_404(actor, pk=shift_id)
    )
    if not may_manage(actor, shift.post):
        raise Forbidden()
    if shift.starts_at <= timezone.now():
        raise Conflict("已开始的班次不能删除 / A shift that has begun cannot be removed")
    if shift.opened_matters.exists() or hasattr(shift, "handover"):
        raise Conflict("该班次已有交接记录 / The shift has a handover")
    before = shift_state(shift)
    audit.record(actor, "shift.removed", shift, before=before)
    jobs.tasks_done_for("command.shiftswap", shift.swaps.values_list("pk", flat=True))
    shift.swaps.all().delete()
    shift.delete()


def shifts_at(post: DutyPost, at: datetime) -> Any:
    return post.shifts.filter(starts_at__lte=at, ends_at__gt=at)


@jobs.on_duty_resolver
def on_duty_at(region: Region, at: datetime) -> list[int] | None:
    """The people on shift at the region's duty room at `at`: leaders and officers; None without a shift."""
    shifts = list(Shift.objects.filter(post__region=region, starts_at__lte=at, ends_at__gt=at).values_list(
        "pk", "leader_id"
    ))  # fmt: skip
    if not shifts:
        return None
    officers = Shift.officers.through.objects.filter(shift_id__in=[pk for pk, _ in shifts]).values_list(
        "user_id", flat=True
    )
    return sorted({leader for _, leader in shifts} | set(officers))


def on_shift(user: User, shift: Shift) -> bool:
    return shift.leader_id == user.pk or shift.officers.filter(pk=user.pk).exists()


# Swaps ----------------------------------------------------------------------------------------------


def swap_approvers(post: DutyPost) -> list[User]:
    role = roles.CITY_ADMIN if post.region.level != regioncodes.COUNTY else roles.COUNTY_ADMIN
    return list(jobs.users_with_role_at(role, post.region))


def _replacement(shift: Shift, username: Any) -> User:
    """The person who is to take a place on the shift: of the bureau's duty staff, not on it yet."""
    joining = (
        eligible_people(shift.post).filter(username=username).first() if isinstance(username, str) else None
    )
    if joining is None:
        raise InvalidInput("换入人须是本单位的管理员或值班员 / The replacement must be an administrator or "
                           "duty officer of the bureau", details={"field": "incoming"})  # fmt: skip
    if on_shift(joining, shift):
        raise InvalidInput("换入人已在该班次 / The replacement is already on the shift",
                           details={"field": "incoming"})  # fmt: skip
    return joining


@transaction.atomic
def request_swap(
    actor: User, shift_id: int, *, reason: str, incoming: str | None = None, outgoing: str | None = None
) -> ShiftSwap:
    """Ask that `incoming` take `outgoing`'s place (the actor's own, unless an administrator names one);
    without `incoming` the administrator who approves names the replacement."""
    shift = Shift.objects.select_related("post__region").get_visible_or_404(actor, pk=shift_id)
    if not may_view(actor):
        raise Forbidden()
    if outgoing is not None and outgoing != actor.username and not may_manage(actor, shift.post):
        raise Forbidden("只能为自己申请换班 / You may ask only for your own place")
    if shift.ends_at <= timezone.now():
        raise Conflict("该班次已结束 / The shift is over")
    leaving = actor if outgoing is None else User.objects.filter(username=outgoing).first()
    if leaving is None or not on_shift(leaving, shift):
        raise InvalidInput(
            "换出人不在该班次 / That person is not on the shift", details={"field": "outgoing"}
        )
    joining = _replacement(shift, incoming) if incoming is not None else None
    if shift.swaps.filter(status=ShiftSwap.REQUESTED, outgoing=leaving).exists():
        raise Conflict("已有待审批的换班申请 / A swap for this place already waits for approval")
    swap = ShiftSwap.objects.create(
        shift=shift,
        outgoing=leaving,
        incoming=joining,
        reason=_text(reason, "reason", 300),
        requested_by=actor,
    )
    audit.record(actor, "shift_swap.requested", swap, after=audit.snapshot(swap))
    tell_swap_approvers(swap)
    return swap


def tell_swap_approvers(swap: ShiftSwap) -> int:
    """Put the request on the to-do lists of the post's administrators until it is decided."""
    leaving, joining = (
        (user.full_name or user.username) if user is not None else "（待安排）"
        for user in (swap.outgoing, swap.incoming)
    )
    return jobs.notify(
        swap_approvers(swap.shift.post),
        f"换班申请：{swap.shift}",
        body=f"{leaving} → {joining}：{swap.reason}",
        link=reverse("command:swaps"),
        about=swap,
        task=APPROVE_SWAP_TASK,
    )


@jobs.todo_task(APPROVE_SWAP_TASK)
def _swap_waits(swap: ShiftSwap) -> bool:
    return swap.status == ShiftSwap.REQUESTED


@transaction.atomic
def decide_swap(
    actor: User, swap_id: int, *, approve: bool, note: str = "", incoming: str | None = None
) -> ShiftSwap:
    """Approve (the shift then names the replacement: the one asked for, or `incoming`) or refuse a swap."""
    swap = (
        ShiftSwap.objects.select_for_update()
        .select_related("shift__post__region")
        .get_visible_or_404(actor, pk=swap_id)
    )
    shift = swap.shift
    if not may_manage(actor, shift.post):
        raise Forbidden()
    if swap.status != ShiftSwap.REQUESTED:
        raise Conflict("该申请已处理 / The request has been decided")
    note = _text(note, "note", 300, required=False)
    before = audit.snapshot(swap)
    if approve:
        if shift.ends_at <= timezone.now():
            raise Conflict("该班次已结束 / The shift is over")
        if incoming is not None:
            swap.incoming = _replacement(shift, incoming)
        if swap.incoming is None:
            raise InvalidInput("请指定换入人 / Name the replacement", details={"field": "incoming"})
        if on_shift(swap.incoming, shift) or not on_shift(swap.outgoing, shift):
            raise Conflict("班次人员已变化，请重新申请 / The shift changed since the request; ask again")
        shift_before = shift_state(shift)
        if shift.leader_id == swap.outgoing_id:
            shift.leader = swap.incoming
            shift.save(update_fields=["leader"])
        else:
            shift.officers.remove(swap.outgoing)
            shift.officers.add(swap.incoming)
        audit.record(actor, "shift.swapped", shift, before=shift_before, after=shift_state(shift))
    swap.status = ShiftSwap.APPROVED if approve else ShiftSwap.REFUSED
    swap.decided_by, swap.decided_at, swap.decision_note = actor, timezone.now(), note
    swap.save()
    audit.record(actor, f"shift_swap.{swap.status}", swap, before=before, after=audit.snapshot(swap))
    jobs.tasks_done(swap, APPROVE_SWAP_TASK)
    jobs.notify(
        User.objects.filter(pk__in={swap.requested_by_id, swap.outgoing_id, swap.incoming_id} - {None}),
        f"换班申请{swap.get_status_display()}：{shift}",
        body=note,
        link=reverse("command:swaps"),
        about=swap,
    )
    return swap


# Handovers -----------------------------------------------------------------------------------------


@transaction.atomic
def hand_over(
    actor: User,
    shift_id: int,
    *,
    notes: str,
    closed_matter_ids: Iterable[int] = (),
    new_matters: Iterable[str] = (),
    at: datetime | None = None,
) -> Handover:
    """The shift's handover: its notes, the open matters it closed, the new ones it passes on."""
    shift = (
        Shift.objects.select_for_update()
        .select_related("post__region")
        .get_visible_or_404(actor, pk=shift_id)
    )
    if not (may_view(actor) and (on_shift(actor, shift) or may_manage(actor, shift.post))):
        raise Forbidden("只有本班人员可以交班 / Only the people on the shift hand it over")
    now = at or timezone.now()
    if shift.starts_at > now:
        raise Conflict("班次尚未开始 / The shift has not begun")
    if Handover.objects.filter(shift=shift).exists():
        raise Conflict("该班次已交班 / The shift has been handed over")
    notes = _text(notes, "notes", 2000)
    texts = [_text(text, "new_matters", 300) for text in new_matters if (text or "").strip()]
    if len(texts) > 20:
        raise InvalidInput("一次最多交办 20 项 / At most 20 new matters", details={"field": "new_matters"})
    closing = list(dict.fromkeys(closed_matter_ids))
    matters = list(
        DutyMatter.objects.select_for_update().filter(post=shift.post, closed_at__isnull=True, pk__in=closing)
    )
    if len(matters) != len(closing):
        raise InvalidInput("要办结的事项不存在或已办结 / A matter to close is not open at this post",
                           details={"field": "closed_matter_ids"})  # fmt: skip
    handover = Handover.objects.create(shift=shift, notes=notes, written_by=actor, handed_at=now)
    audit.record(actor, "handover.written", handover, after=audit.snapshot(handover))
    for matter in matters:
        before = audit.snapshot(matter)
        matter.closed_in, matter.closed_by, matter.closed_at = shift, actor, now
        matter.save(update_fields=["closed_in", "closed_by", "closed_at"])
        audit.record(actor, "duty_matter.closed", matter, before=before, after=audit.snapshot(matter))
    for text in texts:
        matter = DutyMatter.objects.create(
            post=shift.post, text=text, opened_in=shift, opened_by=actor, opened_at=now
        )
        audit.record(actor, "duty_matter.opened", matter, after=audit.snapshot(matter))
    return handover


# Check-ins ------------------------------------------------------------------------------------------


def checkin_recipients(post: DutyPost) -> list[User]:
    """Who answers a check-in: the county's shift now, else its duty officers, else its administrators."""
    return jobs.on_duty_or_role(post.region, (roles.DUTY_OFFICER, roles.COUNTY_ADMIN))


@transaction.atomic
def send_checkins(
    actor: User, region_codes: Sequence[str], question: str, *, at: datetime | None = None
) -> list[CheckIn]:
    """Check the duty rooms of the counties named (all the actor's counties when none is): each must
    answer within its post's time; the message goes to its shift's inboxes and its duty phone."""
    if not may_send_checkins(actor):
        raise Forbidden("查岗由市级值班室发起 / Check-ins are sent by the city's duty room")
    question = _text(question, "question", 200)
    if len(region_codes) > 50:
        raise InvalidInput("一次最多 50 个县 / At most 50 counties at once", details={"field": "regions"})
    if region_codes:
        counties = [region_in_scope(actor, code) for code in dict.fromkeys(region_codes)]
    else:
        counties = list(Region.objects.filter(level=regioncodes.COUNTY, path__startswith=actor.region.path))
    if any(county.level != regioncodes.COUNTY for county in counties):
        raise InvalidInput("查岗对象须为县级 / Check-ins go to counties", details={"field": "regions"})
    now = at or timezone.now()
    sent = []
    for county in counties:
        post = ensure_post(county)
        checkin = CheckIn.objects.create(
            post=post, question=question, sent_by=actor, sent_at=now,
            due_at=now + timedelta(minutes=post.checkin_minutes),
        )  # fmt: skip
        audit.record(actor, "checkin.sent", checkin, after=audit.snapshot(checkin))
        jobs.schedule(CHECKIN_MISSED, checkin, checkin.due_at)
        tell_checkin(checkin)
        sent.append(checkin)
    return sent


def tell_checkin(checkin: CheckIn) -> None:
    """The check-in on the county shift's to-do lists, and by SMS to the duty phone if it has one."""
    post = checkin.post
    minutes = post.checkin_minutes
    subject = f"查岗：请于 {timezone.localtime(checkin.due_at):%H:%M} 前应答"
    link = reverse("command:checkins") + f"?status={CheckIn.PENDING}"
    jobs.notify(
        checkin_recipients(post),
        subject,
        body=checkin.question,
        link=link,
        about=checkin,
        task=ANSWER_CHECKIN_TASK,
    )
    if post.phone:
        recipient = outbox.Recipient(RECIPIENT_KIND, post.pk, post.phone, post.region_id)
        outbox.queue(
            recipient,
            Delivery.SMS,
            outbox.Text(
                f"【市应急局查岗】{checkin.question} 请在 {minutes} 分钟内登录平台应答。", subject, link
            ),
            about=checkin,
            now=checkin.sent_at,
        )


@jobs.todo_task(ANSWER_CHECKIN_TASK)
def _checkin_waits(checkin: CheckIn) -> bool:
    return checkin.status == CheckIn.PENDING


def may_answer(user: Any, checkin: CheckIn) -> bool:
    """The county's own duty room answers: its administrators and duty officers, not the city."""
    return may_view(user) and user.region_id == checkin.post.region_id


@transaction.atomic
def answer_checkin(actor: User, checkin_id: int, answer: str, *, at: datetime | None = None) -> CheckIn:
    checkin = (
        CheckIn.objects.select_for_update().select_related("post").get_visible_or_404(actor, pk=checkin_id)
    )
    if not may_answer(actor, checkin):
        raise Forbidden("查岗由被查的值班室应答 / The duty room checked answers the check-in")
    if checkin.status != CheckIn.PENDING:
        raise Conflict("该查岗已应答或已超时 / The check-in has been answered or has run out")
    now = at or timezone.now()
    if now > checkin.due_at:
        raise Conflict("已超过应答时限 / The time to answer has run out")
    before = audit.snapshot(checkin)
    checkin.status, checkin.answered_by, checkin.answered_at = CheckIn.ANSWERED, actor, now
    checkin.answer = _text(answer, "answer", 300, required=False) or "在岗"
    checkin.save()
    audit.record(actor, "checkin.answered", checkin, before=before, after=audit.snapshot(checkin))
    jobs.cancel(CHECKIN_MISSED, checkin)
    jobs.tasks_done(checkin, ANSWER_CHECKIN_TASK, at=now)
    return checkin


@jobs.deadline_handler(CHECKIN_MISSED)
def record_missed_checkin(deadline: Any, now: datetime) -> None:
    """A check-in not answered by its time is recorded missed, and the city's sender is told."""
    checkin = CheckIn.objects.select_related("post").filter(pk=int(deadline.object_id)).first()
    if checkin is None or checkin.status != CheckIn.PENDING:
        return
    before = audit.snapshot(checkin)
    checkin.status = CheckIn.MISSED
    checkin.save(update_fields=["status"])
    audit.record(None, "checkin.missed", checkin, before=before, after=audit.snapshot(checkin))
    jobs.tasks_done(checkin, ANSWER_CHECKIN_TASK, at=now)
    jobs.notify(
        User.objects.filter(pk=checkin.sent_by_id, is_active=True),
        f"查岗未应答：{checkin.post.name}",
        body=checkin.question,
        link=reverse("command:checkins") + f"?status={CheckIn.MISSED}",
        about=checkin,
    )


def open_matters(post: DutyPost) -> Any:
    return DutyMatter.objects.filter(post=post, closed_at__isnull=True).select_related(
        "opened_in__pattern", "opened_by"
    )


def rota_month_bounds(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first, last


def visible_posts(user: Any) -> Any:
    return DutyPost.objects.visible_to(user).select_related("region").order_by("region__path")


def told_now(post: DutyPost, at: datetime | None = None) -> list[User]:
    """Whom a notification to the post's duty room goes to at `at`: the shift, else the role."""
    admin = roles.COUNTY_ADMIN if post.region.level == regioncodes.COUNTY else roles.CITY_ADMIN
    return jobs.on_duty_or_role(post.region, (roles.DUTY_OFFICER, admin), at=at)


def now_on_duty(actor: User, region_code: str | None) -> dict[str, Any]:
    """Who is on duty at a bureau now: its shifts on now, and whom a notification goes to."""
    post = post_for(actor, region_code or actor.region_id)
    now = timezone.now()
    shifts = list(
        shifts_at(post, now)
        .select_related("post", "pattern", "leader", "handover")
        .prefetch_related("officers")
    )
    return {"post": post, "at": now, "shifts": shifts, "told": told_now(post, now)}


def swaps_waiting_for(user: Any) -> Any:
    """The swap requests the user may decide."""
    if not (may_view(user) and user.has_role_permission(roles.MANAGE_DUTY)):
        return ShiftSwap.objects.none()
    return ShiftSwap.objects.visible_to(user).filter(status=ShiftSwap.REQUESTED)


def checkins_to_answer(user: Any) -> Any:
    """The pending check-ins of the user's own duty room."""
    if not may_view(user):
        return CheckIn.objects.none()
    return CheckIn.objects.filter(post__region_id=user.region_id, status=CheckIn.PENDING)


def current_shift(post: DutyPost, at: datetime | None = None) -> Shift | None:
    """The post's shift on now (the earliest-started of overlapping ones)."""
    return shifts_at(post, at or timezone.now()).order_by("starts_at", "id").first()


def hand_over_current(actor: User, post_id: int, **handover: Any) -> Handover:
    """`hand_over` for the shift the post has on now."""
    post = DutyPost.objects.get_visible_or_404(actor, pk=post_id)
    shift = current_shift(post, handover.get("at"))
    if shift is None:
        raise Conflict("该值班室当前没有排班 / The post has no shift on now")
    return hand_over(actor, shift.pk, **handover)
