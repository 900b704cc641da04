"""Emergency resources the command center sends: rescue teams with their members and equipment,
shelters (应急避难场所) and helipads (起降点).

A team belongs to an organization (a fire and rescue station to its bureau, an enterprise-based
team to its enterprise's organization), so enterprise officers see and keep their own teams; the
rest is scoped by region. Readiness changes are kept as a history; a team may report its position
with its own key, as monitoring gateways report readings.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core.models import Organization, Region
from yingji.core.scoping import ScopedQuerySet
from yingji.resources import kinds
from yingji.warnings.models import Responder

MAX_HEADCOUNT = 10_000
MAX_AREA_M2 = 10_000_000
MAX_CAPABILITY = 1_000_000


def _choices(table: dict[str, str]) -> list[tuple[str, object]]:
    return [(code, _(label)) for code, label in table.items()]


TEAM_KIND_CHOICES = _choices(kinds.TEAM_KINDS)
TEAM_STATUS_CHOICES = _choices(kinds.TEAM_STATUSES)
EQUIPMENT_KIND_CHOICES = [(code, _(kind.label)) for code, kind in kinds.EQUIPMENT_KINDS.items()]
EQUIPMENT_STATUS_CHOICES = _choices(kinds.EQUIPMENT_STATUSES)
SHELTER_TYPE_CHOICES = _choices(kinds.SHELTER_TYPES)
SHELTER_LEVEL_CHOICES = _choices(kinds.SHELTER_LEVELS)
SHELTER_STATUS_CHOICES = _choices(kinds.SHELTER_STATUSES)
HELIPAD_KIND_CHOICES = _choices(kinds.HELIPAD_KINDS)


class Team(models.Model):
    """A rescue team (救援队伍): its kind, owner, base, headcount, readiness and live position."""

    name = models.CharField("队伍名称", max_length=128)
    kind = models.CharField("类别", max_length=20, choices=TEAM_KIND_CHOICES, db_index=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="rescue_teams", verbose_name="所属单位"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="rescue_teams")
    address = models.CharField("驻地", max_length=200, blank=True)
    longitude = models.FloatField("经度")
    latitude = models.FloatField("纬度")
    headcount = models.PositiveIntegerField("人数", default=0, validators=[MaxValueValidator(MAX_HEADCOUNT)])
    leader = models.CharField("负责人", max_length=64, blank=True)
    phone = models.CharField("值班电话", max_length=32, blank=True)
    status = models.CharField(
        "战备状态", max_length=12, choices=TEAM_STATUS_CHOICES, default=kinds.STANDBY, db_index=True
    )
    status_since = models.DateTimeField("状态时间", default=timezone.now)
    # The last position the team reported with its key (a vehicle's tracker); null: at base.
    position_longitude = models.FloatField(null=True, blank=True)
    position_latitude = models.FloatField(null=True, blank=True)
    position_at = models.DateTimeField(null=True, blank=True)
    key_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    key_hint = models.CharField("密钥前缀", max_length=12, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    scope_organization_field = "organization"
    # Department staff see an enterprise's own team only within their sector; the others belong to none.
    scope_sector_fields = {"industry": "organization__enterprise__industry"}
    scope_sector_unbound = {"organization__enterprise__isnull": True}
    audit_exclude = ("key_digest", "position_longitude", "position_latitude", "position_at", "updated_at")

    class Meta:
        ordering = ["region_id", "kind", "name"]
        verbose_name = "救援队伍"
        verbose_name_plural = "救援队伍"
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="team_unique_name")]
        indexes = [models.Index(fields=["kind", "status"], name="team_kind_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        return kinds.TEAM_KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return kinds.TEAM_STATUSES.get(self.status, self.status)


class TeamStatusChange(models.Model):
    """One change of a team's readiness: from, to, when, by whom, why."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=TEAM_STATUS_CHOICES, blank=True)
    to_status = models.CharField(max_length=12, choices=TEAM_STATUS_CHOICES)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField("说明", max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "team__region"
    scope_organization_field = "team__organization"
    scope_sector_fields = {"industry": "team__organization__enterprise__industry"}
    scope_sector_unbound = {"team__organization__enterprise__isnull": True}

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "战备状态变更"
        verbose_name_plural = "战备状态变更"

    def __str__(self) -> str:
        return f"{self.team_id}: {self.from_status} → {self.to_status}"


class Member(models.Model):
    """A member of a team: post, phone, skills; certificates are kept below."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    name = models.CharField("姓名", max_length=64)
    post = models.CharField("职务", max_length=64, blank=True)
    phone = models.CharField("手机", max_length=32, blank=True)
    skills = models.CharField("专长", max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "team__region"
    scope_organization_field = "team__organization"
    scope_sector_fields = {"industry": "team__organization__enterprise__industry"}
    scope_sector_unbound = {"team__organization__enterprise__isnull": True}

    class Meta:
        ordering = ["team_id", "id"]
        verbose_name = "队员"
        verbose_name_plural = "队员"

    def __str__(self) -> str:
        return self.name


class Certificate(models.Model):
    """A member's certificate (救援员证, 特种作业证…) and its expiry; a notice goes out before it."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="certificates")
    name = models.CharField("证书名称", max_length=100)
    number = models.CharField("证书编号", max_length=64, blank=True)
    expires_on = models.DateField("有效期至", db_index=True)
    # The expiry date a notice was last sent for: one notice per expiry, a renewal re-arms it.
    notified_for = models.DateField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "member__team__region"
    scope_organization_field = "member__team__organization"
    scope_sector_fields = {"industry": "member__team__organization__enterprise__industry"}
    scope_sector_unbound = {"member__team__organization__enterprise__isnull": True}
    audit_exclude = ("notified_for",)

    class Meta:
        ordering = ["expires_on", "id"]
        verbose_name = "队员证书"
        verbose_name_plural = "队员证书"

    def __str__(self) -> str:
        return self.name


class Equipment(models.Model):
    """A piece of equipment or a vehicle, owned by a team or directly by an organization."""

    name = models.CharField("名称", max_length=128)
    kind = models.CharField("类别", max_length=24, choices=EQUIPMENT_KIND_CHOICES, db_index=True)
    capability = models.FloatField(
        "能力指标", default=0, validators=[MinValueValidator(0), MaxValueValidator(MAX_CAPABILITY)]
    )
    plate = models.CharField("车牌号", max_length=16, blank=True)
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="equipment",
        verbose_name="所属队伍",
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="rescue_equipment", verbose_name="所属单位"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="rescue_equipment")
    # Where it is kept; the team's base when it belongs to a team.
    longitude = models.FloatField("经度")
    latitude = models.FloatField("纬度")
    status = models.CharField(
        "状态", max_length=16, choices=EQUIPMENT_STATUS_CHOICES, default=kinds.AVAILABLE, db_index=True
    )
    maintenance_due_on = models.DateField("下次保养日期", null=True, blank=True, db_index=True)
    notified_for = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    scope_organization_field = "organization"
    scope_sector_fields = {"industry": "organization__enterprise__industry"}
    scope_sector_unbound = {"organization__enterprise__isnull": True}
    audit_exclude = ("notified_for",)

    class Meta:
        ordering = ["region_id", "kind", "name"]
        verbose_name = "装备"
        verbose_name_plural = "装备"
        indexes = [models.Index(fields=["kind", "status"], name="equipment_kind_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_info(self) -> kinds.EquipmentKind:
        return kinds.EQUIPMENT_KINDS.get(self.kind, kinds.EquipmentKind(self.kind))

    @property
    def is_vehicle(self) -> bool:
        return self.kind in kinds.VEHICLE_KINDS


class ShelterNorm(models.Model):
    """The per-person effective area and service radius of a shelter type: a table kept as data.

    Starts from `kinds.SHELTER_DEFAULTS` (unconfirmed values); a change recomputes the capacities.
    """

    shelter_type = models.CharField("类型", max_length=12, choices=SHELTER_TYPE_CHOICES, primary_key=True)
    area_per_person_m2 = models.FloatField(
        "人均有效面积（m²）", validators=[MinValueValidator(0.1), MaxValueValidator(100)]
    )
    service_km = models.FloatField(
        "服务半径（km）", validators=[MinValueValidator(0.1), MaxValueValidator(50)]
    )
    confirmed = models.BooleanField("已核实", default=False)

    class Meta:
        ordering = ["shelter_type"]
        verbose_name = "避难场所人均面积"
        verbose_name_plural = "避难场所人均面积"

    def __str__(self) -> str:
        return self.shelter_type


class Shelter(models.Model):
    """An emergency shelter: type and level, effective area and capacity, facilities, manager,
    status and how many people are in it now."""

    name = models.CharField("名称", max_length=128)
    shelter_type = models.CharField("类型", max_length=12, choices=SHELTER_TYPE_CHOICES, db_index=True)
    level = models.CharField("级别", max_length=10, choices=SHELTER_LEVEL_CHOICES)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="shelters")
    address = models.CharField("地址", max_length=200, blank=True)
    longitude = models.FloatField("经度")
    latitude = models.FloatField("纬度")
    area_m2 = models.FloatField(
        "有效避难面积（m²）", validators=[MinValueValidator(0), MaxValueValidator(MAX_AREA_M2)]
    )
    # area ÷ the type's per-person area (ShelterNorm), computed by the services.
    capacity = models.PositiveIntegerField("容纳人数", default=0)
    facilities = models.JSONField("设施", default=list, blank=True)
    manager = models.ForeignKey(
        Responder,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shelters",
        verbose_name="管理员",
    )
    status = models.CharField(
        "状态", max_length=8, choices=SHELTER_STATUS_CHOICES, default=kinds.CLOSED, db_index=True
    )
    occupancy = models.PositiveIntegerField("在场人数", default=0)
    updated_at = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    scope_organization_field = None
    audit_exclude = ("updated_at",)

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = "应急避难场所"
        verbose_name_plural = "应急避难场所"
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="shelter_unique_name"),
            models.CheckConstraint(
                condition=models.Q(occupancy__lte=models.F("capacity")), name="shelter_not_over_capacity"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def room(self) -> int:
        return max(self.capacity - self.occupancy, 0)

    @property
    def status_label(self) -> str:
        return kinds.SHELTER_STATUSES.get(self.status, self.status)

    @property
    def type_label(self) -> str:
        return kinds.SHELTER_TYPES.get(self.shelter_type, self.shelter_type)


class ShelterMovement(models.Model):
    """A check-in (positive) or check-out (negative) count at a shelter, and the occupancy after it."""

    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="movements")
    change = models.IntegerField("人数变化")
    occupancy_after = models.PositiveIntegerField("变化后人数")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "shelter__region"
    scope_organization_field = None

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "避难场所进出登记"
        verbose_name_plural = "避难场所进出登记"

    def __str__(self) -> str:
        return f"{self.shelter_id} {self.change:+d}"


class Helipad(models.Model):
    """A helicopter landing point (起降点) of the aviation rescue network."""

    name = models.CharField("名称", max_length=128)
    kind = models.CharField("类型", max_length=10, choices=HELIPAD_KIND_CHOICES, default="ground")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="helipads")
    longitude = models.FloatField("经度")
    latitude = models.FloatField("纬度")
    usable = models.BooleanField("可用", default=True)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    scope_organization_field = None

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = "航空救援起降点"
        verbose_name_plural = "航空救援起降点"
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="helipad_unique_name")]

    def __str__(self) -> str:
        return self.name
