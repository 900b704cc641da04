"""The response to an incident (应急响应) and everything it runs: the headquarters and its groups, the
tasks, the situation reports, the dispatch orders that send teams, and the material requests raised
for it. Reference tables (group kinds, measure checklists, incident profiles) are data the city edits.

Every record is scoped through its incident: whoever sees the incident sees its response.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.command.models import Incident
from yingji.core.models import Organization
from yingji.core.scoping import ScopedQuerySet
from yingji.resources.models import Team
from yingji.response import rules

LEVEL_CHOICES = [(level, label) for level, label in rules.LEVELS.items()]
ORDER_STATUS_CHOICES = [(code, _(label)) for code, label in rules.ORDER_STATUSES.items()]


class GroupKind(models.Model):
    """A working group a headquarters may set up (综合协调组, 抢险救援组…): a table the city keeps."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=40)
    duties = models.CharField("职责", max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "工作组类别"
        verbose_name_plural = "工作组类别"

    def __str__(self) -> str:
        return self.name


class IncidentProfile(models.Model):
    """What an incident of a category and subtype (blank: any of the category) needs from the nearest help."""

    category = models.CharField("事件类别", max_length=16, choices=Incident.CATEGORY_CHOICES)
    subtype = models.CharField("事件类型", max_length=32, blank=True)
    team_kinds = models.JSONField("所需队伍类别", default=list)
    equipment_kinds = models.JSONField("所需装备类别", default=list, blank=True)
    chemical = models.BooleanField("危化品周边研判", default=False)
    aviation = models.BooleanField("航空支援", default=False)

    class Meta:
        ordering = ["category", "subtype", "id"]
        verbose_name = "事件处置需求"
        verbose_name_plural = "事件处置需求"
        # One row per (category, subtype) is what the city keeps; should two match, the first (by id) applies.

    def __str__(self) -> str:
        return f"{self.category}/{self.subtype or '*'}"

    def as_rule(self) -> rules.Profile:
        return rules.Profile(
            self.category,
            self.subtype,
            tuple(self.team_kinds),
            tuple(self.equipment_kinds),
            self.chemical,
            self.aviation,
        )


class MeasureItem(models.Model):
    """One measure of a category's checklist (subtype blank: any); a launched response makes it a task."""

    category = models.CharField("事件类别", max_length=16, choices=Incident.CATEGORY_CHOICES)
    subtype = models.CharField("事件类型", max_length=32, blank=True)
    text = models.CharField("措施", max_length=200)
    group_kind = models.ForeignKey(
        GroupKind,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="牵头工作组",
    )
    hours = models.PositiveSmallIntegerField(
        "完成时限（小时）",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(rules.MAX_TASK_HOURS)],
    )
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["category", "position", "id"]
        verbose_name = "处置措施清单"
        verbose_name_plural = "处置措施清单"

    def __str__(self) -> str:
        return self.text


class Response(models.Model):
    """The response launched for an incident: its level, matters, measures, expected duration, and its
    commander and situation-report schedule; ended by a stand-down with its summary."""

    ACTIVE, ENDED = "active", "ended"
    STATUS_CHOICES = [(ACTIVE, _("响应中")), (ENDED, _("已结束"))]

    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="response")
    level = models.PositiveSmallIntegerField("响应级别", choices=LEVEL_CHOICES)
    matters = models.TextField("响应事项", max_length=2000, blank=True)
    measures = models.TextField("响应措施", max_length=2000, blank=True)
    expected_hours = models.PositiveSmallIntegerField(
        "预计持续（小时）", null=True, blank=True, validators=[MaxValueValidator(rules.MAX_EXPECTED_HOURS)]
    )
    status = models.CharField("状态", max_length=8, choices=STATUS_CHOICES, default=ACTIVE, db_index=True)
    launched_at = models.DateTimeField("启动时间", default=timezone.now)
    launched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    commander = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    commander_name = models.CharField("总指挥", max_length=64, blank=True)
    commander_phone = models.CharField("总指挥电话", max_length=32, blank=True)
    sitrep_every_hours = models.PositiveSmallIntegerField(
        "情况报告间隔（小时）",
        null=True,
        blank=True,
        validators=[MinValueValidator(rules.MIN_SITREP_HOURS), MaxValueValidator(rules.MAX_SITREP_HOURS)],
    )
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    summary = models.TextField("总结", max_length=4000, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "incident__region"
    scope_organization_field = "incident__organization"

    class Meta:
        ordering = ["-launched_at", "-id"]
        verbose_name = "应急响应"
        verbose_name_plural = "应急响应"

    def __str__(self) -> str:
        return f"{self.incident.number} {rules.LEVELS.get(self.level, '')}响应"

    @property
    def level_label(self) -> str:
        return rules.LEVELS.get(self.level, str(self.level))

    @property
    def is_active(self) -> bool:
        return self.status == self.ACTIVE


class LevelChange(models.Model):
    """A change of a response's level (调整响应级别): from, to, why, by whom."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="level_changes")
    from_level = models.PositiveSmallIntegerField(choices=LEVEL_CHOICES, null=True, blank=True)
    to_level = models.PositiveSmallIntegerField(choices=LEVEL_CHOICES)
    reason = models.CharField("理由", max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "response__incident__region"
    scope_organization_field = "response__incident__organization"

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "响应级别调整"
        verbose_name_plural = "响应级别调整"

    def __str__(self) -> str:
        return f"{self.from_level} → {self.to_level}"


class HeadquartersGroup(models.Model):
    """A working group of a response's headquarters (指挥部工作组)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="groups")
    kind = models.ForeignKey(GroupKind, on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "response__incident__region"
    scope_organization_field = "response__incident__organization"

    class Meta:
        ordering = ["kind__position", "id"]
        verbose_name = "指挥部工作组"
        verbose_name_plural = "指挥部工作组"
        constraints = [models.UniqueConstraint(fields=["response", "kind"], name="one_group_per_kind")]

    def __str__(self) -> str:
        return self.kind.name


class HeadquartersMember(models.Model):
    """A person of a group: a platform user or a named person with a phone; one leads the group."""

    group = models.ForeignKey(HeadquartersGroup, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField("姓名", max_length=64)
    phone = models.CharField("电话", max_length=32, blank=True)
    post = models.CharField("单位职务", max_length=64, blank=True)
    is_leader = models.BooleanField("组长", default=False)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "group__response__incident__region"
    scope_organization_field = "group__response__incident__organization"

    class Meta:
        ordering = ["group_id", "-is_leader", "id"]
        verbose_name = "指挥部成员"
        verbose_name_plural = "指挥部成员"

    def __str__(self) -> str:
        return self.name


class Task(models.Model):
    """A task (任务) for a group or an organization, with a deadline and the feedback on it."""

    OPEN, DONE, CLOSED = "open", "done", "closed"
    STATUS_CHOICES = [(OPEN, _("办理中")), (DONE, _("已完成")), (CLOSED, _("已关闭"))]

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField("任务", max_length=200)
    detail = models.CharField("要求", max_length=1000, blank=True)
    group = models.ForeignKey(
        HeadquartersGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField("完成时限")
    status = models.CharField("状态", max_length=8, choices=STATUS_CHOICES, default=OPEN, db_index=True)
    overdue = models.BooleanField("已超时", default=False)
    feedback = models.CharField("反馈", max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "response__incident__region"
    scope_organization_field = "response__incident__organization"

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = "任务"
        verbose_name_plural = "任务"

    def __str__(self) -> str:
        return self.title[:60]


class SituationReport(models.Model):
    """A situation report (情况报告) due on the commander's schedule, and what it said once filed."""

    DUE, FILED, CANCELLED = "due", "filed", "cancelled"
    STATUS_CHOICES = [(DUE, _("待报送")), (FILED, _("已报送")), (CANCELLED, _("已取消"))]

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="sitreps")
    sequence = models.PositiveSmallIntegerField("期数")
    due_at = models.DateTimeField("应报时间")
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default=DUE, db_index=True)
    late = models.BooleanField("迟报", default=False)
    filed_at = models.DateTimeField("报送时间", null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deaths = models.PositiveIntegerField("死亡", default=0)
    missing = models.PositiveIntegerField("失踪", default=0)
    injured = models.PositiveIntegerField("受伤", default=0)
    trapped = models.PositiveIntegerField("被困", default=0)
    evacuated = models.PositiveIntegerField("转移安置", default=0)
    progress = models.TextField("处置进展", max_length=2000, blank=True)
    needs = models.TextField("需求", max_length=1000, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "response__incident__region"
    scope_organization_field = "response__incident__organization"

    class Meta:
        ordering = ["response_id", "sequence"]
        verbose_name = "情况报告"
        verbose_name_plural = "情况报告"
        constraints = [models.UniqueConstraint(fields=["response", "sequence"], name="one_sitrep_per_number")]

    def __str__(self) -> str:
        return f"第 {self.sequence} 期情况报告"


class DispatchOrder(models.Model):
    """A dispatch order (调派令) sending a team to an incident; its steps drive the team's readiness.

    The team leader acknowledges it by the link in the SMS (a signed token, stored only as a digest,
    valid until `token_expires_at` and used once) or through the API.
    """

    LINK, API = "link", "api"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="dispatch_orders")
    number = models.CharField("调派令编号", max_length=32, unique=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="dispatch_orders")
    task = models.CharField("任务", max_length=300)
    status = models.CharField("状态", max_length=10, choices=ORDER_STATUS_CHOICES, default=rules.ISSUED)
    minutes = models.FloatField("预计用时（分钟）", null=True, blank=True)
    km = models.FloatField("道路里程（公里）", null=True, blank=True)
    eta = models.DateTimeField("预计到达", null=True, blank=True)
    issued_at = models.DateTimeField("下达时间", default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField("接收时间", null=True, blank=True)
    received_via = models.CharField("接收方式", max_length=8, blank=True)
    departed_at = models.DateTimeField("出发时间", null=True, blank=True)
    arrived_at = models.DateTimeField("到场时间", null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    recalled_at = models.DateTimeField("撤回时间", null=True, blank=True)
    escalated_at = models.DateTimeField("催办时间", null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    token_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "incident__region"
    scope_organization_field = "incident__organization"
    audit_exclude = ("token_digest",)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = "调派令"
        verbose_name_plural = "调派令"
        indexes = [models.Index(fields=["incident", "status"], name="order_incident_status")]

    def __str__(self) -> str:
        return f"{self.number} {self.team.name}"

    @property
    def status_label(self) -> str:
        return str(self.get_status_display())

    @property
    def is_open(self) -> bool:
        return self.status in rules.OPEN_ORDER_STATUSES

    @property
    def next_steps(self) -> list[tuple[str, str]]:
        """The steps the order may take now, in their order, with their labels."""
        allowed = rules.ORDER_NEXT.get(self.status, frozenset())
        return [(code, label) for code, label in rules.ORDER_STATUSES.items() if code in allowed]


class IncidentMaterialRequest(models.Model):
    """A material request raised for an incident: the link between the incident and materials' request."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="material_requests")
    request = models.OneToOneField(
        "materials.MaterialRequest", on_delete=models.PROTECT, related_name="incident_link"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "incident__region"
    scope_organization_field = "incident__organization"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "事件物资申请"
        verbose_name_plural = "事件物资申请"

    def __str__(self) -> str:
        return f"{self.incident_id} → {self.request_id}"
