"""Hidden hazards (事故隐患) of enterprises, their rectification plans, timelines, attachments, extensions."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from yingji.core.models import User
from yingji.core.scoping import ScopedQuerySet
from yingji.enterprises.models import Enterprise, EnterpriseRecord
from yingji.hazards import lifecycle

SELF_CHECK = "self_check"  # 企业自查
INSPECTION = "inspection"  # 监管检查 (执法检查、专项检查)
PUBLIC_REPORT = "report"  # 群众举报
SOURCE_CHOICES = [(SELF_CHECK, "自查"), (INSPECTION, "检查"), (PUBLIC_REPORT, "举报")]

GENERAL = "general"  # 一般事故隐患: small harm, easy to fix at once
MAJOR = "major"  # 重大事故隐患: needs suspension and a rectification period, or outside help
GRADE_CHOICES = [(GENERAL, "一般隐患"), (MAJOR, "重大隐患")]

STATUS_CHOICES = [(state, lifecycle.STATE_LABELS[state]) for state in lifecycle.STATES]
LEVEL_CHOICES = [(lifecycle.COUNTY, "县级"), (lifecycle.CITY, "市级")]


class Hazard(EnterpriseRecord):
    """A hidden hazard found in an enterprise, from report to 销号, under county or city supervision."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="hazards")
    title = models.CharField("隐患名称", max_length=200)
    description = models.TextField("隐患描述", blank=True)
    location = models.CharField("隐患部位", max_length=200, blank=True)
    source = models.CharField("发现方式", max_length=16, choices=SOURCE_CHOICES, default=SELF_CHECK)
    grade = models.CharField("隐患等级", max_length=8, choices=GRADE_CHOICES, default=GENERAL)
    # The national judgment standard's item a major hazard of a coal mine or chemical enterprise meets.
    criterion_code = models.CharField("判定依据", max_length=16, blank=True)
    status = models.CharField("状态", max_length=24, choices=STATUS_CHOICES, default=lifecycle.REPORTED)
    found_on = models.DateField("发现日期")
    reported_at = models.DateTimeField("上报时间", default=timezone.now)
    reported_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    rectification_deadline = models.DateField("整改期限", null=True, blank=True)
    is_overdue = models.BooleanField("已逾期", default=False, db_index=True)
    overdue_at = models.DateTimeField("逾期时间", null=True, blank=True)
    supervising_level = models.CharField(
        "督办层级", max_length=8, choices=LEVEL_CHOICES, default=lifecycle.COUNTY
    )
    listed_at = models.DateTimeField("挂牌时间", null=True, blank=True)
    listed_by_level = models.CharField("挂牌层级", max_length=8, choices=LEVEL_CHOICES, blank=True)
    listed_deadline = models.DateField("督办期限", null=True, blank=True)
    listed_document_number = models.CharField("督办文号", max_length=64, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    audit_exclude = ("updated_at",)

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = "事故隐患"
        verbose_name_plural = "事故隐患"
        indexes = [models.Index(fields=["status", "grade"], name="hazard_status_grade")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in lifecycle.OPEN_STATES

    @property
    def is_listed(self) -> bool:
        return self.listed_at is not None


class RectificationPlan(models.Model):
    """The plan a major hazard needs before its rectification starts (Order 16 Art.15)."""

    hazard = models.OneToOneField(Hazard, on_delete=models.CASCADE, related_name="plan")
    objectives = models.TextField("治理目标和任务")
    measures = models.TextField("治理方法和措施")
    funds = models.DecimalField("经费（元）", max_digits=14, decimal_places=2)
    responsible_person = models.CharField("负责人", max_length=64)
    deadline = models.DateField("治理时限")
    interim_measures = models.TextField("安全措施和应急预案")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "hazard__enterprise__region"
    scope_organization_field = "hazard__enterprise__organization"
    scope_sector_fields = {"industry": "hazard__enterprise__industry"}

    class Meta:
        verbose_name = "整改方案"
        verbose_name_plural = "整改方案"

    def __str__(self) -> str:
        return f"{self.hazard} 整改方案"


class HazardTransition(models.Model):
    """One step of a hazard's timeline: who did what, from which state to which, and why."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=24)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_name = models.CharField(max_length=150)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "hazard__enterprise__region"
    scope_organization_field = "hazard__enterprise__organization"
    scope_sector_fields = {"industry": "hazard__enterprise__industry"}

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "隐患处置记录"
        verbose_name_plural = "隐患处置记录"

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.action} {self.at:%Y-%m-%d}"

    @property
    def action_label(self) -> str:
        return lifecycle.ACTION_LABELS.get(self.action, self.action)


BEFORE = "before"
AFTER = "after"
DOCUMENT = "document"
STAGE_CHOICES = [(BEFORE, "整改前"), (AFTER, "整改后"), (DOCUMENT, "文件")]


class HazardAttachment(models.Model):
    """A photo or document of a hazard, before or after rectification; the file lives under MEDIA_ROOT."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="attachments")
    stage = models.CharField("阶段", max_length=10, choices=STAGE_CHOICES)
    file = models.FileField(max_length=200)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "hazard__enterprise__region"
    scope_organization_field = "hazard__enterprise__organization"
    scope_sector_fields = {"industry": "hazard__enterprise__industry"}
    audit_exclude = ("file",)  # a FieldFile is not JSON; `snapshot()` adds the stored name

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = "隐患附件"
        verbose_name_plural = "隐患附件"

    def __str__(self) -> str:
        return self.original_name

    def snapshot(self) -> dict[str, object]:
        """The audit snapshot with the stored file's name."""
        from yingji.core import audit

        return {**audit.snapshot(self), "file": self.file.name}


PENDING = "pending"  # awaiting the supervisor's decision
APPROVED = "approved"  # the deadline moved to the requested date
REFUSED = "refused"  # the deadline stays
WITHDRAWN = "withdrawn"  # moot: the hazard was submitted for acceptance before a decision
EXTENSION_STATUS_CHOICES = [
    (PENDING, "待审批"),
    (APPROVED, "已批准"),
    (REFUSED, "未批准"),
    (WITHDRAWN, "已撤回"),
]


class ExtensionRequest(models.Model):
    """A request to move a hazard's rectification deadline, and the supervisor's decision on it."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="extensions")
    previous_deadline = models.DateField("原期限", null=True, blank=True)
    requested_deadline = models.DateField("申请延至")
    reason = models.TextField("延期理由")
    status = models.CharField("状态", max_length=10, choices=EXTENSION_STATUS_CHOICES, default=PENDING)
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "hazard__enterprise__region"
    scope_organization_field = "hazard__enterprise__organization"
    scope_sector_fields = {"industry": "hazard__enterprise__industry"}

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        constraints = [
            models.UniqueConstraint(
                fields=["hazard"],
                condition=models.Q(status="pending"),
                name="extension_one_pending_per_hazard",
            )
        ]

    def __str__(self) -> str:
        return f"{self.hazard} 延期至 {self.requested_deadline}"


class DeadlineLimit(models.Model):
    """The city's longest rectification period for hazards of a grade, or of one judgment criterion.

    An enterprise (or whoever records its step) may set its own deadline at most this many days ahead;
    a later one needs an extension that the supervisor approves. Without a row, `limits.DEFAULT_DAYS`
    applies; a criterion without a row takes its grade's period. City configuration, like the
    warnings' approval rules: one row per grade (criterion_code blank) or per criterion.
    """

    grade = models.CharField("隐患等级", max_length=8, choices=GRADE_CHOICES)
    criterion_code = models.CharField("判定依据", max_length=16, blank=True)
    max_days = models.PositiveIntegerField("最长整改期限（天）")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    audit_exclude = ("updated_at",)

    class Meta:
        ordering = ["grade", "criterion_code"]
        verbose_name = "整改期限上限"
        verbose_name_plural = "整改期限上限"
        constraints = [
            models.UniqueConstraint(fields=["grade", "criterion_code"], name="deadline_limit_one_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.criterion_code or self.grade} ≤ {self.max_days} 天"
