"""What every page's frame needs: the navigation entries the signed-in user may open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from yingji.core import roles
from yingji.core.models import Notification


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [("core:home", _("首页")), ("core:map", _("一张图"))]
    if user.has_role_permission(roles.VIEW_ADMINISTRATION):
        items += [("core:organizations", _("单位")), ("core:users", _("账号"))]
    if user.has_role_permission(roles.VIEW_AUDIT):
        items.append(("core:audit", _("审计日志")))
    current = request.resolver_match.view_name if request.resolver_match else ""
    unread = Notification.objects.filter(recipient=user, channel="inbox", read_at__isnull=True).count()
    return {
        "nav_items": [
            {"url": reverse(name), "label": label, "active": name == current} for name, label in items
        ],
        "unread_notifications": unread,
    }
