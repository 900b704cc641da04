"""Password checks with rate limiting, and resolving bearer secrets, for pages and the API alike."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone

from yingji.core.errors import InvalidInput, RateLimited
from yingji.core.models import Credential, LoginAttempt, User


def client_address(request: HttpRequest) -> str:
    """The peer address; behind a reverse proxy all clients share it and the per-user limit still holds."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")[:64]


def check_password_login(request: HttpRequest | None, username: str, password: str) -> User:
    """The user for a username and password, refusing after too many recent failures.

    Failures are counted per username and per client address in the database, so the limit holds
    across every web process.
    """
    address = client_address(request) if request is not None else "local"
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent_failures = LoginAttempt.objects.filter(at__gte=since, succeeded=False)
    limit = settings.LOGIN_FAILURE_LIMIT
    if (
        recent_failures.filter(username=username[:150]).count() >= limit
        or recent_failures.filter(client_address=address).count() >= limit * 4
    ):
        raise RateLimited()
    user = authenticate(request, username=username, password=password)
    LoginAttempt.objects.create(username=username[:150], client_address=address, succeeded=user is not None)
    if user is None:
        raise InvalidInput("用户名或密码错误 / Wrong username or password", code="invalid_credentials")
    return user


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
