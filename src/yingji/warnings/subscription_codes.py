"""Public subscriptions confirmed by a one-time SMS code: nothing changes until the number answers.

The outside tester took over subscriptions by subscribing a known number again (its level changed
and a new unsubscribe link came out on his screen) and registered 500 numbers from one client in
21 seconds. So, on the public pages:

1. A visitor asks to subscribe (or change, or end) for a number: `request_subscription` /
   `request_end`. Each request is counted per number and per client address in the database
   (core/ratelimit.py; 429 `rate_limited` past the limits, which are settings). A `SubscriptionCode`
   row keeps what was asked and a 6-digit code, which goes to the number as an SMS through the
   shared outbox. An earlier code of the number stops counting. Whether the number is subscribed
   is never revealed: the answer is the same either way (an end for a number that is not
   subscribed sends nothing).
2. The visitor types the code on the confirmation page (`confirm`): it must come back within
   10 minutes and within 5 tries, from a client under its own limit of tries. Only then is the
   subscription created, changed or ended, audited (with the number masked), and an SMS tells the
   number what happened and, for a subscription, carries its unsubscribe link.

The unsubscribe link in that SMS ends the subscription without a code (subscriptions.py), as a
message sent to the number proves as much as a code. Staff register subscriptions without a code.
The worker ends codes that expired unused and blanks their SMS in the outbox (`subscription_codes`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from yingji.core import audit, jobs, ratelimit, regioncodes
from yingji.core.errors import Conflict, InvalidInput, NotFound
from yingji.core.models import Region, new_secret
from yingji.core.services import save_or_conflict
from yingji.messaging import outbox
from yingji.warnings.models import LEVEL_CHOICES, Subscriber, SubscriptionCode
from yingji.warnings.subscriptions import (
    PUBLIC_ACTOR,
    TOKEN_PREFIX,
    clean_address,
    clean_level,
    masked,
    place_of,
)
from yingji.warnings.texts import sms_signature

CODE_LIFETIME = timedelta(minutes=10)
CODE_TRIES = 5
CODE_DIGITS = 6
RECIPIENT_KIND = "sub_code"  # the outbox's name for a code's recipient (a SubscriptionCode row)
REDACTED = "（验证码短信，内容已删除 / one-time code, text removed）"
KEPT = timedelta(days=30)  # ended codes (and the numbers in them) are deleted after this
LEVEL_LABELS = {level: str(label) for level, label in LEVEL_CHOICES}
RATE_MESSAGE = (
    "请求过于频繁：每 {minutes} 分钟最多 {limit} 次，请稍后再试 / "
    "Too many requests: at most {limit} every {minutes} minutes; try again later"
)
NO_TRIES_LEFT = "验证码不正确，尝试次数已用完，请重新获取 / Wrong code, and no tries left: ask for a new one"


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def window() -> int:
    """The rate limits' window in seconds (WARNINGS_SUBSCRIBE_WINDOW_SECONDS, an hour)."""
    return _limit("WARNINGS_SUBSCRIBE_WINDOW_SECONDS", 3600)


def _count(kind: str, key: str, limit: int, now: datetime) -> None:
    minutes = max(1, window() // 60)
    ratelimit.hit(
        f"warnings.{kind}",
        key,
        limit=limit,
        window=window(),
        message=RATE_MESSAGE.format(minutes=minutes, limit=limit),
        now=now,
    )


def _count_request(address: str, client: str, now: datetime) -> None:
    """A code request, counted for the number and for the client address (429 past either limit)."""
    _count("code_requests.client", client, _limit("WARNINGS_SUBSCRIBE_REQUESTS_PER_CLIENT", 20), now)
    _count("code_requests.number", address, _limit("WARNINGS_SUBSCRIBE_CODES_PER_NUMBER", 5), now)


def _digest(reference: str, code: str) -> str:
    secret = str(settings.SECRET_KEY).encode()
    return hmac.new(secret, f"{reference}:{code}".encode(), hashlib.sha256).hexdigest()


def _city() -> Region:
    return Region.objects.filter(level=regioncodes.CITY).order_by("code").first() or Region.objects.get(
        level=regioncodes.PROVINCE
    )


def _end_earlier_codes(address: str, now: datetime) -> None:
    """A newer code replaces the number's earlier ones: they stop counting and their SMS is blanked."""
    for earlier in SubscriptionCode.objects.select_for_update().filter(
        address=address, ended_at__isnull=True
    ):
        earlier.ended_at = now
        earlier.save(update_fields=["ended_at"])
        outbox.withdraw(earlier, "replaced by a newer code")
        outbox.redact(earlier, REDACTED)


@transaction.atomic
def _new_code(
    purpose: str, address: str, region: Region, now: datetime, **wanted: object
) -> SubscriptionCode:
    _end_earlier_codes(address, now)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    pending = SubscriptionCode(
        reference=secrets.token_urlsafe(16),
        purpose=purpose,
        address=address,
        region=region,
        expires_at=now + CODE_LIFETIME,
        created_at=now,
        **wanted,
    )
    pending.code_digest = _digest(pending.reference, code)
    pending.save()
    after = audit.snapshot(pending) | {"number": masked(address)}
    audit.record(PUBLIC_ACTOR, "subscription_code.requested", pending, after=after)
    if purpose != SubscriptionCode.END or _subscription(address) is not None:
        action = {
            SubscriptionCode.SUBSCRIBE: "订阅",
            SubscriptionCode.CHANGE: "更改",
            SubscriptionCode.END: "退订",
        }
        city = region.ancestor_at("city") or region
        minutes = CODE_LIFETIME.seconds // 60
        text = (
            f"【{sms_signature(region)}】验证码 {code}，{minutes} 分钟内有效，"
            f"用于{action[purpose]}{city.name}预警短信。如非本人操作，请忽略本短信。"
        )
        recipient = outbox.Recipient(RECIPIENT_KIND, pending.pk, address, region.code)
        outbox.queue(
            recipient, Subscriber.SMS, text, about=pending, key=f"subscription-code:{pending.pk}", now=now
        )
    return pending


def _subscription(address: str) -> Subscriber | None:
    """The number's active subscription, if it has one."""
    return Subscriber.objects.filter(channel=Subscriber.SMS, address=address, active=True).first()


def request_subscription(
    address: str,
    *,
    region_code: str | None = None,
    longitude: float | None = None,
    latitude: float | None = None,
    min_level: str = "blue",
    client: str,
    now: datetime | None = None,
) -> SubscriptionCode:
    """Ask to subscribe a number (or change its subscription); a code goes to it, nothing else changes.

    400 for a bad number, place or level (nothing counted or sent); 429 past the rate limits.
    """
    now = now or timezone.now()
    address = clean_address(Subscriber.SMS, address)
    region, longitude, latitude = place_of(region_code, longitude, latitude)
    min_level = clean_level(min_level)
    _count_request(address, client, now)
    purpose = SubscriptionCode.CHANGE if _subscription(address) else SubscriptionCode.SUBSCRIBE
    return _new_code(
        purpose, address, region, now, longitude=longitude, latitude=latitude, min_level=min_level
    )


def request_end(address: str, *, client: str, now: datetime | None = None) -> SubscriptionCode:
    """Ask to end a number's subscription; a code goes to it if it has one (the answer is the same)."""
    now = now or timezone.now()
    address = clean_address(Subscriber.SMS, address)
    _count_request(address, client, now)
    current = _subscription(address)
    return _new_code(SubscriptionCode.END, address, current.region if current else _city(), now)


def pending(reference: str) -> SubscriptionCode | None:
    """The code request a confirmation page stands for, or None."""
    return SubscriptionCode.objects.select_related("region").filter(reference=reference[:32]).first()


def _usable(found: SubscriptionCode, now: datetime) -> None:
    if found.confirmed:
        raise Conflict("该验证码已使用 / This code was already used", code="code_used")
    if found.ended_at is not None or found.expires_at <= now or found.attempts >= CODE_TRIES:
        raise Conflict(
            "验证码已失效，请重新获取 / The code is no longer valid: ask for a new one", code="code_expired"
        )


def confirm(
    reference: str, code: str, *, client: str, site: str, now: datetime | None = None
) -> SubscriptionCode:
    """Check the code typed for a request and, if it is right, carry the request out.

    A wrong code uses one of the 5 tries (400 `wrong_code`, saying how many are left); an expired,
    exhausted or used code is a 409; a client past its limit of tries a 429. `site` is the base of
    the unsubscribe link sent to the number (SITE_URL, or the request's own host).
    """
    now = now or timezone.now()
    _count("code_checks.client", client, _limit("WARNINGS_SUBSCRIBE_CHECKS_PER_CLIENT", 50), now)
    wrong: InvalidInput | None = None
    with transaction.atomic():
        found = (
            SubscriptionCode.objects.select_for_update()
            .select_related("region")
            .filter(reference=reference[:32])
            .first()
        )
        if found is None:
            raise NotFound()
        _usable(found, now)
        found.attempts += 1
        typed = "".join((code or "").split())[: CODE_DIGITS + 2]
        if not hmac.compare_digest(_digest(found.reference, typed), found.code_digest):
            left = CODE_TRIES - found.attempts
            if left <= 0:
                found.ended_at = now
            found.save(update_fields=["attempts", "ended_at"])
            wrong = InvalidInput(
                f"验证码不正确，还可以再试 {left} 次 / Wrong code: {left} tries left"
                if left
                else NO_TRIES_LEFT,
                code="wrong_code",
                details={"field": "code", "tries_left": left},
            )
        else:
            _carry_out(found, site, now)
    if wrong is not None:
        raise wrong  # after the transaction, so the try is counted
    return found


def _carry_out(found: SubscriptionCode, site: str, now: datetime) -> None:
    found.confirmed, found.ended_at = True, now
    found.save(update_fields=["attempts", "confirmed", "ended_at"])
    outbox.redact(found, REDACTED)
    subscriber = (
        Subscriber.objects.select_for_update().filter(channel=Subscriber.SMS, address=found.address).first()
    )
    signature = sms_signature(found.region)
    if found.purpose == SubscriptionCode.END:
        if subscriber is None or not subscriber.active:
            return
        before = audit.snapshot(subscriber)
        subscriber.active, subscriber.token_digest, subscriber.updated_at = False, "", now
        subscriber.save(update_fields=["active", "token_digest", "updated_at"])
        audit.record(
            PUBLIC_ACTOR,
            "subscriber.unsubscribed",
            subscriber,
            before=before,
            after=audit.snapshot(subscriber),
        )
        _tell(subscriber, f"【{signature}】您已退订预警短信，不会再收到预警。", found, now)
        return
    before = audit.snapshot(subscriber) if subscriber is not None else None
    subscriber = subscriber or Subscriber(channel=Subscriber.SMS, address=found.address, created_at=now)
    token, digest = new_secret(TOKEN_PREFIX)
    subscriber.region, subscriber.longitude, subscriber.latitude = (
        found.region,
        found.longitude,
        found.latitude,
    )
    subscriber.min_level, subscriber.active, subscriber.token_digest = found.min_level, True, digest
    subscriber.updated_at = now
    save_or_conflict(subscriber)
    action = "subscriber.changed" if before is not None and before["active"] else "subscriber.subscribed"
    audit.record(PUBLIC_ACTOR, action, subscriber, before=before, after=audit.snapshot(subscriber))
    link = site.rstrip("/") + reverse("warnings_public:unsubscribe", args=[token])
    _tell(
        subscriber,
        f"【{signature}】您已订阅{found.region.name}{LEVEL_LABELS[found.min_level]}及以上的预警短信。"
        f"退订请打开 {link}",
        found,
        now,
    )


def _tell(subscriber: Subscriber, text: str, found: SubscriptionCode, now: datetime) -> None:
    recipient = outbox.Recipient("subscriber", subscriber.pk, subscriber.address, subscriber.region_id)
    outbox.queue(
        recipient, Subscriber.SMS, text, about=subscriber, key=f"subscription-confirmed:{found.pk}", now=now
    )


@jobs.periodic_check("subscription_codes")
def end_expired_codes(now: datetime) -> int:
    """Codes past their 10 minutes stop counting and their SMS text is blanked; old ones are deleted."""
    expired = list(SubscriptionCode.objects.filter(ended_at__isnull=True, expires_at__lte=now))
    for found in expired:
        with transaction.atomic():
            SubscriptionCode.objects.filter(pk=found.pk, ended_at__isnull=True).update(ended_at=now)
            outbox.withdraw(found, "the code expired")
            outbox.redact(found, REDACTED)
    SubscriptionCode.objects.filter(ended_at__lt=now - KEPT).delete()
    return len(expired)
