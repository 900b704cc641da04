"""What every page's frame needs: the navigation entries the signed-in user may open, the inbox's badge."""

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
    return {"nav_items": items, "unread_notifications": waiting_in_inbox(user)}


def waiting_in_inbox(user: Any) -> int:
    """The inbox's badge: to-dos not yet done, read or not, and information not yet read."""
    inbox = Notification.objects.inbox_of(user)
    return inbox.todo().count() + inbox.information().filter(read_at__isnull=True).count()
