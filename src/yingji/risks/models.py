"""Risk points (风险点) of enterprises, their control measures, and per-region grading bands."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from yingji.core.models import Region
from yingji.core.scoping import ScopedQuerySet
from yingji.enterprises.models import Enterprise, EnterpriseRecord
from yingji.risks import grading

# What a risk point is (安全风险辨识的对象).
PLACE = "place"  # 场所：a room, area or yard
EQUIPMENT = "equipment"  # 设备设施：an installation, machine or vessel
ACTIVITY = "activity"  # 作业活动：work done by people, such as hot work or work at height
KIND_CHOICES = [(PLACE, "场所"), (EQUIPMENT, "设备设施"), (ACTIVITY, "作业活动")]

LEC = "lec"  # 作业条件危险性评价法 D = L×E×C
LS = "ls"  # 风险矩阵法 R = L×S
METHOD_CHOICES = [(LEC, "LEC 作业条件危险性评价法"), (LS, "LS 风险矩阵法")]
METHOD_SHORT = {LEC: "LEC", LS: "LS"}

LEVEL_CHOICES = [(level.key, f"{level.label}风险") for level in grading.LEVELS]
LEVEL_LABELS = dict(LEVEL_CHOICES)
# Display colours of the four levels (安委办〔2016〕11号: red, orange, yellow, blue), and grey for none.
LEVEL_HEX = {"red": "#d7262f", "orange": "#f28c1b", "yellow": "#f5cd1d", "blue": "#2f74c0"}
UNGRADED_HEX = "#9aa5b1"

# Who keeps the point under control (分级管控): a higher risk is held by a higher level.
COMPANY = "company"
WORKSHOP = "workshop"
TEAM = "team"
POST = "post"
RESPONSIBLE_LEVEL_CHOICES = [(COMPANY, "公司"), (WORKSHOP, "车间"), (TEAM, "班组"), (POST, "岗位")]
# The usual assignment when none is given: 重大 → company, 较大 → workshop, 一般 → team, 低 → post.
DEFAULT_RESPONSIBLE_LEVEL = {
    grading.MAJOR.key: COMPANY,
    grading.SIGNIFICANT.key: WORKSHOP,
    grading.GENERAL.key: TEAM,
    grading.LOW.key: POST,
}

MEASURE_KIND_CHOICES = [
    ("engineering", "工程技术措施"),
    ("management", "管理措施"),
    ("training", "培训教育措施"),
    ("ppe", "个体防护措施"),
    ("emergency", "应急处置措施"),
]


class RiskPoint(EnterpriseRecord):
    """A place, installation or activity of an enterprise, graded by LEC or LS into one of four levels.

    `score`, `level` and `color` are stored, computed at each assessment with the banding in force
    for the enterprise's region, and recomputed when that banding changes.
    """

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="risk_points")
    name = models.CharField("风险点名称", max_length=100)
    kind = models.CharField("类型", max_length=10, choices=KIND_CHOICES)
    location = models.CharField("所在位置", max_length=200, blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)
    latitude = models.FloatField("纬度", null=True, blank=True)
    accident_types = models.CharField("可能导致的事故类型", max_length=200, blank=True)
    method = models.CharField("评价方法", max_length=4, choices=METHOD_CHOICES)
    factor_l = models.FloatField("L 可能性")
    factor_e = models.FloatField("E 暴露频率", null=True, blank=True)
    factor_c = models.FloatField("C 后果", null=True, blank=True)
    factor_s = models.PositiveSmallIntegerField("S 严重性", null=True, blank=True)
    score = models.FloatField("风险值")
    level = models.CharField("风险等级", max_length=12, choices=LEVEL_CHOICES, db_index=True)
    color = models.CharField("颜色", max_length=8)
    assessed_at = models.DateTimeField("评价时间", default=timezone.now)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reassess_on = models.DateField("下次评价日期", null=True, blank=True)
    # Set when reassess_on has come (by the "risks.reassessment_due" deadline), cleared by an assessment.
    reassessment_due = models.BooleanField("待复评", default=False, db_index=True)
    responsible_level = models.CharField("管控层级", max_length=10, choices=RESPONSIBLE_LEVEL_CHOICES)
    responsible_person = models.CharField("管控责任人", max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["enterprise_id", "name"]
        verbose_name = "风险点"
        verbose_name_plural = "风险点"
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="risk_point_unique_name"),
        ]
        indexes = [models.Index(fields=["enterprise", "level"], name="risk_point_enterprise_level")]

    def __str__(self) -> str:
        return self.name

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level)

    @property
    def color_hex(self) -> str:
        return LEVEL_HEX.get(self.color, UNGRADED_HEX)

    @property
    def formula(self) -> str:
        """The assessment as the method writes it, e.g. "D = 3 × 6 × 15 = 270"."""
        if self.method == LEC:
            return f"D = {_n(self.factor_l)} × {_n(self.factor_e)} × {_n(self.factor_c)} = {_n(self.score)}"
        return f"R = {_n(self.factor_l)} × {_n(self.factor_s)} = {_n(self.score)}"


def _n(value: float | int | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


class ControlMeasure(models.Model):
    """One measure that keeps a risk point under control, and who is responsible for it."""

    risk_point = models.ForeignKey(RiskPoint, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField("措施类别", max_length=12, choices=MEASURE_KIND_CHOICES)
    description = models.CharField("措施内容", max_length=500)
    responsible_level = models.CharField("管控层级", max_length=10, choices=RESPONSIBLE_LEVEL_CHOICES)
    responsible_person = models.CharField("责任人", max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "risk_point__enterprise__region"
    scope_organization_field = "risk_point__enterprise__organization"
    scope_sector_fields = {"industry": "risk_point__enterprise__industry"}

    class Meta:
        ordering = ["risk_point_id", "kind", "id"]
        verbose_name = "管控措施"
        verbose_name_plural = "管控措施"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.description[:60]}"


class RiskBanding(models.Model):
    """A region's own thresholds for one method, overriding the default for every enterprise inside it.

    Not a scoped model: a county must read the bandings of the city above it, which `visible_to`
    (descendants only) cannot express; `services.bandings_visible_to` applies the rule instead.
    """

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    method = models.CharField("评价方法", max_length=4, choices=METHOD_CHOICES)
    # {"major": …, "significant": …, "general": …} as `grading.Banding.to_dict()` writes it.
    thresholds = models.JSONField("分级阈值")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["region_id", "method"]
        verbose_name = "风险分级阈值"
        verbose_name_plural = "风险分级阈值"
        constraints = [
            models.UniqueConstraint(fields=["region", "method"], name="risk_banding_one_per_method"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {METHOD_SHORT.get(self.method, self.method)}"

    @property
    def banding(self) -> grading.Banding:
        return grading.banding_from_dict(self.thresholds)
