"""Early warnings, who may publish them and who receives them.

An `EarlyWarning` (named so as not to shadow Python's `Warning`) is one version of a warning: an
update or a cancellation is a new row that references the version it replaces (`supersedes`), so
each published version keeps its own CAP message. Warning types are data
(`WarningType`, seeded from data/warning_types.json). Approval is configuration (`ApprovalRule`), and
so is which CAP senders publish without it (`TrustedSender`).

Recipients are of four kinds: platform users (duty officers, enterprise officers, disaster
reporters), the responsible-person register (`Responder`: village heads, shelter managers, schools),
public `Subscriber`s and emergency-broadcast `BroadcastTerminal`s. Each message to one recipient on
one channel is a `Delivery` row of the shared outbox (messaging). The `PopulationGrid` (geography) spreads
each county's population over ~1 km cells; coverage is measured against it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from yingji.core.models import Organization, Region
from yingji.core.scoping import ScopedQuerySet

BLUE, YELLOW, ORANGE, RED = "blue", "yellow", "orange", "red"
LEVELS = (BLUE, YELLOW, ORANGE, RED)  # lowest to highest (四级 … 一级)
LEVEL_CHOICES = [
    (BLUE, _("蓝色（四级）")),
    (YELLOW, _("黄色（三级）")),
    (ORANGE, _("橙色（二级）")),
    (RED, _("红色（一级）")),
]

NATURAL, ACCIDENT, HEALTH, SOCIAL = "natural", "accident", "health", "social"
CATEGORY_CHOICES = [
    (NATURAL, _("自然灾害")),
    (ACCIDENT, _("事故灾难")),
    (HEALTH, _("公共卫生事件")),
    (SOCIAL, _("社会安全事件")),
]


class WarningType(models.Model):
    """A kind of warning (暴雨, 地质灾害气象风险, 森林火险, 危险化学品泄漏 …): data, not code."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64)
    name_en = models.CharField("英文名称", max_length=64, blank=True)
    category = models.CharField("类别", max_length=10, choices=CATEGORY_CHOICES)
    # CAP <category> (Met, Geo, Fire, Env, Safety, Health, Security, Infra …) and <event>.
    cap_category = models.CharField("CAP 类别", max_length=16, default="Other")
    # The national signal code where there is one (02 暴雨 …), blank otherwise.
    signal_code = models.CharField("信号代码", max_length=8, blank=True)
    levels = models.JSONField("可用级别", default=list)  # e.g. ["blue","yellow","orange","red"]
    # Default instructions per level, prefilled into a new draft: {"red": "…", …}.
    instructions = models.JSONField("防御指南", default=dict, blank=True)
    active = models.BooleanField("启用", default=True)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = "预警类型"
        verbose_name_plural = "预警类型"

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the reader's language: the English name in English where the type has one."""
        if (translation.get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class ApprovalRule(models.Model):
    """Who approves and publishes warnings of a level issued in a region: the county itself or the city.

    The rule of the nearest region up the issuing region's path wins; without one the code default
    applies (lifecycle.DEFAULT_APPROVAL: blue/yellow by the county, orange/red by the city).
    """

    COUNTY, CITY = "county", "city"
    TIER_CHOICES = [(COUNTY, _("县级")), (CITY, _("市级"))]

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="warning_approval_rules")
    level = models.CharField("级别", max_length=8, choices=LEVEL_CHOICES)
    approver_tier = models.CharField("审批层级", max_length=8, choices=TIER_CHOICES)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"

    class Meta:
        ordering = ["region_id", "level"]
        verbose_name = "预警审批规则"
        verbose_name_plural = "预警审批规则"
        constraints = [
            models.UniqueConstraint(fields=["region", "level"], name="approval_rule_one_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.level} → {self.approver_tier}"


class TrustedSender(models.Model):
    """A CAP sender the city trusts to put warnings on air at once, within one region.

    The provincial or city observatory, say: its imported messages whose area lies in `region` are
    published on arrival. Every other import waits for the ordinary approval (cap/importing.py).
    """

    sender = models.CharField("CAP 发送方", max_length=200, unique=True)
    name = models.CharField("名称", max_length=100, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="trusted_cap_senders")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"

    class Meta:
        ordering = ["sender"]
        verbose_name = "可信 CAP 发送方"
        verbose_name_plural = "可信 CAP 发送方"

    def __str__(self) -> str:
        return f"{self.sender} → {self.region_id}"


class EarlyWarning(models.Model):
    """One version of an early warning, from draft to published and on to updated, cancelled or expired."""

    DRAFT, SUBMITTED, APPROVED, PUBLISHED = "draft", "submitted", "approved", "published"
    UPDATED, CANCELLED, EXPIRED = "updated", "cancelled", "expired"
    STATUS_CHOICES = [
        (DRAFT, _("草稿")),
        (SUBMITTED, _("待审批")),
        (APPROVED, _("已审批")),
        (PUBLISHED, _("已发布")),
        (UPDATED, _("已更新")),
        (CANCELLED, _("已解除")),
        (EXPIRED, _("已过期")),
    ]
    LIVE_STATUSES = (PUBLISHED,)
    ENDED_STATUSES = (UPDATED, CANCELLED, EXPIRED)

    ALERT, UPDATE, CANCEL = "Alert", "Update", "Cancel"
    MSG_TYPE_CHOICES = [(ALERT, _("首发")), (UPDATE, _("更新")), (CANCEL, _("解除"))]

    MANUAL, MONITORING, IMPORTED = "manual", "monitoring", "imported"
    SOURCE_CHOICES = [(MANUAL, _("人工起草")), (MONITORING, _("监测报警生成")), (IMPORTED, _("外部导入"))]

    # Assigned at publication (GB/T 35965.1 form); imported messages keep their own.
    identifier = models.CharField("标识符", max_length=120, blank=True, db_index=True)
    msg_type = models.CharField("消息类型", max_length=8, choices=MSG_TYPE_CHOICES, default=ALERT)
    # The version this one replaces (an Update or Cancel references it), and the first of the series.
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="successors"
    )
    series = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="versions"
    )
    version = models.PositiveSmallIntegerField("版本", default=1)

    warning_type = models.ForeignKey(WarningType, on_delete=models.PROTECT, related_name="warnings")
    category = models.CharField("类别", max_length=10, choices=CATEGORY_CHOICES)
    level = models.CharField("级别", max_length=8, choices=LEVEL_CHOICES)
    headline = models.CharField("标题", max_length=200)
    description = models.TextField("预警内容")
    instruction = models.TextField("防御指南", blank=True)

    # The area: region codes (selected by code) and shapes (selected by location). Shapes are a
    # list of GeoJSON geometries in lon/lat: Polygon, MultiPolygon, or {"type": "Circle",
    # "coordinates": [lon, lat], "radius_km": r}.
    area_description = models.CharField("区域描述", max_length=500, blank=True)
    area_codes = models.JSONField("区域代码", default=list, blank=True)
    area_shapes = models.JSONField("区域图形", default=list, blank=True)

    onset = models.DateTimeField("开始时间")
    expires = models.DateTimeField("失效时间")

    # The issuer: the region whose bureau issues it (scoping) and its organization.
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="warnings")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="warnings"
    )
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default=DRAFT, db_index=True)
    source = models.CharField("来源", max_length=12, choices=SOURCE_CHOICES, default=MANUAL)
    # What raised a platform draft ("monitoring.alarm:123"), so one alarm opens one draft.
    source_key = models.CharField("来源对象", max_length=64, blank=True)
    # For imported messages: the CAP sender and the message as received.
    sender = models.CharField("发送方", max_length=200, blank=True)
    cap_xml = models.TextField("CAP 消息", blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    # Why a submitted draft was sent back, or why it was cancelled.
    note = models.TextField("说明", blank=True)

    # Coverage as last measured (coverage.py): {"target": n, "reached": n, "ratio": x, "counties": {...}}.
    coverage = models.JSONField("覆盖率", null=True, blank=True)
    coverage_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    audit_exclude = ("cap_xml",)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "预警"
        verbose_name_plural = "预警"
        indexes = [models.Index(fields=["status", "expires"], name="warning_live")]
        constraints = [
            models.UniqueConstraint(
                fields=["source_key"],
                condition=Q(status__in=["draft", "submitted", "approved"]) & ~Q(source_key=""),
                name="warning_one_open_draft_per_source",
            ),
            # A CAP message (sender + identifier) is on record once; own versions have a blank sender.
            models.UniqueConstraint(
                fields=["sender", "identifier"],
                condition=~Q(identifier=""),
                name="warning_one_per_cap_message",
            ),
        ]

    def __str__(self) -> str:
        return self.headline


class Responder(models.Model):
    """A person responsible for passing warnings on (预警责任人): village head, shelter manager, school."""

    VILLAGE_HEAD = "village_head"
    SHELTER_MANAGER = "shelter_manager"
    SCHOOL = "school"
    HOSPITAL = "hospital"
    SCENIC_AREA = "scenic_area"
    GRID_MEMBER = "grid_member"
    OTHER = "other"
    KIND_CHOICES = [
        (VILLAGE_HEAD, _("村（社区）负责人")),
        (SHELTER_MANAGER, _("避难场所管理员")),
        (SCHOOL, _("学校负责人")),
        (HOSPITAL, _("医院负责人")),
        (SCENIC_AREA, _("景区负责人")),
        (GRID_MEMBER, _("网格员")),
        (OTHER, _("其他")),
    ]

    name = models.CharField("姓名", max_length=64)
    kind = models.CharField("类别", max_length=16, choices=KIND_CHOICES)
    phone = models.CharField("手机", max_length=32)
    place = models.CharField("所在单位或场所", max_length=100, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="warning_responders")
    longitude = models.FloatField("经度", null=True, blank=True)
    latitude = models.FloatField("纬度", null=True, blank=True)
    active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = "预警责任人"
        verbose_name_plural = "预警责任人"

    def __str__(self) -> str:
        return self.name


class Subscriber(models.Model):
    """A member of the public who asked for warnings by SMS or app push, for a location or a region."""

    SMS, APP = "sms", "app"
    CHANNEL_CHOICES = [(SMS, _("短信")), (APP, _("App 推送"))]

    channel = models.CharField("渠道", max_length=4, choices=CHANNEL_CHOICES)
    # The phone number (SMS) or the app's push token (app); unique per channel.
    address = models.CharField("号码或推送标识", max_length=200)
    # A located subscription has coordinates; a regional one only its region. Both carry the region.
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="warning_subscribers")
    longitude = models.FloatField("经度", null=True, blank=True)
    latitude = models.FloatField("纬度", null=True, blank=True)
    # Lowest level the subscriber wants (blue: everything).
    min_level = models.CharField("最低级别", max_length=8, choices=LEVEL_CHOICES, default=BLUE)
    active = models.BooleanField("有效", default=True)
    # Lets a subscriber end the subscription from a link without an account (only its digest is kept).
    token_digest = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Every change sets it: with the row count and the highest id it tells when the table changed
    # (targeting's per-process snapshot, subscribers.py).
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    # The number is personal data: kept out of the audit log, so deleting the subscription removes it.
    audit_exclude = ("token_digest", "address")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "公众订阅"
        verbose_name_plural = "公众订阅"
        constraints = [
            models.UniqueConstraint(fields=["channel", "address"], name="subscriber_one_per_address")
        ]
        indexes = [models.Index(fields=["latitude", "longitude"], name="subscriber_location")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.address[:3]}…{self.address[-2:]}"


class SubscriptionCode(models.Model):
    """A one-time code sent by SMS to a number, to confirm that its owner subscribes, changes or ends
    a public subscription (subscriptions.py). Nothing changes until the code comes back.

    The code is kept only as an HMAC keyed with the secret key and this row's `reference` (the
    random name of the confirmation page): a copy of the database does not give it away. It expires
    after 10 minutes and allows 5 tries; the text of its SMS is blanked in the outbox once it is used,
    replaced or expired.
    """

    SUBSCRIBE, CHANGE, END = "subscribe", "change", "end"
    PURPOSE_CHOICES = [(SUBSCRIBE, _("订阅")), (CHANGE, _("更改订阅")), (END, _("退订"))]

    reference = models.CharField(max_length=32, unique=True)
    purpose = models.CharField("用途", max_length=10, choices=PURPOSE_CHOICES)
    address = models.CharField("手机号", max_length=20, db_index=True)
    # What the subscription becomes once confirmed (for an end: the subscription's own region).
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    longitude = models.FloatField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    min_level = models.CharField(max_length=8, choices=LEVEL_CHOICES, default=BLUE)
    code_digest = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    # When it stopped counting: confirmed, replaced by a newer code, or found expired by the worker.
    ended_at = models.DateTimeField(null=True, blank=True)
    confirmed = models.BooleanField(default=False)

    # Not scoped: no page or route lists codes; they belong to the public, not to a bureau.
    audit_exclude = ("address", "code_digest")

    class Meta:
        verbose_name = "订阅验证码"
        verbose_name_plural = "订阅验证码"

    def __str__(self) -> str:
        return f"{self.purpose} {self.address[:3]}****{self.address[-4:]}"


class SubscriberSnapshot(models.Model):
    """The subscribers' columns that targeting needs, stored as arrays so that a fresh process loads
    them in a fraction of a second instead of reading a million rows (subscribers.py, decision 0024).

    One row, rewritten by the worker; `read_at` is when its rows were read: changes since are read
    from the subscriber table by whoever loads it.
    """

    read_at = models.DateTimeField()
    rows = models.PositiveIntegerField()
    # The highest subscriber id in the arrays: rows above it were inserted since.
    last_id = models.BigIntegerField()
    # The layout of `data` (subscribers.FORMAT): arrays of another layout are read afresh.
    format = models.PositiveSmallIntegerField(default=1)
    data = models.BinaryField()
    stored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "订阅快照"
        verbose_name_plural = "订阅快照"

    def __str__(self) -> str:
        return f"{self.rows} subscribers read at {self.read_at:%Y-%m-%d %H:%M:%S}"


class BroadcastTerminal(models.Model):
    """An emergency-broadcast loudspeaker (村村响) at a place, heard within its audible radius."""

    code = models.CharField("终端编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="broadcast_terminals")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="broadcast_terminals"
    )
    longitude = models.FloatField("经度")
    latitude = models.FloatField("纬度")
    audible_radius_m = models.PositiveIntegerField("可闻半径（米）", default=500)
    active = models.BooleanField("在用", default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    scope_organization_field = "organization"

    class Meta:
        ordering = ["region_id", "code"]
        verbose_name = "应急广播终端"
        verbose_name_plural = "应急广播终端"

    def __str__(self) -> str:
        return self.name
