"""Demo duty rota (order 90–92): a duty room for every bureau with a rota for the month around the demo
date, handovers of the past days with the matters they carry over, swap requests, and the city's
check-ins (answered, one missed, one pending now in 定襄县)."""

from __future__ import annotations

from datetime import datetime, timedelta

from yingji.command import services
from yingji.command.models import CheckIn, DutyMatter, DutyPost, Handover, Shift, ShiftSwap
from yingji.core import audit, jobs, regioncodes, roles
from yingji.core.demo import (
    CITY_CODE,
    DEMO_ACTOR,
    DemoContext,
    demo_clock,
    ensure_user,
    register_demo_step,
    tell_once,
)
from yingji.core.models import Region, User

DAYS_BEFORE, DAYS_AFTER = 14, 16  # the rota runs from two weeks before the demo date to two weeks after
HANDOVER_DAYS = 4  # handovers are written for the shifts of the last four days
PENDING_COUNTY = "140921"  # 定襄县: the check-in that waits for an answer now
MISSED_COUNTY = "140932"  # 偏关县: the check-in nobody answered

HANDOVER_NOTES = (
    "本班接报信息 {n} 条，均已按程序处置；全市各类监测设备运行正常。",
    "夜间气温骤降，已提醒各乡镇做好道路结冰防范；接市防办通知 1 份，已传达带班领导。",
    "接群众来电反映某村取暖用煤气味较重，已通知乡镇和燃气公司核查，无人员伤亡。",
    "本班平稳，无突发事件。抽查 {n} 家重点企业视频监控，均在线。",
    "接气象台大风蓝色预警，已转发各乡镇和森林防火责任单位，逐一电话确认收到。",
    "对接县消防救援大队，确认冬季值守力量到位；检查应急物资库 1 处，物资完好。",
)
OPEN_MATTERS = (
    "跟踪煤矿瓦斯报警处置进展，次日 9 时前向市局报送书面情况",
    "督促各乡镇上报降雪后道路通行情况",
    "落实市局关于冬季森林防火值守的通知，收集各乡镇值守名单",
    "核实群众反映的燃气异味问题的处理结果",
)
SWAP_REASONS = ("参加市局业务培训", "家中老人就医", "外出执行检查任务", "身体不适需休息")
CHECKIN_QUESTIONS = (
    "请值班人员报告在岗情况。",
    "请报告当前值班人员及带班领导姓名。",
    "请报告本县夜间道路结冰巡查情况。",
)
ANSWERS = ("在岗，一切正常", "带班领导及值班员均在岗", "已在岗，全县平稳", "在岗，正在处置群众来电")


def _bureaus() -> list[Region]:
    city = Region.objects.get(code=CITY_CODE)
    return [city, *Region.objects.filter(parent=city, level=regioncodes.COUNTY).order_by("code")]


def _staff(context: DemoContext, region: Region) -> tuple[User, list[User]]:
    """The bureau's administrator and four duty officers (three more than the other steps make)."""
    bureau = services.bureau_of(region)
    admin_role = roles.CITY_ADMIN if region.level == regioncodes.CITY else roles.COUNTY_ADMIN
    admin = (
        User.objects.filter(region=region, role=admin_role, username__startswith="demo-")
        .order_by("pk")
        .first()
    )
    first = "demo-duty" if region.level == regioncodes.CITY else f"demo-duty-{region.code}"
    officers = [
        User.objects.filter(username=first).first()
        or ensure_user(context, first, roles.DUTY_OFFICER, region, bureau)
    ]
    officers += [
        ensure_user(context, f"demo-duty-{region.code}-{number}", roles.DUTY_OFFICER, region, bureau)
        for number in (2, 3, 4)
    ]
    assert admin is not None, f"the demo has no administrator at {region.code}"
    return admin, officers


@register_demo_step(90, "值班排班")
def build_rota(context: DemoContext) -> None:
    """A rota for every bureau: the leader on duty (带班领导) for the day, duty officers for each shift."""
    clock = demo_clock()
    first = clock.today - timedelta(days=DAYS_BEFORE)
    changes: list[audit.Change] = []
    for region in _bureaus():
        post = services.ensure_post(region)
        if not post.phone:
            post.phone = f"0350-{int(region.code[-2:]) + 3330:04d}{context.rng.randrange(100, 999)}"
            post.save(update_fields=["phone"])
        admin, officers = _staff(context, region)
        if post.shifts.exists():
            continue
        patterns = list(post.patterns.order_by("position"))
        shifts, crews = [], []
        for offset in range(DAYS_BEFORE + DAYS_AFTER + 1):
            day = first + timedelta(days=offset)
            # The leader on duty holds the whole day; the senior officer leads on alternate days.
            leader = admin if offset % 2 == 0 else officers[3]
            # One officer a shift, turn about: day shift, the next night, then a day off.
            pool = officers[:3]
            crew = [[pool[offset % 3]], [pool[(offset + 2) % 3]]]
            for pattern, people in zip(patterns, crew, strict=False):
                starts, ends = services.shift_times(pattern, day)
                shifts.append(
                    Shift(post=post, pattern=pattern, day=day, starts_at=starts, ends_at=ends, leader=leader)
                )
                crews.append(people)
        Shift.objects.bulk_create(shifts)
        if shifts[0].pk is None:  # SQLite before 3.35 gives no ids back from a bulk insert
            saved = {(s.pattern_id, s.day): s.pk for s in post.shifts.all()}
            for shift in shifts:
                shift.pk = saved[(shift.pattern_id, shift.day)]
        Shift.officers.through.objects.bulk_create(
            Shift.officers.through(shift_id=shift.pk, user_id=user.pk)
            for shift, people in zip(shifts, crews, strict=True)
            for user in people
        )
        changes += [
            audit.Change(
                "shift.assigned",
                shift,
                after={**audit.snapshot(shift), "officer_ids": sorted(user.pk for user in people)},
                region=region,
            )
            for shift, people in zip(shifts, crews, strict=True)
        ]
    audit.record_many(DEMO_ACTOR, changes)


@register_demo_step(91, "交接班与换班")
def build_handovers_and_swaps(context: DemoContext) -> None:
    """Handovers of the last days' shifts, the matters they pass on, and swap requests waiting."""
    now = demo_clock().now
    if Handover.objects.exists():
        return
    handovers: list[Handover] = []
    matters: list[DutyMatter] = []
    posts = list(DutyPost.objects.select_related("region").order_by("region_id"))
    for post in posts:
        shifts = list(
            post.shifts.filter(ends_at__lte=now, starts_at__gte=now - timedelta(days=HANDOVER_DAYS))
            .select_related("pattern", "leader")
            .prefetch_related("officers")
            .order_by("starts_at")
        )
        opened: list[DutyMatter] = []
        for index, shift in enumerate(shifts):
            shift.post = post
            officers = list(shift.officers.all())
            writer = officers[0] if officers else shift.leader
            handed_at = shift.ends_at - timedelta(minutes=context.rng.randrange(5, 20))
            note = context.rng.choice(HANDOVER_NOTES).format(n=context.rng.randrange(2, 9))
            handovers.append(Handover(shift=shift, notes=note, written_by=writer, handed_at=handed_at))
            if opened and index % 3 == 2:  # a later shift closes the oldest matter
                matter = opened.pop(0)
                matter.closed_in, matter.closed_by, matter.closed_at = shift, writer, handed_at
            if index % 3 == 0:
                matter = DutyMatter(
                    post=post,
                    text=OPEN_MATTERS[(index // 3 + int(post.region_id[-2:])) % len(OPEN_MATTERS)],
                    opened_in=shift,
                    opened_by=writer,
                    opened_at=handed_at,
                )
                opened.append(matter)
                matters.append(matter)
    Handover.objects.bulk_create(handovers)
    DutyMatter.objects.bulk_create(matters)
    changes = [
        audit.Change("handover.written", h, after=audit.snapshot(h), region=h.shift.post.region)
        for h in handovers
    ]
    for matter in matters:
        after = audit.snapshot(matter)
        opened_state = {**after, "closed_in_id": None, "closed_by_id": None, "closed_at": None}
        changes.append(
            audit.Change("duty_matter.opened", matter, after=opened_state, region=matter.post.region)
        )
        if matter.closed_at is not None:
            changes.append(
                audit.Change(
                    "duty_matter.closed", matter, before=opened_state, after=after, region=matter.post.region
                )
            )
    audit.record_many(DEMO_ACTOR, changes)
    for post in posts:
        _swaps(context, post, now)


def _swaps(context: DemoContext, post: DutyPost, now: datetime) -> None:
    """One swap approved last week and one waiting for the administrator, in every bureau."""
    past = post.shifts.filter(ends_at__lte=now - timedelta(days=5)).order_by("-starts_at").first()
    coming = (
        post.shifts.filter(starts_at__gte=now + timedelta(days=2))
        .select_related("leader", "pattern")
        .prefetch_related("officers")
        .order_by("starts_at")
        .first()
    )
    people = list(services.eligible_people(post).filter(role=roles.DUTY_OFFICER))
    approver = services.swap_approvers(post)[0]
    for shift, status in ((past, ShiftSwap.APPROVED), (coming, ShiftSwap.REQUESTED)):
        if shift is None:
            continue
        on = {shift.leader_id, *shift.officers.values_list("pk", flat=True)}
        outgoing = shift.officers.order_by("pk").first()
        incoming = next((user for user in people if user.pk not in on), None)
        if outgoing is None or incoming is None:
            continue
        requested_at = min(shift.starts_at - timedelta(days=2), now - timedelta(hours=3))
        swap = ShiftSwap.objects.create(
            shift=shift, outgoing=outgoing, incoming=incoming, reason=context.rng.choice(SWAP_REASONS),
            requested_by=outgoing, requested_at=requested_at,
        )  # fmt: skip
        if status == ShiftSwap.APPROVED:
            shift.officers.remove(outgoing)
            shift.officers.add(incoming)
            swap.status, swap.decided_by, swap.decided_at = (
                status,
                approver,
                requested_at + timedelta(hours=2),
            )
            swap.decision_note = "同意"
            swap.save()
        audit.record(DEMO_ACTOR, f"shift_swap.{swap.status}", swap, after=audit.snapshot(swap))
        if status == ShiftSwap.REQUESTED:
            tell_once(
                swap,
                services.APPROVE_SWAP_TASK,
                requested_at,
                lambda swap=swap: services.tell_swap_approvers(swap),
            )


@register_demo_step(92, "查岗")
def build_checkins(context: DemoContext) -> None:
    """The city's check-ins of the last ten days: answered within minutes, one missed, one pending now."""
    now = demo_clock().now
    if CheckIn.objects.exists():
        return
    city = Region.objects.get(code=CITY_CODE)
    senders = [
        user
        for user in User.objects.filter(
            region=city, role__in=(roles.CITY_ADMIN, roles.DUTY_OFFICER)
        ).order_by("pk")
        if user.username.startswith("demo-")
    ]
    posts = {post.region_id: post for post in DutyPost.objects.exclude(region=city).select_related("region")}
    codes = sorted(posts)
    changes: list[audit.Change] = []
    missed_day = 3
    for days_ago in range(10, 0, -1):
        for _ in range(2):
            sent_at = now - timedelta(
                days=days_ago, hours=context.rng.randrange(0, 20), minutes=context.rng.randrange(60)
            )
            sender = context.rng.choice(senders)
            question = context.rng.choice(CHECKIN_QUESTIONS)
            for code in context.rng.sample(codes, 4):
                post = posts[code]
                checkin = CheckIn(
                    post=post, question=question, sent_by=sender, sent_at=sent_at,
                    due_at=sent_at + timedelta(minutes=post.checkin_minutes),
                )  # fmt: skip
                on_duty = jobs.on_duty_ids(post.region, sent_at) or []
                if not on_duty:
                    checkin.status = CheckIn.MISSED
                else:
                    checkin.status = CheckIn.ANSWERED
                    checkin.answered_by_id = context.rng.choice(on_duty)
                    checkin.answered_at = sent_at + timedelta(
                        minutes=context.rng.randrange(1, 9), seconds=context.rng.randrange(60)
                    )
                    checkin.answer = context.rng.choice(ANSWERS)
                checkin.save()
                changes.append(
                    audit.Change(
                        f"checkin.{checkin.status}",
                        checkin,
                        after=audit.snapshot(checkin),
                        region=post.region,
                    )
                )
        if days_ago == missed_day:
            post = posts[MISSED_COUNTY]
            sent_at = now - timedelta(days=days_ago, hours=2)
            checkin = CheckIn.objects.create(
                post=post, question=CHECKIN_QUESTIONS[0], sent_by=senders[0], sent_at=sent_at,
                due_at=sent_at + timedelta(minutes=post.checkin_minutes), status=CheckIn.MISSED,
            )  # fmt: skip
            changes.append(
                audit.Change("checkin.missed", checkin, after=audit.snapshot(checkin), region=post.region)
            )
    audit.record_many(DEMO_ACTOR, changes)
    # The one that waits now: sent two minutes ago, its deadline and to-dos as the service writes them.
    post = posts[PENDING_COUNTY]
    sent_at = now - timedelta(minutes=2)
    checkin = CheckIn.objects.create(
        post=post, question=CHECKIN_QUESTIONS[0], sent_by=senders[-1], sent_at=sent_at,
        due_at=sent_at + timedelta(minutes=post.checkin_minutes),
    )  # fmt: skip
    audit.record(DEMO_ACTOR, "checkin.sent", checkin, after=audit.snapshot(checkin))
    jobs.schedule(services.CHECKIN_MISSED, checkin, checkin.due_at)
    tell_once(checkin, services.ANSWER_CHECKIN_TASK, sent_at, lambda: services.tell_checkin(checkin) or 1)
