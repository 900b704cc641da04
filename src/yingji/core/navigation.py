"""The core entries of the top navigation; each domain registers its own in AppConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from yingji.core import roles
from yingji.core.registry import NavItem, register_nav_item


def register_core_nav() -> None:
    register_nav_item(NavItem("core:home", gettext_noop("首页"), order=0))
    register_nav_item(NavItem("core:map", gettext_noop("一张图"), order=10))
    register_nav_item(
        NavItem(
            "core:organizations",
            gettext_noop("单位"),
            lambda user: user.has_role_permission(roles.VIEW_ADMINISTRATION),
            order=80,
        )
    )
    register_nav_item(
        NavItem(
            "core:users",
            gettext_noop("账号"),
            lambda user: user.has_role_permission(roles.VIEW_ADMINISTRATION),
            81,
        )
    )
    register_nav_item(
        NavItem(
            "core:audit",
            gettext_noop("审计日志"),
            lambda user: user.has_role_permission(roles.VIEW_AUDIT),
            90,
        )
    )
