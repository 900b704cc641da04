"""The duty rota (值班值守): each bureau's duty room, its shifts and the people on them, swaps,
handovers with the matters they carry over, and the city's check-ins (查岗) of the counties."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core.models import Organization, Region
from yingji.core.scoping import ScopedQuerySet

DEFAULT_CHECKIN_MINUTES = 30  # a phone or inbox check-in is answered within half an hour


class DutyPost(models.Model):
    """The duty room (值班室) of one bureau, the city's or a county's: its phone and its rules."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="duty_post")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField("值班室", max_length=100)
    phone = models.CharField("值班电话", max_length=32, blank=True)
    # How long the post has to answer a check-in from the city before it counts as missed.
    checkin_minutes = models.PositiveSmallIntegerField(
        "查岗应答时限（分钟）", default=DEFAULT_CHECKIN_MINUTES
    )

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    scope_organization_field = None

    class Meta:
        ordering = ["region_id"]
        verbose_name = "值班室"
        verbose_name_plural = "值班室"

    def __str__(self) -> str:
        return self.name


class ShiftPattern(models.Model):
    """A kind of shift of a post (白班 08:00–20:00, 夜班 20:00–08:00 the next morning, or custom)."""

    post = models.ForeignKey(DutyPost, on_delete=models.CASCADE, related_name="patterns")
    name = models.CharField("班次", max_length=20)
    starts = models.TimeField("开始")
    ends = models.TimeField("结束")  # at or before `starts`: the shift ends the next day
    position = models.PositiveSmallIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "post__region"
    scope_organization_field = None

    class Meta:
        ordering = ["post_id", "position", "starts"]
        verbose_name = "班次"
        verbose_name_plural = "班次"
        constraints = [models.UniqueConstraint(fields=["post", "name"], name="pattern_name_per_post")]

    def __str__(self) -> str:
        return f"{self.name} {self.starts:%H:%M}–{self.ends:%H:%M}"

    @property
    def overnight(self) -> bool:
        return self.ends <= self.starts


class Shift(models.Model):
    """One shift of one day: its leader on duty (带班领导) and duty officers, users of the post's bureau."""

    post = models.ForeignKey(DutyPost, on_delete=models.PROTECT, related_name="shifts")
    pattern = models.ForeignKey(ShiftPattern, on_delete=models.PROTECT, related_name="shifts")
    day = models.DateField("日期")  # the day the shift starts (Beijing)
    starts_at = models.DateTimeField("开始")
    ends_at = models.DateTimeField("结束")
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_shifts", verbose_name="带班领导"
    )
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="duty_shifts", verbose_name="值班员"
    )

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "post__region"
    scope_organization_field = None

    class Meta:
        ordering = ["-starts_at", "post_id"]  # the latest first
        verbose_name = "值班"
        verbose_name_plural = "值班"
        constraints = [
            models.UniqueConstraint(fields=["post", "pattern", "day"], name="one_shift_per_pattern_day")
        ]
        indexes = [models.Index(fields=["post", "starts_at"], name="shift_by_post_start")]

    def __str__(self) -> str:
        return f"{self.post.name} {self.day:%Y-%m-%d} {self.pattern.name}"


class ShiftSwap(models.Model):
    """A request that someone else take one person's place on a shift, approved or refused by an admin."""

    REQUESTED = "requested"  # waits for an administrator of the post
    APPROVED = "approved"  # the shift now names the replacement
    REFUSED = "refused"  # the shift is unchanged
    CANCELLED = "cancelled"  # withdrawn by the requester, or the shift began before a decision
    STATUS_CHOICES = [
        (REQUESTED, _("待审批")),
        (APPROVED, _("已批准")),
        (REFUSED, _("已拒绝")),
        (CANCELLED, _("已撤回")),
    ]

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="swaps")
    outgoing = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="换出人"
    )
    # Who takes the place; empty when the requester leaves it to the administrator, who names one on approval.
    incoming = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="换入人",
    )
    reason = models.CharField("原因", max_length=300)
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default=REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "shift__post__region"
    scope_organization_field = None

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = "换班申请"
        verbose_name_plural = "换班申请"

    def __str__(self) -> str:
        return f"换班 {self.shift_id}: {self.outgoing_id} → {self.incoming_id}"


class Handover(models.Model):
    """The handover (交接班) at the end of a shift: what happened and what the next shift must know."""

    shift = models.OneToOneField(Shift, on_delete=models.CASCADE, related_name="handover")
    notes = models.TextField("交班情况", max_length=2000)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    handed_at = models.DateTimeField("交班时间", default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "shift__post__region"
    scope_organization_field = None

    class Meta:
        ordering = ["-handed_at"]
        verbose_name = "交接班记录"
        verbose_name_plural = "交接班记录"

    def __str__(self) -> str:
        return f"交接班 {self.shift_id}"


class DutyMatter(models.Model):
    """An open matter (待办事项) a shift hands to the next, carried over until a shift closes it."""

    post = models.ForeignKey(DutyPost, on_delete=models.PROTECT, related_name="matters")
    text = models.CharField("事项", max_length=300)
    opened_in = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="opened_matters")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_in = models.ForeignKey(
        Shift, on_delete=models.PROTECT, null=True, blank=True, related_name="closed_matters"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "post__region"
    scope_organization_field = None

    class Meta:
        ordering = ["opened_at", "id"]
        verbose_name = "交办事项"
        verbose_name_plural = "交办事项"

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CheckIn(models.Model):
    """A check-in (查岗) the city sends to a county's duty room, to be answered within its time."""

    PENDING = "pending"  # sent, waiting for the county's answer
    ANSWERED = "answered"  # answered in time
    MISSED = "missed"  # not answered by due_at (recorded by the deadline)
    STATUS_CHOICES = [(PENDING, _("待应答")), (ANSWERED, _("已应答")), (MISSED, _("未应答"))]

    post = models.ForeignKey(DutyPost, on_delete=models.PROTECT, related_name="checkins")
    question = models.CharField("查岗内容", max_length=200)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField("发出时间", default=timezone.now)
    due_at = models.DateTimeField("应答时限")
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default=PENDING)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField("应答时间", null=True, blank=True)
    answer = models.CharField("应答内容", max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "post__region"
    scope_organization_field = None

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = "查岗"
        verbose_name_plural = "查岗"
        indexes = [models.Index(fields=["status", "due_at"], name="checkin_status_due")]

    def __str__(self) -> str:
        return f"查岗 {self.post.name} {timezone.localtime(self.sent_at):%Y-%m-%d %H:%M}"


class Incident(models.Model):
    """An incident (事件): the object the command center works on, from intake (接报) to stand-down.

    It is placed by a map point and the region found for it (down to the township), classed by the
    four categories of the Emergency Response Law and a subtype, and counted by its casualties. An
    enterprise's incident is a production safety accident, graded by 国务院令第493号 (`grade`).
    """

    NATURAL = "natural"
    ACCIDENT = "accident"
    PUBLIC_HEALTH = "public_health"
    SOCIAL_SECURITY = "social_security"
    CATEGORY_CHOICES = [
        (NATURAL, _("自然灾害")),
        (ACCIDENT, _("事故灾难")),
        (PUBLIC_HEALTH, _("公共卫生事件")),
        (SOCIAL_SECURITY, _("社会安全事件")),
    ]

    PHONE = "phone"
    TRANSFER_110 = "transfer_110"
    TRANSFER_119 = "transfer_119"
    TRANSFER_120 = "transfer_120"
    SUPERIOR = "superior"
    ALARM = "alarm"
    DISASTER_REPORT = "disaster_report"
    PUBLIC_REPORT = "public_report"
    SOURCE_CHOICES = [
        (PHONE, _("电话报告")),
        (TRANSFER_110, _("110转警")),
        (TRANSFER_119, _("119转警")),
        (TRANSFER_120, _("120转警")),
        (SUPERIOR, _("上级通报")),
        (ALARM, _("监测报警")),
        (DISASTER_REPORT, _("灾情报送")),
        (PUBLIC_REPORT, _("群众报告")),
    ]

    REPORTED = "reported"  # taken in, being verified
    RESPONDING = "responding"  # a response is launched
    CLOSED = "closed"  # stood down, with its summary
    MERGED = "merged"  # a duplicate intake, merged into another incident
    STATUS_CHOICES = [
        (REPORTED, _("已接报")),
        (RESPONDING, _("处置中")),
        (CLOSED, _("已结束")),
        (MERGED, _("已合并")),
    ]

    number = models.CharField("事件编号", max_length=32, unique=True)
    title = models.CharField("事件名称", max_length=100)
    category = models.CharField("事件类别", max_length=16, choices=CATEGORY_CHOICES, db_index=True)
    subtype = models.CharField("事件类型", max_length=32)
    source = models.CharField("信息来源", max_length=16, choices=SOURCE_CHOICES)
    status = models.CharField("状态", max_length=12, choices=STATUS_CHOICES, default=REPORTED, db_index=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="incidents")
    longitude = models.FloatField("经度")
    latitude = models.FloatField("纬度")
    address = models.CharField("地点", max_length=200, blank=True)
    # The enterprise's organization, for an accident of an enterprise (its users see the incident).
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="incidents"
    )
    occurred_at = models.DateTimeField("发生时间")
    known_at = models.DateTimeField("获知时间")
    deaths = models.PositiveIntegerField("死亡", default=0)
    missing = models.PositiveIntegerField("失踪", default=0)
    serious_injuries = models.PositiveIntegerField("重伤", default=0)
    trapped = models.PositiveIntegerField("被困", default=0)
    direct_loss_cny = models.DecimalField("直接经济损失（元）", max_digits=16, decimal_places=2, default=0)
    description = models.TextField("事件描述", max_length=4000, blank=True)
    # The accident grade by 国务院令第493号 (一般/较大/重大/特别重大); blank for other incidents.
    grade = models.CharField("事故等级", max_length=8, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_intakes"
    )
    # The city took over command from the county (越级指挥); who and when are in the log.
    commanded_by_city = models.BooleanField("市级指挥", default=False)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    summary = models.TextField("处置总结", max_length=4000, blank=True)
    # The platform record the intake came from (a red alarm: "monitoring.alarm:12"), blank for a call.
    source_ref = models.CharField("来源记录", max_length=64, blank=True, db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    scope_organization_field = "organization"
    # Department staff see the accidents of their sector's enterprises, and every incident of no enterprise.
    scope_sector_fields = {"industry": "organization__enterprise__industry"}
    scope_sector_unbound = {"organization__isnull": True}

    class Meta:
        ordering = ["-known_at", "-id"]
        verbose_name = "事件"
        verbose_name_plural = "事件"
        indexes = [models.Index(fields=["status", "known_at"], name="incident_status_known")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.REPORTED, self.RESPONDING)


class IncidentLogEntry(models.Model):
    """One line of an incident's timeline (事件日志): append-only, attributed and time-stamped.

    Every domain that acts on an incident (reports, dispatches, status changes, notes, attachments)
    writes here through `command.incidents.log_event`; nothing updates or deletes an entry.
    """

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="log")
    at = models.DateTimeField("时间", default=timezone.now)
    kind = models.CharField("类型", max_length=24)
    text = models.CharField("内容", max_length=1000)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The record the entry is about (a dispatch order, a report, an attachment), as "app.model:id".
    subject = models.CharField(max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "incident__region"
    scope_organization_field = "incident__organization"
    scope_sector_fields = {"industry": "incident__organization__enterprise__industry"}
    scope_sector_unbound = {"incident__organization__isnull": True}

    class Meta:
        ordering = ["incident_id", "at", "id"]
        verbose_name = "事件日志"
        verbose_name_plural = "事件日志"

    def __str__(self) -> str:
        return self.text[:60]


class AccidentReport(models.Model):
    """A report of an accident up the chain (国务院令第493号 Art.9–12): to the county, the city, the
    province or the State Council's department, with the Art.12 contents.

    When an accident is graded, one initial report (首报) is due at each level its grade reaches, at the
    time its reporting clock gives; the row waits as `due` until someone files it. Filed after its time,
    or not filed by then, it is 迟报 (`late`). A report found later to have hidden or falsified facts is
    flagged 瞒报 or 谎报 by the city. Follow-up reports (续报) of changed casualties have no clock.
    """

    COUNTY, CITY, PROVINCE, NATIONAL = "county", "city", "province", "national"
    LEVEL_CHOICES = [
        (COUNTY, _("县级应急管理部门")),
        (CITY, _("市级应急管理部门")),
        (PROVINCE, _("省级应急管理部门")),
        (NATIONAL, _("国务院应急管理部门")),
    ]
    LEVELS = (COUNTY, CITY, PROVINCE, NATIONAL)
    INITIAL, UPDATE = "initial", "update"
    KIND_CHOICES = [(INITIAL, _("首报")), (UPDATE, _("续报"))]
    DUE, FILED, NOT_REQUIRED = "due", "filed", "not_required"
    STATUS_CHOICES = [(DUE, _("待报送")), (FILED, _("已报送")), (NOT_REQUIRED, _("无需报送"))]
    CONCEALED, FALSIFIED = "concealed", "falsified"
    FLAG_CHOICES = [(CONCEALED, _("瞒报")), (FALSIFIED, _("谎报"))]

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="reports")
    level = models.CharField("报告对象层级", max_length=10, choices=LEVEL_CHOICES)
    kind = models.CharField("类型", max_length=8, choices=KIND_CHOICES, default=INITIAL)
    status = models.CharField("状态", max_length=12, choices=STATUS_CHOICES, default=DUE)
    due_at = models.DateTimeField("报告时限", null=True, blank=True)
    late = models.BooleanField("迟报", default=False)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filed_at = models.DateTimeField("报告时间", null=True, blank=True)
    reporting_unit = models.CharField("报告单位", max_length=100, blank=True)
    to_whom = models.CharField("接收单位", max_length=100, blank=True)
    # Art.12: the unit, the time and place, the course, the casualties, the loss, the measures taken.
    unit_summary = models.CharField("事故发生单位概况", max_length=1000, blank=True)
    occurred_at = models.DateTimeField("事故发生时间", null=True, blank=True)
    place = models.CharField("事故发生地点", max_length=200, blank=True)
    course = models.TextField("事故简要经过", max_length=2000, blank=True)
    deaths = models.PositiveIntegerField("死亡", default=0)
    missing = models.PositiveIntegerField("失踪", default=0)
    serious_injuries = models.PositiveIntegerField("重伤", default=0)
    direct_loss_cny = models.DecimalField(
        "初步估计直接经济损失（元）", max_digits=16, decimal_places=2, default=0
    )
    measures = models.TextField("已经采取的措施", max_length=2000, blank=True)
    flag = models.CharField("认定", max_length=10, choices=FLAG_CHOICES, blank=True)
    flag_reason = models.CharField("认定理由", max_length=500, blank=True)
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    flagged_at = models.DateTimeField("认定时间", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "incident__region"
    scope_organization_field = "incident__organization"
    scope_sector_fields = {"industry": "incident__organization__enterprise__industry"}
    scope_sector_unbound = {"incident__organization__isnull": True}

    class Meta:
        ordering = ["incident_id", "due_at", "filed_at", "id"]
        verbose_name = "事故报告"
        verbose_name_plural = "事故报告"
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "level"],
                condition=models.Q(kind="initial"),
                name="one_initial_report_per_level",
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident.number} {self.get_level_display()}{self.get_kind_display()}"
