"""Subscriptions to warnings by SMS or app push, for a location or a region: the rules they share,
staff registration and management, and the unsubscribe link.

Members of the public subscribe, change or end a subscription on the public pages by confirming a
one-time SMS code (subscription_codes.py). Bureau staff register subscriptions for people who cannot
(an elderly villager's phone), with no code, and manage those of their region. Each confirmed
subscription gets an unsubscribe link, sent to its number (only the token's digest is kept).
Numbers are personal data: lists show them masked and the audit log never holds them.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from shapely.geometry import Point
from shapely.geometry import shape as shapely_shape

from yingji.core import audit, roles
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import Region, User, secret_digest
from yingji.geography import coordinates
from yingji.warnings import lifecycle
from yingji.warnings.models import Subscriber

PHONE = re.compile(r"^1[3-9]\d{9}$")
APP_TOKEN = re.compile(r"^[A-Za-z0-9_:.\-]{16,200}$")
TOKEN_PREFIX = "yju_"
MANAGER_ROLES = frozenset({roles.CITY_ADMIN, roles.COUNTY_ADMIN})
PUBLIC_ACTOR = "public"


def masked(address: str) -> str:
    """A number or token as lists show it: 138****5678."""
    if PHONE.match(address):
        return f"{address[:3]}****{address[-4:]}"
    return f"{address[:6]}…"


def may_manage(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and user.role in MANAGER_ROLES


def clean_address(channel: str, address: str) -> str:
    address = (address or "").strip().replace(" ", "")
    if channel == Subscriber.SMS:
        address = address.removeprefix("+86")
        if not PHONE.match(address):
            raise InvalidInput(
                "手机号码应为 11 位 / A mobile number has 11 digits", details={"field": "address"}
            )
    elif channel == Subscriber.APP:
        if not APP_TOKEN.match(address):
            raise InvalidInput("推送标识无效 / Invalid push token", details={"field": "address"})
    else:
        raise InvalidInput("渠道应为 sms 或 app / Channel is sms or app", details={"field": "channel"})
    return address


def _county_at(longitude: float, latitude: float) -> Region | None:
    """The county-level region whose boundary contains the point."""
    point = Point(longitude, latitude)
    for region in (
        Region.objects.filter(level="county").exclude(geometry=None).only("code", "path", "geometry")
    ):
        if shapely_shape(region.geometry).contains(point):
            return region
    return None


def place_of(
    region_code: str | None, longitude: float | None, latitude: float | None
) -> tuple[Region, float | None, float | None]:
    """The subscription's region and location: a point picks its county, a code its region."""
    coordinates.check_location(longitude, latitude)
    if longitude is not None and latitude is not None:
        county = _county_at(longitude, latitude)
        if county is None:
            raise InvalidInput(
                "该位置不在本市范围内 / The location lies outside the city", details={"field": "longitude"}
            )
        region = Region.objects.filter(code=region_code).first() if region_code else county
        if region is None or not (region.path.startswith(county.path) or county.path.startswith(region.path)):
            region = county
        return region, longitude, latitude
    if not region_code:
        raise InvalidInput("请给出位置或行政区划 / Give a location or a region", details={"field": "region"})
    region = Region.objects.filter(code=region_code).first()
    if region is None or region.level in ("province", "city"):
        raise InvalidInput(
            "请选择县、乡镇或村 / Choose a county, township or village", details={"field": "region"}
        )
    return region, None, None


def clean_level(level: str) -> str:
    if level not in lifecycle.LEVELS:
        raise InvalidInput(
            "级别应为 blue、yellow、orange 或 red / Level is blue, yellow, orange or red",
            details={"field": "min_level"},
        )
    return level


def find_by_token(token: str, *, lock: bool = False) -> Subscriber | None:
    """The subscription an unsubscribe token belongs to, or None (locked for a change with `lock`)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    found = Subscriber.objects.select_for_update() if lock else Subscriber.objects.all()
    return found.filter(token_digest=secret_digest(token)).first()


@transaction.atomic
def unsubscribe_public(token: str) -> Subscriber:
    """End the subscription whose unsubscribe token this is; NotFound for an unknown token."""
    subscriber = find_by_token(token, lock=True)
    if subscriber is None:
        raise NotFound()
    if subscriber.active:
        before = audit.snapshot(subscriber)
        subscriber.active, subscriber.updated_at = False, timezone.now()
        subscriber.save(update_fields=["active", "updated_at"])
        audit.record(
            PUBLIC_ACTOR,
            "subscriber.unsubscribed",
            subscriber,
            before=before,
            after=audit.snapshot(subscriber),
        )
    return subscriber


def require_manage(actor: User) -> None:
    if not may_manage(actor):
        raise Forbidden()


def _in_scope(actor: User, region: Region) -> Region:
    if not actor.scope.covers_region(region):
        raise NotFound(f"行政区划 {region.code} 不在您的管辖范围 / Region {region.code} is not in your scope")
    return region


@transaction.atomic
def create(
    actor: User,
    *,
    channel: str,
    address: str,
    region_code: str | None = None,
    longitude: float | None = None,
    latitude: float | None = None,
    min_level: str = "blue",
) -> Subscriber:
    """Staff register a subscription for someone in their region."""
    require_manage(actor)
    address = clean_address(channel, address)
    region, longitude, latitude = place_of(region_code, longitude, latitude)
    _in_scope(actor, region)
    if Subscriber.objects.filter(channel=channel, address=address).exists():
        raise Conflict("该号码已订阅 / This number is already subscribed", details={"field": "address"})
    subscriber = Subscriber(
        channel=channel,
        address=address,
        region=region,
        longitude=longitude,
        latitude=latitude,
        min_level=clean_level(min_level),
        created_at=timezone.now(),
    )
    subscriber.save()
    audit.record(actor, "subscriber.created", subscriber, after=audit.snapshot(subscriber))
    return subscriber


@transaction.atomic
def update(actor: User, subscriber_id: int, **changes: Any) -> Subscriber:
    """Change a subscription's level, place or whether it is active."""
    require_manage(actor)
    subscriber = Subscriber.objects.select_for_update().get_visible_or_404(actor, pk=subscriber_id)
    before = audit.snapshot(subscriber)
    if "min_level" in changes and changes["min_level"] is not None:
        subscriber.min_level = clean_level(changes["min_level"])
    if "active" in changes and changes["active"] is not None:
        subscriber.active = bool(changes["active"])
    if any(changes.get(name) is not None for name in ("region", "longitude", "latitude")):
        region, longitude, latitude = place_of(
            changes.get("region"), changes.get("longitude"), changes.get("latitude")
        )
        subscriber.region = _in_scope(actor, region)
        subscriber.longitude, subscriber.latitude = longitude, latitude
    subscriber.updated_at = timezone.now()
    subscriber.save()
    audit.record(actor, "subscriber.updated", subscriber, before=before, after=audit.snapshot(subscriber))
    return subscriber


@transaction.atomic
def delete(actor: User, subscriber_id: int) -> None:
    """Remove a subscription and its number (personal data) for good; its deliveries stay on record."""
    require_manage(actor)
    subscriber = Subscriber.objects.select_for_update().get_visible_or_404(actor, pk=subscriber_id)
    before = audit.snapshot(subscriber)
    audit.record(actor, "subscriber.deleted", subscriber, before=before, after=None)
    subscriber.delete()
