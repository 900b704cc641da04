"""Core models shared by every domain: regions, organizations, users, credentials and the audit log."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import connection, models
from django.utils import timezone

from yingji.core import regioncodes, roles
from yingji.core.plainrows import RowReader
from yingji.core.scoping import Scope, ScopedQuerySet, scope_for


class Region(models.Model):
    """An administrative division (GB/T 2260 code) from province down to village."""

    LEVEL_CHOICES = [(level, regioncodes.LEVEL_LABELS[level]) for level in regioncodes.LEVELS]

    code = models.CharField("代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("级别", max_length=10, choices=LEVEL_CHOICES, db_index=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # Codes from the top down, e.g. "140000/140900/140902/"; a prefix test finds everything inside.
    path = models.CharField("路径", max_length=120, unique=True)
    population = models.PositiveIntegerField("常住人口", default=0)
    population_is_estimate = models.BooleanField("人口为估算值", default=False)
    area_km2 = models.FloatField("面积（平方公里）", default=0)
    # GeoJSON geometry in WGS84 longitude/latitude; empty where no boundary is known.
    geometry = models.JSONField("边界", null=True, blank=True)
    centroid_lon = models.FloatField(null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"

    def __str__(self) -> str:
        return self.name

    def contains(self, other: Region) -> bool:
        """Whether `other` is this region or lies inside it."""
        return other.path.startswith(self.path)

    def ancestor_at(self, level: str) -> Region | None:
        """The region of `level` this one lies in (itself if it is of that level), from its path."""
        codes = [
            code
            for code in regioncodes.codes_in_path(self.path)
            if regioncodes.is_valid_code(code) and regioncodes.level_of(code) == level
        ]
        if not codes:
            return None
        return self if codes[-1] == self.code else Region.objects.filter(code=codes[-1]).first()

    def ancestors(self) -> models.QuerySet[Region]:
        """The regions above this one, in one query."""
        return Region.objects.filter(code__in=regioncodes.codes_in_path(self.path)[:-1]).order_by("path")

    def descendants(self) -> models.QuerySet[Region]:
        """Every region inside this one, in one indexed prefix query on the path."""
        return Region.objects.filter(path__startswith=self.path).exclude(code=self.code)


class Organization(models.Model):
    """A bureau, department, enterprise or team that users and records belong to."""

    BUREAU = "bureau"
    DEPARTMENT = "department"
    ENTERPRISE = "enterprise"
    TEAM = "team"
    KIND_CHOICES = [
        (BUREAU, "应急管理部门"),
        (DEPARTMENT, "行业部门"),
        (ENTERPRISE, "企业"),
        (TEAM, "救援队伍"),
    ]
    SECTOR_CHOICES = [
        ("emergency", "应急管理"),
        ("housing", "住房城乡建设"),
        ("transport", "交通运输"),
        ("water", "水利"),
        ("meteorology", "气象"),
        ("natural_resources", "自然资源"),
        ("forestry", "林业和草原"),
        ("fire_rescue", "消防救援"),
        ("mining", "矿山"),
        ("hazardous_chemicals", "危险化学品"),
        ("industry_trade", "工贸"),
        ("other", "其他"),
    ]

    name = models.CharField("名称", max_length=128)
    kind = models.CharField("类型", max_length=16, choices=KIND_CHOICES)
    sector = models.CharField("行业领域", max_length=32, blank=True, choices=SECTOR_CHOICES)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organizations")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="units")
    phone = models.CharField("联系电话", max_length=32, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    scope_organization_field = "id"
    # Department staff see the enterprises of their sector's industries; other kinds belong to no sector.
    scope_sector_fields = {"industry": "enterprise__industry"}
    scope_sector_unbound = {"kind__in": [BUREAU, DEPARTMENT, TEAM]}

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = "单位"
        verbose_name_plural = "单位"
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="organization_unique_name_in_region")
        ]

    def __str__(self) -> str:
        return self.name


class UserQuerySet(ScopedQuerySet):
    pass


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A person who signs in: a role, the region they work in and, optionally, their organization."""

    role = models.CharField("角色", max_length=24, choices=roles.ROLE_CHOICES)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="users")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    full_name = models.CharField("姓名", max_length=64, blank=True)
    phone = models.CharField("手机", max_length=32, blank=True)
    # Set by an administrator's password reset: nothing but changing the password works until it is.
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)

    objects: ClassVar[ScopedUserManager] = ScopedUserManager()
    scope_region_field = "region"
    scope_organization_field = "organization"
    audit_exclude = ("password", "last_login")

    REQUIRED_FIELDS: ClassVar[list[str]] = ["email", "role", "region"]

    class Meta:
        ordering = ["username"]
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def role_label(self) -> str:
        return roles.ROLE_LABELS.get(self.role, self.role)

    def has_role_permission(self, permission: str) -> bool:
        return self.is_active and roles.has_permission(self.role, permission)

    @property
    def is_machine(self) -> bool:
        """A machine account (an integration): API keys only, never a password or a page."""
        return roles.is_machine(self.role)

    @property
    def scope(self) -> Scope:
        return scope_for(self)


def secret_digest(secret: str) -> str:
    """What is stored of a bearer secret (API token, API key, gateway key): its SHA-256, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(prefix: str) -> tuple[str, str]:
    """A fresh secret with a recognisable prefix, to show once, and the digest to store."""
    secret = prefix + secrets.token_urlsafe(32)
    return secret, secret_digest(secret)


class Credential(models.Model):
    """A bearer secret: a user's API token or a machine API key; only its SHA-256 is stored."""

    TOKEN = "token"
    API_KEY = "api_key"
    KIND_CHOICES = [(TOKEN, "登录令牌"), (API_KEY, "机器密钥")]
    PREFIXES = {TOKEN: "yjt_", API_KEY: "yjk_"}

    kind = models.CharField(max_length=8, choices=KIND_CHOICES)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="credentials")
    name = models.CharField("名称", max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField("前缀", max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    scope_region_field = "user__region"
    scope_organization_field = "user__organization"
    objects = ScopedQuerySet.as_manager()
    audit_exclude = ("digest", "last_used_at")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.hint}… ({self.user_id})"

    @classmethod
    def new_secret(cls, kind: str) -> tuple[str, str]:
        """A fresh secret to show once, and the digest to store."""
        return new_secret(cls.PREFIXES[kind])

    @classmethod
    def find_active(cls, secret: str) -> Credential | None:
        """The live credential for a presented secret, with its user and the user's region (without
        the boundary) attached, or None.

        Plain SQL through `RowReader`s: every API request runs it, and building the query through the
        ORM cost ten times what the query does (core/plainrows.py).
        """
        credential, user, region = _CREDENTIAL_ROWS
        sql = _ACTIVE_CREDENTIAL_SQL.get(connection.vendor)
        if sql is None:  # built once per process (and database vendor), not per request
            sql = _ACTIVE_CREDENTIAL_SQL[connection.vendor] = (
                f"SELECT {credential.columns()}, {user.columns()}, {region.columns()} "
                f"FROM {credential.table()} JOIN {user.table()} ON u.id = c.user_id "
                f"JOIN {region.table()} ON r.code = u.region_id "
                "WHERE c.digest = %s AND c.revoked_at IS NULL AND u.is_active = %s"
            )
        with connection.cursor() as cursor:
            cursor.execute(sql, [secret_digest(secret), True])
            row = cursor.fetchone()
        if row is None:
            return None
        found = credential.instance(row)
        if found.expires_at is not None and found.expires_at <= timezone.now():
            return None
        person = user.instance(row, credential.width)
        User.region.field.set_cached_value(person, region.instance(row, credential.width + user.width))
        Credential.user.field.set_cached_value(found, person)
        if found.kind == cls.API_KEY and not found.user.is_machine:
            # A key issued to a person's account before keys were kept for machine accounts: it would
            # act as that person without their password, so it opens nothing (docs/security.md).
            return None
        return found


# The columns `Credential.find_active` reads: the credential, its user, the user's region but its boundary.
_CREDENTIAL_ROWS = (
    RowReader(Credential, "c"),
    RowReader(User, "u"),
    RowReader(Region, "r", leave_out=("geometry",)),
)
_ACTIVE_CREDENTIAL_SQL: dict[str, str] = {}


class LoginAttempt(models.Model):
    """One sign-in attempt, kept to rate-limit guessing across every web and API process.

    The row is written (and committed) before the password is checked, as `pending`, so that
    attempts running in parallel count each other; it then becomes `succeeded`, `failed` or
    `refused` (over a limit, the password never checked). See core/authentication.py.
    """

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUSED = "refused"
    OUTCOME_CHOICES = [(PENDING, "检查中"), (SUCCEEDED, "成功"), (FAILED, "失败"), (REFUSED, "已拒绝")]
    # What counts against a limit: failures, and attempts whose password is being checked right now.
    COUNTED = (PENDING, FAILED)

    username = models.CharField(max_length=150, db_index=True)
    client_address = models.CharField(max_length=64, db_index=True)
    # Whether an account of that username existed: unknown usernames have a bound of their own.
    known_username = models.BooleanField(default=True)
    outcome = models.CharField(max_length=10, choices=OUTCOME_CHOICES, default=PENDING)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["client_address", "at"], name="login_attempt_address_at")]

    def __str__(self) -> str:
        return f"{self.username} {self.outcome} {self.at:%Y-%m-%d %H:%M}"


class AuditEntry(models.Model):
    """One change of state: who, when, what, before and after, chained to the entry before it by hash."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_label = models.CharField(max_length=200, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region"
    scope_organization_field = None

    class Meta:
        ordering = ["-id"]
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}#{self.object_id}"

    def hashed_fields(self) -> dict[str, Any]:
        """The values the entry's hash covers, in a stable form."""
        return audit_hashed_fields(self)


def audit_hashed_fields(entry: Any) -> dict[str, Any]:
    """What an audit entry's hash covers, from anything with its attributes (an `AuditEntry`, or the
    historical model a migration works with)."""
    return {
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_label": entry.object_label,
        "region_code": entry.region_id,
        "before": entry.before,
        "after": entry.after,
        "previous_hash": entry.previous_hash,
    }


class AuditChainHead(models.Model):
    """A single row holding the newest entry's hash; locking it serializes writers of the chain."""

    last_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.last_hash


class Deadline(models.Model):
    """Something that must happen at a time: an escalation, an expiry, a reminder.

    Deadlines are data, not timers: `yingji worker` (or `yingji run-due --now`) runs each due row's
    handler exactly once, in the same transaction that marks the row done.
    """

    PENDING = "pending"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"
    STATUS_CHOICES = [(PENDING, "待执行"), (DONE, "已执行"), (CANCELLED, "已取消"), (FAILED, "失败")]

    kind = models.CharField(max_length=64, db_index=True)  # the registered handler's name
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    # At most one live deadline per (kind, object, key): rescheduling replaces, never duplicates.
    key = models.CharField(max_length=64, blank=True)
    due_at = models.DateTimeField(db_index=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"], name="deadline_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_type", "object_id", "key"],
                condition=models.Q(status="pending"),
                name="deadline_one_pending_per_object",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_type}#{self.object_id} @ {self.due_at:%Y-%m-%d %H:%M}"


class NotificationQuerySet(ScopedQuerySet):
    """The inbox's three parts: what still asks for action, what is for information, what was done."""

    def inbox_of(self, user: Any) -> NotificationQuerySet:
        return self.filter(recipient=user, channel="inbox")

    def todo(self) -> NotificationQuerySet:
        return self.exclude(task="").filter(done_at__isnull=True)

    def information(self) -> NotificationQuerySet:
        return self.filter(task="")

    def done(self) -> NotificationQuerySet:
        return self.exclude(task="").filter(done_at__isnull=False)


class Notification(models.Model):
    """A message to one user, written in the transaction of the change it reports (the outbox).

    The worker delivers it on its channel; the in-app inbox is always one, and later channels
    (SMS, e-mail) register their own senders. A crash between write and delivery loses nothing.

    A message that asks for an action (approve this warning, accept this hazard) is a to-do: it names
    its `task`, and is done (`done_at`) when the action is taken, by the recipient or anyone else, or
    can no longer be taken; the service that changes the object's state says so (`jobs.tasks_done`).
    Every other message is for information.
    """

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    STATUS_CHOICES = [(PENDING, "待发送"), (SENT, "已送达"), (FAILED, "发送失败")]

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=16, default="inbox")
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=200, blank=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the worker may (re)try: the creation time, then later after each failed attempt.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # The action a to-do asks for ("warnings.approve"), blank for information; see the class docstring.
    task = models.CharField(max_length=48, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()
    scope_region_field = "region"
    scope_organization_field = "recipient__organization"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_outbox"),
            models.Index(fields=["recipient", "read_at"], name="notification_inbox"),
            models.Index(fields=["object_type", "object_id", "task"], name="notification_about"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.subject}"

    @property
    def is_todo(self) -> bool:
        """Whether this still asks the recipient to act."""
        return bool(self.task) and self.done_at is None


class CacheStamp(models.Model):
    """A kind of shared data and a token renewed in the same transaction as every change to it.

    Caches in every process key their entries on the token (`core/caching.py`), so an entry made
    before the change is never found again after it.
    """

    key = models.CharField(max_length=64, primary_key=True)
    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.key} {self.token}"


class RateCounter(models.Model):
    """How many requests of one kind came from one key (a phone number, a client address) in one window.

    Written by core/ratelimit.py; the key is kept only as a keyed digest, so the table holds no
    numbers or addresses. Counters of windows long past are deleted by the worker.
    """

    kind = models.CharField(max_length=48)
    key_digest = models.CharField(max_length=64)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key_digest", "window_start"], name="rate_counter_one_per_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key_digest[:8]} {self.window_start:%Y-%m-%d %H:%M} ×{self.count}"
