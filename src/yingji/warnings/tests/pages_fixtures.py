"""Warnings in each state, made through the services, and a CSRF-aware POST for the page tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from yingji.core.models import User
from yingji.warnings import services
from yingji.warnings.models import EarlyWarning

COUNTY = "140902"  # 忻府区
TOWNSHIP = "140902001000"  # 秀容街道, in 忻府区
OTHER_COUNTY = "140921"  # 定襄县
# A point well inside 忻府区, and a square around it.
INSIDE_LON, INSIDE_LAT = 112.70, 38.45
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[112.65, 38.40], [112.75, 38.40], [112.75, 38.50], [112.65, 38.50], [112.65, 38.40]]],
}


def user(username: str) -> User:
    return User.objects.select_related("region").get(username=username)


def draft_input(level: str = "blue", **changes: Any) -> services.DraftInput:
    now = timezone.now()
    fields: dict[str, Any] = {
        "warning_type": "rainstorm",
        "level": level,
        "headline": f"忻府区气象台发布暴雨{level}预警信号",
        "description": "预计未来6小时忻府区降雨量将达50毫米以上。",
        "instruction": "危险地带人员立即转移到安全场所。",
        "onset": now,
        "expires": now + timedelta(hours=12),
        "area_codes": [COUNTY],
    }
    fields.update(changes)
    return services.DraftInput(**fields)


def make_draft(level: str = "blue", *, by: str = f"demo-duty-{COUNTY}", **changes: Any) -> EarlyWarning:
    return services.create_draft(user(by), draft_input(level, **changes))


def make_submitted(level: str = "red", **changes: Any) -> EarlyWarning:
    warning = make_draft(level, **changes)
    return services.submit(user(f"demo-county-{COUNTY}"), warning.pk)


def make_published(level: str = "red", **changes: Any) -> EarlyWarning:
    warning = make_submitted(level, **changes)
    return services.publish(user("demo-city"), warning.pk)


def nothing_else_on_air() -> None:
    """Given no other live warning: end the demo's warnings on air (inside the test's transaction)."""
    EarlyWarning.objects.filter(status=EarlyWarning.PUBLISHED).update(status=EarlyWarning.EXPIRED)


def csrf_post(client: Client, url: str, data: dict[str, Any]) -> Any:
    """POST as a browser would: the page's form first (which sets the CSRF cookie), then the form data."""
    client.get(url)
    token = client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token})
