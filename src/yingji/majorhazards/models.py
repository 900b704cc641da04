"""The register of major hazard installations (重大危险源): installations, their units and inventories.

An installation is one enterprise site's register entry; its units (production or storage, per
GB 18218-2018 §4.1.1) hold the inventory lines. The figures the standard defines (S, R, level per
unit; the summary per installation; Q, β and q/Q per line) are computed by `gb18218` in the service
that changes the inventory, and stored so lists, maps and counts need no recomputation.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.core.scoping import ScopedQuerySet
from yingji.enterprises.models import Enterprise, EnterpriseRecord

MAX_POPULATION = 10**7
MAX_QUANTITY_T = 1e9

NOT_FILED = "not_filed"  # not yet filed with the regulator (未备案)
FILED = "filed"  # filed, review date not yet near (已备案)
REVIEW_DUE = "review_due"  # the filing's review (复核) date is near or past (待复核)
FILING_STATUS_CHOICES = [(NOT_FILED, _("未备案")), (FILED, _("已备案")), (REVIEW_DUE, _("待复核"))]

PRODUCTION = "production"  # bounded by its shut-off valves (生产单元)
STORAGE = "storage"  # a tank farm within its fire dike, or a warehouse building (储存单元)
UNIT_KIND_CHOICES = [(PRODUCTION, _("生产单元")), (STORAGE, _("储存单元"))]

LEVEL_LABELS = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}  # the record's words (API); pages translate
LEVEL_CHOICES = [(1, _("一级")), (2, _("二级")), (3, _("三级")), (4, _("四级"))]


class Installation(EnterpriseRecord):
    """An enterprise site's major-hazard register entry: its units, filing, and the computed summary."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="major_hazard_installations", verbose_name="企业"
    )
    name = models.CharField("名称", max_length=128)
    # People living within 500 m outside the plant boundary; sets α (GB 18218-2018 §4.3).
    exposed_population = models.PositiveIntegerField(
        "厂界外500米内人数", default=0, validators=[MaxValueValidator(MAX_POPULATION)]
    )
    longitude = models.FloatField("经度", null=True, blank=True)
    latitude = models.FloatField("纬度", null=True, blank=True)

    filing_status = models.CharField(
        "备案状态", max_length=12, choices=FILING_STATUS_CHOICES, default=NOT_FILED
    )
    filed_on = models.DateField("备案日期", null=True, blank=True)
    filing_number = models.CharField("备案编号", max_length=64, blank=True)
    review_due_on = models.DateField("复核日期", null=True, blank=True)

    # Computed by services.recompute from the units; never edited directly.
    is_major = models.BooleanField("构成重大危险源", default=False, db_index=True)
    level = models.PositiveSmallIntegerField("级别", null=True, blank=True, choices=LEVEL_CHOICES)
    unit_count = models.PositiveIntegerField("单元数", default=0)
    max_s = models.FloatField("最大S", default=0)
    max_r = models.FloatField("最大R", null=True, blank=True)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["enterprise_id", "name"]
        verbose_name = "重大危险源"
        verbose_name_plural = "重大危险源"
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="installation_unique_name"),
        ]
        indexes = [models.Index(fields=["is_major", "level"], name="installation_level")]

    def __str__(self) -> str:
        return self.name

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, "") if self.level else ""


class Unit(models.Model):
    """A production or storage unit of an installation, with its S, and R and level when S ≥ 1."""

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="units")
    name = models.CharField("单元名称", max_length=100)
    kind = models.CharField("单元类型", max_length=12, choices=UNIT_KIND_CHOICES)

    # Computed (GB 18218-2018 §4.2, §4.3); S and R rounded down to 2 decimals as reported.
    s = models.FloatField("S", default=0)
    is_major = models.BooleanField("构成重大危险源", default=False)
    r = models.FloatField("R", null=True, blank=True)
    level = models.PositiveSmallIntegerField("级别", null=True, blank=True, choices=LEVEL_CHOICES)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "installation__enterprise__region"
    scope_organization_field = "installation__enterprise__organization"
    scope_sector_fields = {"industry": "installation__enterprise__industry"}

    class Meta:
        ordering = ["installation_id", "id"]
        verbose_name = "危险源单元"
        verbose_name_plural = "危险源单元"
        constraints = [models.UniqueConstraint(fields=["installation", "name"], name="unit_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, "") if self.level else ""


class Inventory(models.Model):
    """One hazardous chemical of a unit at its design maximum quantity, with how it was counted."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="inventories")
    name = models.CharField("物质名称", max_length=100, blank=True)
    cas = models.CharField("CAS号", max_length=20, blank=True)
    # The hazard category (Table 2 symbol, e.g. W5.3) as entered; for a Table 1 substance it overrides
    # the default category that sets β (flammable liquids depend on flash point and process).
    category = models.CharField("危险性类别", max_length=10, blank=True)
    quantity_t = models.FloatField(
        "设计最大量（吨）", validators=[MinValueValidator(0), MaxValueValidator(MAX_QUANTITY_T)]
    )

    # Computed: the Table 1 row (if named there), the category used, Q, β and q/Q.
    table1_no = models.PositiveSmallIntegerField("表1序号", null=True, blank=True)
    resolved_category = models.CharField("计算类别", max_length=10, blank=True)
    critical_t = models.FloatField("临界量Q（吨）", null=True, blank=True)
    beta = models.FloatField("β", null=True, blank=True)
    ratio = models.FloatField("q/Q", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "unit__installation__enterprise__region"
    scope_organization_field = "unit__installation__enterprise__organization"
    scope_sector_fields = {"industry": "unit__installation__enterprise__industry"}

    class Meta:
        ordering = ["unit_id", "id"]
        verbose_name = "危险化学品存量"
        verbose_name_plural = "危险化学品存量"

    def __str__(self) -> str:
        return f"{self.label} {self.quantity_t:g} t"

    @property
    def label(self) -> str:
        return self.name or self.cas or self.category or "?"
