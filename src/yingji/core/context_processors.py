"""What every page's frame needs: the navigation entries the signed-in user may open, unread count."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext

from yingji.core.models import Notification
from yingji.core.registry import nav_items_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    current = request.resolver_match.view_name if request.resolver_match else ""
    current_app = current.split(":")[0]
    items = [
        {
            "url": reverse(item.url_name),
            "label": gettext(item.label),
            "active": item.url_name == current
            or (current_app not in ("", "core") and item.url_name.startswith(current_app + ":")),
        }
        for item in nav_items_for(user)
    ]
    unread = Notification.objects.filter(recipient=user, channel="inbox", read_at__isnull=True).count()
    return {"nav_items": items, "unread_notifications": unread}
