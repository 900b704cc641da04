"""Enterprises (生产经营单位) and their licences: the register every safety domain refers to."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from yingji.core.models import Organization, Region
from yingji.core.scoping import ScopedQuerySet

COAL_MINE = "coal_mine"
NON_COAL_MINE = "non_coal_mine"
HAZARDOUS_CHEMICALS = "hazardous_chemicals"
FIREWORKS = "fireworks"
INDUSTRY_TRADE = "industry_trade"
CONSTRUCTION = "construction"
ROAD_TRANSPORT = "road_transport"
GAS = "gas"
OTHER = "other"

INDUSTRY_CHOICES = [
    (COAL_MINE, "煤矿"),
    (NON_COAL_MINE, "非煤矿山及尾矿库"),
    (HAZARDOUS_CHEMICALS, "危险化学品"),
    (FIREWORKS, "烟花爆竹"),
    (INDUSTRY_TRADE, "冶金等工贸行业"),
    (CONSTRUCTION, "建筑施工"),
    (ROAD_TRANSPORT, "道路运输"),
    (GAS, "燃气"),
    (OTHER, "其他"),
]
INDUSTRY_LABELS = dict(INDUSTRY_CHOICES)

SCALE_CHOICES = [("large", "大型"), ("medium", "中型"), ("small", "小型"), ("micro", "微型")]
STATUS_CHOICES = [("operating", "正常生产"), ("suspended", "停产整顿"), ("closed", "关闭")]

LICENCE_KIND_CHOICES = [
    ("safety_production", "安全生产许可证"),
    ("hazardous_chemicals_operation", "危险化学品经营许可证"),
    ("hazardous_chemicals_use", "危险化学品安全使用许可证"),
    ("mining", "采矿许可证"),
    ("fireworks_operation", "烟花爆竹经营许可证"),
    ("construction", "建筑施工企业安全生产许可证"),
    ("road_transport", "道路运输经营许可证"),
    ("gas_operation", "燃气经营许可证"),
    ("other", "其他"),
]


class Enterprise(models.Model):
    """A production or business unit under safety supervision, with its own organization and officers.

    Its `organization` is what enterprise safety officers belong to, so the core scoping rule
    ("an enterprise user sees only its own enterprise") applies to every record that points here.
    """

    organization = models.OneToOneField(Organization, on_delete=models.PROTECT, related_name="enterprise")
    name = models.CharField("企业名称", max_length=128)
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    industry = models.CharField("行业", max_length=24, choices=INDUSTRY_CHOICES, db_index=True)
    scale = models.CharField("规模", max_length=8, choices=SCALE_CHOICES, default="small")
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default="operating")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="enterprises")
    address = models.CharField("地址", max_length=200, blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)
    latitude = models.FloatField("纬度", null=True, blank=True)
    legal_representative = models.CharField("法定代表人", max_length=64)
    legal_representative_phone = models.CharField("法定代表人电话", max_length=32, blank=True)
    safety_officer = models.CharField("安全管理负责人", max_length=64, blank=True)
    safety_officer_phone = models.CharField("安全管理负责人电话", max_length=32, blank=True)
    employees = models.PositiveIntegerField("从业人员", default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    scope_organization_field = "organization"
    scope_sector_fields = {"industry": "industry"}  # department staff: their sector's

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = "企业"
        verbose_name_plural = "企业"
        indexes = [models.Index(fields=["industry", "region"], name="enterprise_industry_region")]

    def __str__(self) -> str:
        return self.name


class EnterpriseRecord(models.Model):
    """Base of every record that belongs to one enterprise (a `enterprise` foreign key): scoped through it,
    so a county sees its enterprises' records and an enterprise officer only their own enterprise's."""

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "enterprise__region"
    scope_organization_field = "enterprise__organization"
    scope_sector_fields = {"industry": "enterprise__industry"}

    class Meta:
        abstract = True


class Licence(EnterpriseRecord):
    """A licence an enterprise holds, with the expiry date the bureau watches."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="licences")
    kind = models.CharField("证照类型", max_length=40, choices=LICENCE_KIND_CHOICES)
    number = models.CharField("证号", max_length=64)
    issuer = models.CharField("发证机关", max_length=100, blank=True)
    issued_on = models.DateField("发证日期", null=True, blank=True)
    expires_on = models.DateField("有效期至")

    class Meta:
        ordering = ["expires_on"]
        verbose_name = "证照"
        verbose_name_plural = "证照"
        constraints = [models.UniqueConstraint(fields=["kind", "number"], name="licence_unique_number")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def region(self) -> Region:
        return self.enterprise.region
