"""Operations on gateways, sites, sensors and their rules: each checks permission and scope, runs in one
transaction and audits.

An enterprise's officers keep their own gateways and sensors; county and city administrators do the
same for every enterprise and site in their scope. The per-kind default limits are the city's, the
window criteria belong to the region that issues them (a county may set its own).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from yingji.core import audit, regioncodes, roles
from yingji.core.errors import Forbidden, InvalidInput, NotFound
from yingji.core.models import Organization, User, new_secret, secret_digest
from yingji.core.services import region_in_scope, save_or_conflict, validate_model
from yingji.enterprises.models import Enterprise
from yingji.enterprises.services import may_edit as may_edit_enterprise
from yingji.geography import coordinates
from yingji.majorhazards.models import Installation, Unit
from yingji.monitoring import rules
from yingji.monitoring.models import Gateway, Sensor, SensorState, Site, ThresholdRule, WindowRule
from yingji.monitoring.sensortypes import KIND_BY_KEY, LEVEL_BY_NAME
from yingji.risks.models import RiskPoint

GATEWAY_KEY_PREFIX = "yjg_"
GATEWAY_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")
SENSOR_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
ADMINS = frozenset({roles.CITY_ADMIN, roles.COUNTY_ADMIN})
VIEW_ROLES = roles.ENTERPRISE_SUPERVISION
MAX_LIMIT = 1e9


def may_view(user: Any) -> bool:
    """Whether the user's role works with monitoring at all (what they see is still scoped)."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and user.role in VIEW_ROLES


def require_view(user: User) -> None:
    if not may_view(user):
        raise Forbidden()


def gateway_for_key(secret: str) -> Gateway | None:
    """The live gateway a presented key belongs to, or None."""
    if not secret.startswith(GATEWAY_KEY_PREFIX):
        return None
    return Gateway.objects.filter(digest=secret_digest(secret), revoked_at__isnull=True).first()


def _new_key() -> tuple[str, str, str]:
    secret, digest = new_secret(GATEWAY_KEY_PREFIX)
    return secret, digest, secret[:12]


# Gateways ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedGateway:
    """A gateway and its key, which is shown this once and never again."""

    gateway: Gateway
    key: str


def may_keep_enterprise(actor: Any, enterprise: Enterprise) -> bool:
    """Whether the user keeps an enterprise's gateways and sensors: its officers and administrators."""
    return actor.role in ADMINS or may_edit_enterprise(actor, enterprise)


def may_edit_sensor(actor: Any, sensor: Sensor) -> bool:
    """Whether the user may change a sensor and its limits: an enterprise's keepers, or admins for a site."""
    if sensor.enterprise is not None:
        return may_keep_enterprise(actor, sensor.enterprise)
    return actor.role in ADMINS


@transaction.atomic
def create_gateway(
    actor: User | None,
    *,
    name: str,
    title: str = "",
    enterprise_id: int | None = None,
    region_code: str | None = None,
    organization_id: int | None = None,
) -> IssuedGateway:
    """A gateway of an enterprise, or of a network (a hydrology station network) in a region; returns its key.

    `actor` None is the command line (`yingji gateway create`), which the server's operator runs.
    """
    name = (name or "").strip().lower()
    if not GATEWAY_NAME.match(name):
        raise InvalidInput(
            "网关标识为 2–64 位小写字母、数字、- 或 _ / "
            "The gateway name is 2–64 lowercase letters, digits, - or _",
            details={"field": "name"},
        )
    enterprise = None
    organization = None
    if enterprise_id is not None:
        enterprise = _enterprise(actor, enterprise_id)
        region, organization = enterprise.region, enterprise.organization
    elif region_code:
        if actor is not None and actor.role not in ADMINS:
            raise Forbidden()
        region = region_in_scope(actor, region_code) if actor is not None else _region(region_code)
        if organization_id is not None:
            organization = Organization.objects.filter(pk=organization_id).first()
            if organization is None:
                raise NotFound("机构不存在 / Organization not found")
    else:
        raise InvalidInput(
            "请指定企业或行政区划 / Give the enterprise or the region of the gateway",
            details={"field": "enterprise_id"},
        )
    secret, digest, hint = _new_key()
    gateway = Gateway(
        name=name,
        title=(title or "").strip() or name,
        enterprise=enterprise,
        region=region,
        organization=organization,
        digest=digest,
        hint=hint,
        created_by=actor,
    )
    validate_model(gateway, exclude=["digest"])
    save_or_conflict(gateway)
    audit.record(actor, "gateway.created", gateway, after=audit.snapshot(gateway))
    return IssuedGateway(gateway, secret)


def _enterprise(actor: User | None, enterprise_id: int) -> Enterprise:
    if actor is None:
        enterprise = Enterprise.objects.filter(pk=enterprise_id).first()
        if enterprise is None:
            raise NotFound(f"企业 {enterprise_id} 不存在 / Enterprise {enterprise_id} not found")
        return enterprise
    enterprise = Enterprise.objects.get_visible_or_404(actor, pk=enterprise_id)
    if not may_keep_enterprise(actor, enterprise):
        raise Forbidden()
    return enterprise


def _region(code: str) -> Any:
    from yingji.core.models import Region

    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound(f"行政区划 {code} 不存在 / Region {code} not found")
    return region


def _editable_gateway(actor: User | None, gateway_id: int) -> Gateway:
    """The gateway if the actor keeps it; actor None is the system (command line, demo)."""
    if actor is None:
        found = Gateway.objects.select_related("enterprise").filter(pk=gateway_id).first()
        if found is None:
            raise NotFound()
        return found
    gateway = Gateway.objects.select_related("enterprise").get_visible_or_404(actor, pk=gateway_id)
    if gateway.enterprise is not None:
        if not may_keep_enterprise(actor, gateway.enterprise):
            raise Forbidden()
    elif actor.role not in ADMINS:
        raise Forbidden()
    return gateway


@transaction.atomic
def rotate_gateway_key(actor: User | None, gateway_id: int) -> IssuedGateway:
    """A new key for a gateway (the old one stops working at once)."""
    gateway = _editable_gateway(actor, gateway_id)
    if gateway.revoked_at is not None:
        raise InvalidInput("网关已吊销 / The gateway is revoked", code="revoked")
    before = audit.snapshot(gateway)
    secret, gateway.digest, gateway.hint = _new_key()
    gateway.save(update_fields=["digest", "hint"])
    audit.record(actor, "gateway.key_rotated", gateway, before=before, after=audit.snapshot(gateway))
    return IssuedGateway(gateway, secret)


@transaction.atomic
def revoke_gateway(actor: User | None, gateway_id: int) -> Gateway:
    """Stop a gateway: its key is refused from now on; its sensors and readings stay."""
    from django.utils import timezone

    gateway = _editable_gateway(actor, gateway_id)
    if gateway.revoked_at is None:
        before = audit.snapshot(gateway)
        gateway.revoked_at = timezone.now()
        gateway.save(update_fields=["revoked_at"])
        audit.record(actor, "gateway.revoked", gateway, before=before, after=audit.snapshot(gateway))
    return gateway


# Sites ------------------------------------------------------------------------------------------


@transaction.atomic
def create_site(
    actor: User | None, *, code: str, name: str, kind: str, region_code: str, **fields: Any
) -> Site:
    """A natural-hazard monitoring site; administrators (or the command line and the demo, actor None)."""
    if actor is not None and actor.role not in ADMINS:
        raise Forbidden()
    site = Site(
        code=(code or "").strip(),
        name=(name or "").strip(),
        kind=kind,
        region=region_in_scope(actor, region_code) if actor is not None else _region(region_code),
        longitude=fields.get("longitude"),
        latitude=fields.get("latitude"),
        organization_id=fields.get("organization_id"),
    )
    coordinates.check_location(site.longitude, site.latitude)
    validate_model(site)
    save_or_conflict(site)
    audit.record(actor, "monitoring_site.created", site, after=audit.snapshot(site))
    return site


# Sensors ----------------------------------------------------------------------------------------

SENSOR_FIELDS = ("name", "location", "longitude", "latitude", "offline_after_s", "active")


@transaction.atomic
def create_sensor(
    actor: User | None,
    *,
    code: str,
    name: str,
    kind: str,
    gateway_id: int,
    enterprise_id: int | None = None,
    installation_id: int | None = None,
    hazard_unit_id: int | None = None,
    risk_point_id: int | None = None,
    site_id: int | None = None,
    **fields: Any,
) -> Sensor:
    """Register a sensor on a monitored object, reporting through a gateway of the same owner."""
    code = (code or "").strip()
    if not SENSOR_CODE.match(code):
        raise InvalidInput(
            "传感器编码为 1–64 位字母、数字或 _ . : - / The sensor code is 1–64 letters, digits, _ . : or -",
            details={"field": "code"},
        )
    if kind not in KIND_BY_KEY:
        raise InvalidInput(f"未知传感器类型 {kind} / Unknown sensor kind", details={"field": "kind"})
    gateway = _visible(actor, Gateway.objects.select_related("enterprise"), gateway_id, "gateway_id")
    sensor = Sensor(
        code=code, name=(name or "").strip(), kind=kind, unit=KIND_BY_KEY[kind].unit, gateway=gateway
    )
    for field in SENSOR_FIELDS:
        if fields.get(field) is not None:
            setattr(sensor, field, fields[field])
    coordinates.check_location(sensor.longitude, sensor.latitude)
    if site_id is not None:
        if enterprise_id or installation_id or hazard_unit_id or risk_point_id:
            raise InvalidInput(
                "传感器只能属于企业或监测站点之一 / A sensor watches an enterprise or a site, not both",
                details={"field": "site_id"},
            )
        site = _visible(actor, Site.objects.select_related("region"), site_id, "site_id")
        if actor is not None and actor.role not in ADMINS:
            raise Forbidden()
        sensor.site, sensor.region, sensor.organization_id = site, site.region, site.organization_id
        sensor.longitude = sensor.longitude if sensor.longitude is not None else site.longitude
        sensor.latitude = sensor.latitude if sensor.latitude is not None else site.latitude
    else:
        _attach_to_enterprise(actor, sensor, enterprise_id, installation_id, hazard_unit_id, risk_point_id)
    if gateway.enterprise_id is not None and gateway.enterprise_id != sensor.enterprise_id:
        raise InvalidInput(
            "网关属于其他企业 / The gateway belongs to another enterprise", details={"field": "gateway_id"}
        )
    validate_model(sensor)
    save_or_conflict(sensor)
    SensorState.objects.create(sensor=sensor)
    audit.record(actor, "sensor.created", sensor, after=audit.snapshot(sensor))
    return sensor


def _visible(actor: User | None, queryset: Any, pk: int, field: str) -> Any:
    try:
        if actor is None:
            return queryset.get(pk=pk)
        return queryset.get_visible_or_404(actor, pk=pk)
    except (NotFound, queryset.model.DoesNotExist):
        raise InvalidInput(
            f"{field} {pk} 不存在或不在您的管辖范围 / {field} {pk} not found in your scope",
            details={"field": field},
        ) from None


def _attach_to_enterprise(
    actor: User | None,
    sensor: Sensor,
    enterprise_id: int | None,
    installation_id: int | None,
    hazard_unit_id: int | None,
    risk_point_id: int | None,
) -> None:
    """Set the monitored enterprise (and installation, unit or risk point), each checked against the rest."""
    if hazard_unit_id is not None:
        unit = _visible(actor, Unit.objects.select_related("installation"), hazard_unit_id, "hazard_unit_id")
        sensor.hazard_unit = unit
        installation_id = installation_id or unit.installation_id
        if unit.installation_id != installation_id:
            raise InvalidInput(
                "单元不属于该危险源 / The unit is not of that installation",
                details={"field": "hazard_unit_id"},
            )
    if installation_id is not None:
        installation = _visible(actor, Installation.objects, installation_id, "installation_id")
        sensor.installation = installation
        enterprise_id = enterprise_id or installation.enterprise_id
        if installation.enterprise_id != enterprise_id:
            raise InvalidInput(
                "危险源不属于该企业 / The installation is not of that enterprise",
                details={"field": "installation_id"},
            )
    if risk_point_id is not None:
        point = _visible(actor, RiskPoint.objects, risk_point_id, "risk_point_id")
        sensor.risk_point = point
        enterprise_id = enterprise_id or point.enterprise_id
        if point.enterprise_id != enterprise_id:
            raise InvalidInput(
                "风险点不属于该企业 / The risk point is not of that enterprise",
                details={"field": "risk_point_id"},
            )
    if enterprise_id is None:
        raise InvalidInput(
            "请指定被监测的企业、危险源、风险点或站点 / "
            "Give the monitored enterprise, installation, risk point or site",
            details={"field": "enterprise_id"},
        )
    enterprise = _visible(actor, Enterprise.objects.select_related("region"), enterprise_id, "enterprise_id")
    if actor is not None and not may_keep_enterprise(actor, enterprise):
        raise Forbidden()
    sensor.enterprise, sensor.region, sensor.organization_id = (
        enterprise,
        enterprise.region,
        enterprise.organization_id,
    )
    if sensor.longitude is None and sensor.latitude is None:
        sensor.longitude, sensor.latitude = enterprise.longitude, enterprise.latitude


def _editable_sensor(actor: User | None, sensor_id: int) -> Sensor:
    """The sensor if the actor may change it; actor None is the system (command line, demo)."""
    if actor is None:
        found = Sensor.objects.select_related("enterprise", "region").filter(pk=sensor_id).first()
        if found is None:
            raise NotFound()
        return found
    sensor = Sensor.objects.select_related("enterprise", "region").get_visible_or_404(actor, pk=sensor_id)
    if not may_edit_sensor(actor, sensor):
        raise Forbidden()
    return sensor


@transaction.atomic
def update_sensor(actor: User, sensor_id: int, **changes: Any) -> Sensor:
    sensor = _editable_sensor(actor, sensor_id)
    before = audit.snapshot(sensor)
    for field in SENSOR_FIELDS:
        if field in changes and (
            changes[field] is not None or field in ("longitude", "latitude", "offline_after_s")
        ):
            setattr(sensor, field, changes[field])
    coordinates.check_location(sensor.longitude, sensor.latitude)
    sensor.name = sensor.name.strip()
    validate_model(sensor)
    sensor.save()
    audit.record(actor, "sensor.updated", sensor, before=before, after=audit.snapshot(sensor))
    return sensor


# Limits -----------------------------------------------------------------------------------------


def _limits(high: list[float | None], low: list[float | None]) -> dict[str, float | None]:
    """The eight limit fields from two lists of four, checked to rise (high) and fall (low) with the level."""
    if len(high) != 4 or len(low) != 4:
        raise InvalidInput("上下限各需四级（蓝黄橙红）/ Give four high and four low limits (blue…red)")
    for name, values, rising in (("high", high, True), ("low", low, False)):
        given = [v for v in values if v is not None]
        if any(not -MAX_LIMIT < v < MAX_LIMIT for v in given):
            raise InvalidInput(f"{name} 超出范围 / {name} out of range", details={"field": name})
        if given != sorted(given, reverse=not rising) or len(set(given)) != len(given):
            raise InvalidInput(
                "上限须随级别升高、下限须随级别降低 / "
                "High limits must rise and low limits fall from blue to red",
                details={"field": name},
            )
    if high[0] is not None and low[0] is not None and low[0] >= high[0]:
        raise InvalidInput(
            "下限须低于上限 / Low limits must lie below the high limits", details={"field": "low"}
        )
    return dict(zip(ThresholdRule.HIGH_FIELDS + ThresholdRule.LOW_FIELDS, high + low, strict=True))


@transaction.atomic
def set_sensor_thresholds(
    actor: User | None,
    sensor_id: int,
    *,
    high: list[float | None],
    low: list[float | None],
    rate_per_minute: float | None = None,
    rate_level: str = "yellow",
) -> ThresholdRule:
    """Give a sensor its own limits (replacing its kind's default for it)."""
    sensor = _editable_sensor(actor, sensor_id)
    rule = ThresholdRule.objects.filter(sensor=sensor).first() or ThresholdRule(sensor=sensor)
    limits = (high, low, rate_per_minute, rate_level)
    return _save_limits(actor, "sensor.thresholds_set", rule, sensor.region, *limits)


@transaction.atomic
def clear_sensor_thresholds(actor: User, sensor_id: int) -> None:
    """Drop a sensor's own limits: its kind's default applies again."""
    sensor = _editable_sensor(actor, sensor_id)
    rule = ThresholdRule.objects.filter(sensor=sensor).first()
    if rule is not None:
        audit.record(
            actor, "sensor.thresholds_cleared", rule, before=audit.snapshot(rule), region=sensor.region
        )
        rule.delete()


@transaction.atomic
def set_kind_default(
    actor: User,
    kind: str,
    *,
    high: list[float | None],
    low: list[float | None],
    rate_per_minute: float | None = None,
    rate_level: str = "yellow",
) -> ThresholdRule:
    """The city's default limits for every sensor of a kind without limits of its own."""
    if actor.role != roles.CITY_ADMIN:
        raise Forbidden()
    if kind not in KIND_BY_KEY:
        raise NotFound(f"未知传感器类型 {kind} / Unknown sensor kind")
    rule = ThresholdRule.objects.filter(sensor__isnull=True, kind=kind).first() or ThresholdRule(kind=kind)
    limits = (high, low, rate_per_minute, rate_level)
    return _save_limits(actor, "threshold_default.set", rule, actor.region, *limits)


def _save_limits(
    actor: User | None,
    action: str,
    rule: ThresholdRule,
    region: Any,
    high: list[float | None],
    low: list[float | None],
    rate: float | None,
    rate_level: str,
) -> ThresholdRule:
    """Check and store a rule's limits (new or changed) and audit it."""
    before = audit.snapshot(rule) if rule.pk else None
    _apply_limits(rule, high, low, rate, rate_level)
    rule.save()
    audit.record(actor, action, rule, before=before, after=audit.snapshot(rule), region=region)
    return rule


def _apply_limits(
    rule: ThresholdRule,
    high: list[float | None],
    low: list[float | None],
    rate: float | None,
    rate_level: str,
) -> None:
    for field, value in _limits(high, low).items():
        setattr(rule, field, value)
    if rate is not None and not 0 < rate < MAX_LIMIT:
        raise InvalidInput(
            "速率上限须为正数 / The rate limit must be positive", details={"field": "rate_per_minute"}
        )
    if rate_level not in LEVEL_BY_NAME or LEVEL_BY_NAME[rate_level] == 0:
        raise InvalidInput("速率报警级别无效 / Unknown rate level", details={"field": "rate_level"})
    rule.rate_per_minute, rule.rate_level = rate, LEVEL_BY_NAME[rate_level]


def effective_limits(sensor: Sensor) -> tuple[str, tuple[float | None, ...]]:
    """Where a sensor's limits come from ("sensor", "kind" or "default") and the ten values."""
    own = ThresholdRule.objects.filter(sensor_id=sensor.pk).first() if sensor.pk else None
    if own is not None:
        return "sensor", _row(own)
    default = ThresholdRule.objects.filter(sensor__isnull=True, kind=sensor.kind).first()
    if default is not None:
        return "kind", _row(default)
    return "default", rules.kind_default_row(sensor.kind)


def _row(rule: ThresholdRule) -> tuple[float | None, ...]:
    return (
        *(getattr(rule, f) for f in ThresholdRule.HIGH_FIELDS + ThresholdRule.LOW_FIELDS),
        rule.rate_per_minute,
        rule.rate_level,
    )


# Window criteria --------------------------------------------------------------------------------


@transaction.atomic
def set_window_rules(
    actor: User, region_code: str, kind: str, aggregate: str, criteria: list[dict[str, Any]]
) -> list[WindowRule]:
    """Replace a region's window criteria for a kind (an empty list falls back to the region above)."""
    if actor.role not in ADMINS:
        raise Forbidden()
    region = region_in_scope(actor, region_code)
    if region.level not in (regioncodes.CITY, regioncodes.COUNTY, regioncodes.PROVINCE):
        raise InvalidInput(
            "时段规则由市或县发布 / Window criteria are issued by a city or county",
            details={"field": "region"},
        )
    if kind not in KIND_BY_KEY:
        raise InvalidInput(f"未知传感器类型 {kind} / Unknown sensor kind", details={"field": "kind"})
    if aggregate not in (WindowRule.SUM, WindowRule.MEAN):
        raise InvalidInput(
            "统计方式为 sum 或 mean / aggregate is sum or mean", details={"field": "aggregate"}
        )
    from yingji.monitoring import rainsignal

    try:
        parsed = rainsignal.criteria_from_rows((c["level"], c["window_h"], c["threshold"]) for c in criteria)
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidInput(
            f"时段规则无效 / Invalid window criteria: {error}", details={"field": "criteria"}
        ) from None
    keys = [(c.level, c.window_h) for c in parsed]
    if len(set(keys)) != len(keys):
        raise InvalidInput(
            "同一级别同一时段重复 / A level and window appear twice", details={"field": "criteria"}
        )
    existing = WindowRule.objects.filter(region=region, kind=kind)
    before = [audit.snapshot(rule) for rule in existing]
    existing.delete()
    created = [
        WindowRule.objects.create(
            region=region,
            kind=kind,
            aggregate=aggregate,
            window_h=c.window_h,
            level=LEVEL_BY_NAME[c.level],
            threshold=c.threshold_mm,
        )
        for c in parsed
    ]
    audit.record(
        actor,
        "window_rules.set",
        region,
        before={"kind": kind, "rules": before},
        after={"kind": kind, "rules": [audit.snapshot(rule) for rule in created]},
    )
    return created
