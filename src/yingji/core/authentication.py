"""Password checks with rate limiting, and resolving bearer secrets, for pages and the API alike."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from yingji.core.errors import InvalidInput, RateLimited
from yingji.core.models import Credential, LoginAttempt, User


def client_address(request: HttpRequest) -> str:
    """The client's address: the peer, or, when the peer is a trusted proxy (`TRUSTED_PROXIES`), the
    nearest address in `X-Forwarded-For` that is not one of those proxies.

    Without trusted proxies configured, every client behind a reverse proxy has the proxy's address.
    """
    peer = str(request.META.get("REMOTE_ADDR") or "unknown")
    if _is_trusted_proxy(peer):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        for address in reversed([part for part in forwarded if part]):
            if not _is_trusted_proxy(address):
                return address[:64]
    return peer[:64]


def _is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.TRUSTED_PROXIES)


def check_password_login(request: HttpRequest | None, username: str, password: str) -> User:
    """The user for a username and password, refusing (429) an attempt over one of the limits.

    The limits, per `LOGIN_FAILURE_WINDOW_SECONDS` (decision 0008):
    - `LOGIN_FAILURE_LIMIT` failures for one username from one client address, so someone else's
      failures elsewhere never lock a user out;
    - `LOGIN_ADDRESS_FAILURE_LIMIT` failures on existing accounts from one address (spraying
      passwords over many real usernames), and the higher `LOGIN_UNKNOWN_USERNAME_FAILURE_LIMIT` on
      usernames that have no account (typos and made-up names, which guess nothing), after which the
      address is refused for every username alike, so the refusal does not tell which names exist.

    The attempt is written and committed before it is counted and before the password is checked,
    so attempts running in parallel see each other: of any number sent at once, at most the limit
    get their password checked.
    """
    address = client_address(request) if request is not None else "local"
    username = username[:150]
    attempt = _register_attempt(username, address)
    if _over_a_limit(attempt):
        LoginAttempt.objects.filter(pk=attempt.pk).update(outcome=LoginAttempt.REFUSED)
        raise RateLimited()
    user = authenticate(request, username=username, password=password)
    outcome = LoginAttempt.FAILED if user is None else LoginAttempt.SUCCEEDED
    LoginAttempt.objects.filter(pk=attempt.pk).update(outcome=outcome)
    if user is None:
        raise InvalidInput("用户名或密码错误 / Wrong username or password", code="invalid_credentials")
    return user


def _register_attempt(username: str, address: str) -> LoginAttempt:
    """Write the attempt as pending in a transaction of its own, committed before anything is counted."""
    with transaction.atomic(durable=True):
        return LoginAttempt.objects.create(
            username=username,
            client_address=address,
            known_username=User.objects.filter(username=username).exists(),
            outcome=LoginAttempt.PENDING,
        )


def _over_a_limit(attempt: LoginAttempt) -> bool:
    """Whether the other attempts counted from the attempt's address already reach a limit.

    Every attempt is committed before it counts, so the k-th attempt to commit sees at least the k−1
    before it: once `limit` attempts have been let through, every later one sees `limit` or more.
    """
    since = attempt.at - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    counts = (
        LoginAttempt.objects.filter(
            at__gte=since, client_address=attempt.client_address, outcome__in=LoginAttempt.COUNTED
        )
        .exclude(pk=attempt.pk)
        .aggregate(
            this_username=Count("pk", filter=Q(username=attempt.username)),
            known=Count("pk", filter=Q(known_username=True)),
            unknown=Count("pk", filter=Q(known_username=False)),
        )
    )
    return (
        counts["this_username"] >= settings.LOGIN_FAILURE_LIMIT
        or counts["known"] >= settings.LOGIN_ADDRESS_FAILURE_LIMIT
        or counts["unknown"] >= settings.LOGIN_UNKNOWN_USERNAME_FAILURE_LIMIT
    )


def user_for_bearer(secret: str) -> User | None:
    """The active user a bearer token or API key stands for, recording when it was last used."""
    credential = Credential.find_active(secret)
    if credential is None:
        return None
    now = timezone.now()
    if credential.last_used_at is None or now - credential.last_used_at > timedelta(minutes=5):
        # Throttled so that a busy gateway does not turn every read into a write.
        Credential.objects.filter(pk=credential.pk).update(last_used_at=now)
    user: Any = credential.user
    user.credential = credential
    return user
