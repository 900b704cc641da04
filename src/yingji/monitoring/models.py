"""Sensors, the gateways that report them, their rules, the readings and the alarms they raise.

A sensor watches one monitored object: a major hazard installation (or one of its units), a risk
point or an enterprise, or a natural-hazard site (rain or river gauge, landslide point, forest-fire
watch point). It reports through a gateway, which holds the API key and may write only its own
sensors. Readings are telemetry, not records: they are appended in bulk by the pipeline with plain
SQL, keyed by (time, sensor) so that the insert stays an append (decision record 0013), and rolled
up into per-minute aggregates that charts and window rules read.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yingji.core.models import Organization, Region
from yingji.core.scoping import ScopedQuerySet
from yingji.enterprises.models import Enterprise
from yingji.majorhazards.models import Installation, Unit
from yingji.monitoring.sensortypes import KIND_CHOICES, LEVEL_LABELS, LEVEL_NAMES
from yingji.risks.models import RiskPoint

# Labels are marked for the catalog where they are defined (sensortypes); lazy here, shown translated.
LEVEL_CHOICES = [(level, _(label)) for level, label in enumerate(LEVEL_LABELS)]
SENSOR_KIND_CHOICES = [(key, _(label)) for key, label in KIND_CHOICES]
ALARM_LEVEL_CHOICES = LEVEL_CHOICES[1:]


class Site(models.Model):
    """A natural-hazard monitoring site: a rain or river gauge, a landslide point, a fire watch point."""

    RAIN_GAUGE = "rain_gauge"
    RIVER_GAUGE = "river_gauge"
    RESERVOIR_GAUGE = "reservoir_gauge"
    LANDSLIDE = "landslide"
    COLLAPSE = "collapse"
    DEBRIS_FLOW = "debris_flow"
    FOREST_FIRE = "forest_fire"
    KIND_CHOICES = [
        (RAIN_GAUGE, _("雨量站")),
        (RIVER_GAUGE, _("河道水位站")),
        (RESERVOIR_GAUGE, _("水库水位站")),
        (LANDSLIDE, _("滑坡监测点")),
        (COLLAPSE, _("崩塌监测点")),
        (DEBRIS_FLOW, _("泥石流监测点")),
        (FOREST_FIRE, _("森林防火监测点")),
    ]

    code = models.CharField("站点编码", max_length=32, unique=True)
    name = models.CharField("站点名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=KIND_CHOICES)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="monitoring_sites")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="monitoring_sites"
    )
    longitude = models.FloatField("经度")
    latitude = models.FloatField("纬度")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    scope_sector_fields = {"site_kind": "kind"}  # department staff: their sector's

    class Meta:
        ordering = ["region_id", "code"]
        verbose_name = "监测站点"
        verbose_name_plural = "监测站点"

    def __str__(self) -> str:
        return self.name


class Gateway(models.Model):
    """A system that reports readings (an enterprise's monitoring system, a hydrology network).

    Its key is shown once when made; only the SHA-256 is kept. `name` is its MQTT topic segment.
    """

    name = models.SlugField("网关标识", max_length=64, unique=True)
    title = models.CharField("网关名称", max_length=100)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="gateways"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="gateways")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="gateways"
    )
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField("密钥前缀", max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    last_seen_at = models.DateTimeField("最近上报", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    scope_organization_field = "organization"
    # An enterprise's gateway goes with its industry; a network (hydrology, fire) with its keeper's sector.
    scope_sector_fields = {"industry": "enterprise__industry", "sector": "organization__sector"}
    audit_exclude = ("digest", "last_seen_at")

    class Meta:
        ordering = ["name"]
        verbose_name = "数据网关"
        verbose_name_plural = "数据网关"

    def __str__(self) -> str:
        return self.title or self.name


class Sensor(models.Model):
    """A sensor: what it measures, where, the object it watches and the gateway that reports it."""

    code = models.CharField("传感器编码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=SENSOR_KIND_CHOICES)
    unit = models.CharField("单位", max_length=12)
    gateway = models.ForeignKey(Gateway, on_delete=models.PROTECT, related_name="sensors")
    # The monitored object: an enterprise (with, optionally, its installation, unit or risk point) or a site.
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="sensors"
    )
    installation = models.ForeignKey(
        Installation, on_delete=models.PROTECT, null=True, blank=True, related_name="sensors"
    )
    # A unit or risk point taken off the register leaves its sensors on the installation or enterprise.
    hazard_unit = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="sensors"
    )
    risk_point = models.ForeignKey(
        RiskPoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="sensors"
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="sensors")
    # Copied from the monitored object so that scoping and the hot path need no joins.
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="sensors")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="sensors"
    )
    location = models.CharField("安装位置", max_length=100, blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)
    latitude = models.FloatField("纬度", null=True, blank=True)
    offline_after_s = models.PositiveIntegerField("离线判定（秒）", null=True, blank=True)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    scope_organization_field = "organization"
    scope_sector_fields = {"industry": "enterprise__industry", "site_kind": "site__kind"}

    class Meta:
        ordering = ["code"]
        verbose_name = "传感器"
        verbose_name_plural = "传感器"
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise__isnull=False) | Q(site__isnull=False), name="sensor_watches_something"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class SensorState(models.Model):
    """What the pipeline knows of a sensor now: its latest reading, level, and when it goes offline."""

    sensor = models.OneToOneField(Sensor, on_delete=models.CASCADE, primary_key=True, related_name="state")
    last_ts = models.BigIntegerField("最新读数时间（毫秒）", null=True)
    last_value = models.FloatField("最新值", null=True)
    last_level = models.SmallIntegerField("最新级别", default=0, choices=LEVEL_CHOICES)
    online = models.BooleanField("在线", default=False)
    # Epoch milliseconds after which silence means offline (last_ts + the sensor's offline time).
    offline_due_ms = models.BigIntegerField(null=True)
    # Highest level among the sensor's open alarms (0: none), so the pipeline skips quiet sensors.
    alarm_level = models.SmallIntegerField("报警级别", default=0, choices=LEVEL_CHOICES)

    # No index but the key: every batch rewrites the latest time and offline time of each of its sensors,
    # and an index on either would make each of those updates write index entries too, where without one
    # PostgreSQL rewrites the row in place in its page (a HOT update). The offline check reads the whole
    # table instead, once per worker pass: one row per sensor.

    def __str__(self) -> str:
        return f"{self.sensor_id}: {self.last_value} @ {self.last_ts}"


class ThresholdRule(models.Model):
    """Four-level limits (and a rate limit) for one sensor, or the default for every sensor of a kind."""

    sensor = models.OneToOneField(
        Sensor, on_delete=models.CASCADE, null=True, blank=True, related_name="threshold_rule"
    )
    kind = models.CharField("传感器类型", max_length=20, choices=SENSOR_KIND_CHOICES, blank=True)
    high_blue = models.FloatField("蓝色上限", null=True, blank=True)
    high_yellow = models.FloatField("黄色上限", null=True, blank=True)
    high_orange = models.FloatField("橙色上限", null=True, blank=True)
    high_red = models.FloatField("红色上限", null=True, blank=True)
    low_blue = models.FloatField("蓝色下限", null=True, blank=True)
    low_yellow = models.FloatField("黄色下限", null=True, blank=True)
    low_orange = models.FloatField("橙色下限", null=True, blank=True)
    low_red = models.FloatField("红色下限", null=True, blank=True)
    rate_per_minute = models.FloatField("变化速率上限（每分钟）", null=True, blank=True)
    rate_level = models.SmallIntegerField("速率报警级别", default=2, choices=ALARM_LEVEL_CHOICES)
    updated_at = models.DateTimeField(auto_now=True)

    HIGH_FIELDS = ("high_blue", "high_yellow", "high_orange", "high_red")
    LOW_FIELDS = ("low_blue", "low_yellow", "low_orange", "low_red")

    class Meta:
        verbose_name = "阈值规则"
        verbose_name_plural = "阈值规则"
        constraints = [
            models.CheckConstraint(
                condition=(Q(sensor__isnull=True) & ~Q(kind="")) | (Q(sensor__isnull=False) & Q(kind="")),
                name="threshold_for_sensor_or_kind",
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(sensor__isnull=True), name="threshold_kind_default"
            ),
        ]

    def __str__(self) -> str:
        return f"阈值 {self.sensor_id or self.kind}"


class WindowRule(models.Model):
    """A window criterion of an issuing region: e.g. rainfall summed over 3 h ≥ 50 mm is orange.

    A sensor is graded by the rules of the nearest region above it that has any for its kind; without
    any, rainfall uses the national rainstorm signal criteria (rainsignal.NATIONAL_RAINSTORM_CRITERIA).
    """

    SUM, MEAN = "sum", "mean"
    AGGREGATE_CHOICES = [(SUM, _("累计")), (MEAN, _("平均"))]

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="window_rules")
    kind = models.CharField("传感器类型", max_length=20, choices=SENSOR_KIND_CHOICES, default="rainfall")
    aggregate = models.CharField("统计方式", max_length=4, choices=AGGREGATE_CHOICES, default=SUM)
    window_h = models.PositiveSmallIntegerField("时段（小时）")
    level = models.SmallIntegerField("级别", choices=ALARM_LEVEL_CHOICES)
    threshold = models.FloatField("阈值")

    class Meta:
        ordering = ["region_id", "kind", "-level", "window_h"]
        verbose_name = "时段规则"
        verbose_name_plural = "时段规则"
        constraints = [
            models.UniqueConstraint(fields=["region", "kind", "level", "window_h"], name="window_rule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.window_h}h ≥ {self.threshold:g} → {LEVEL_NAMES[self.level]}"


class Reading(models.Model):
    """One reading: value at `ts` (epoch milliseconds) from a sensor. Written only by the pipeline.

    No foreign key on `sensor_id`: the pipeline checks sensors itself, and a constraint check per
    row would halve the append rate. The primary key (ts, sensor_id) makes a repeat impossible.
    """

    pk = models.CompositePrimaryKey("ts", "sensor_id")
    ts = models.BigIntegerField()
    sensor_id = models.BigIntegerField()
    value = models.FloatField()

    class Meta:
        verbose_name = "读数"
        verbose_name_plural = "读数"

    def __str__(self) -> str:
        return f"{self.sensor_id}@{self.ts}={self.value}"


class ReadingMinute(models.Model):
    """Per-minute aggregate of a sensor's readings, kept after the raw readings are gone."""

    pk = models.CompositePrimaryKey("sensor_id", "minute")
    sensor_id = models.BigIntegerField()
    minute = models.BigIntegerField()  # epoch minutes
    count = models.IntegerField()
    total = models.FloatField()
    minimum = models.FloatField()
    maximum = models.FloatField()

    class Meta:
        verbose_name = "分钟汇总"
        verbose_name_plural = "分钟汇总"

    def __str__(self) -> str:
        return f"{self.sensor_id}@{self.minute}: n={self.count}"


class Alarm(models.Model):
    """An alarm of one sensor under one rule, from raised to closed; at most one open per sensor and rule."""

    THRESHOLD, RATE, WINDOW, OFFLINE = "threshold", "rate", "window", "offline"
    RULE_CHOICES = [
        (THRESHOLD, _("超限")),
        (RATE, _("变化速率")),
        (WINDOW, _("时段累计")),
        (OFFLINE, _("离线")),
    ]
    RULE_LABELS = dict(RULE_CHOICES)
    RAISED, ACKNOWLEDGED, CLEARED, CLOSED = "raised", "acknowledged", "cleared", "closed"
    STATUS_CHOICES = [
        (RAISED, _("报警中")),
        (ACKNOWLEDGED, _("已确认")),
        (CLEARED, _("已恢复")),
        (CLOSED, _("已关闭")),
    ]
    OPEN_STATUSES = (RAISED, ACKNOWLEDGED, CLEARED)
    # Who has been told: the enterprise, the county duty officers, the city.
    TIER_CHOICES = [
        (0, pgettext_lazy("alarm tier", "企业")),
        (1, pgettext_lazy("alarm tier", "县级")),
        (2, pgettext_lazy("alarm tier", "市级")),
    ]

    sensor = models.ForeignKey(Sensor, on_delete=models.PROTECT, related_name="alarms")
    rule = models.CharField("规则", max_length=10, choices=RULE_CHOICES)
    level = models.SmallIntegerField("级别", choices=ALARM_LEVEL_CHOICES)
    peak_level = models.SmallIntegerField("最高级别", choices=ALARM_LEVEL_CHOICES)
    status = models.CharField("状态", max_length=12, choices=STATUS_CHOICES, default=RAISED)
    raised_at = models.DateTimeField("报警时间")
    created_at = models.DateTimeField(default=timezone.now)
    last_triggered_at = models.DateTimeField("最近超限")
    trigger_value = models.FloatField("触发值", null=True)
    peak_value = models.FloatField("峰值", null=True)
    window_h = models.PositiveSmallIntegerField("时段（小时）", null=True, blank=True)
    # Epoch ms of the first normal reading since the last abnormal one; cleared after the hold time.
    normal_since_ms = models.BigIntegerField(null=True, blank=True)
    # The highest tier told so far (None: nobody yet).
    notified_tier = models.SmallIntegerField("通知层级", null=True, blank=True, choices=TIER_CHOICES)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField("确认时间", null=True, blank=True)
    cleared_at = models.DateTimeField("恢复时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    disposal_note = models.TextField("处置情况", blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    scope_organization_field = "organization"
    scope_sector_fields = {
        "industry": "sensor__enterprise__industry",
        "site_kind": "sensor__site__kind",
    }

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = "报警"
        verbose_name_plural = "报警"
        constraints = [
            models.UniqueConstraint(
                fields=["sensor", "rule"],
                condition=~Q(status="closed"),
                name="alarm_one_open_per_sensor_rule",
            )
        ]
        indexes = [models.Index(fields=["status", "level"], name="alarm_status_level")]

    def __str__(self) -> str:
        return f"{self.sensor.name} {LEVEL_LABELS[self.level]}{self.rule_label}报警"

    @property
    def rule_label(self) -> str:
        """The rule's label, as get_rule_display() gives it, without rebuilding the choices each time."""
        return str(self.RULE_LABELS.get(self.rule, self.rule))

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.level]

    @property
    def is_open(self) -> bool:
        return self.status != self.CLOSED


class AlarmEvent(models.Model):
    """One step of an alarm's timeline: raised, escalated, de-escalated, acknowledged, cleared, closed…"""

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=16)
    level = models.SmallIntegerField(null=True, choices=LEVEL_CHOICES)
    value = models.FloatField(null=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    # What a person wrote; the platform's own steps say what they did in `told_tier` and `kind`, which
    # pages put in the reader's language.
    note = models.TextField(blank=True)
    # The highest tier told by this step (raised, escalated, re-raised, reported up), if it told anyone.
    told_tier = models.SmallIntegerField(null=True, blank=True, choices=Alarm.TIER_CHOICES)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.alarm_id} {self.kind} {self.at:%Y-%m-%d %H:%M:%S}"
