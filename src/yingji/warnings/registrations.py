"""What warnings add to shared pages: the nav entry, the 一张图 layer, the county column and home items."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from yingji.core import roles
from yingji.core.registry import (
    ACT,
    WATCH,
    CountyCount,
    HomeItem,
    ListLink,
    MapLayer,
    NavItem,
    register_county_count,
    register_home_item,
    register_map_layer,
    register_nav_item,
)
from yingji.warnings import services
from yingji.warnings.maplayer import MAP_LEGEND
from yingji.warnings.views.staff import listed_warnings


def listed(*params: tuple[str, str]) -> ListLink:
    return ListLink("warnings:list", listed_warnings, params)


LIVE = ("tab", "live")
HOME_ITEMS = (
    HomeItem(
        "warnings_awaiting_me",
        gettext_noop("待我审批的预警"),
        listed(("tab", "pending"), ("awaiting", "me")),
        services.APPROVER_ROLES,
        ACT,
        order=25,
    ),
    HomeItem(
        "warnings_platform_drafts",
        gettext_noop("平台生成的预警草稿"),
        listed(("tab", "draft"), ("source", "monitoring")),
        frozenset({roles.DUTY_OFFICER}),
        ACT,
        order=25,
    ),
    HomeItem(
        "warnings_live", gettext_noop("发布中的预警"), listed(LIVE), services.VIEW_ROLES, WATCH, order=60
    ),
)


def register_all() -> None:
    register_nav_item(NavItem("warnings:list", gettext_noop("预警发布"), services.may_view, order=50))
    register_map_layer(
        MapLayer(
            key="warnings",
            title=gettext_noop("预警"),
            url_name="api:warnings_map",
            legend=MAP_LEGEND,
            is_available=services.may_view,
            order=60,
            on_for_roles=frozenset(
                {roles.CITY_ADMIN, roles.COUNTY_ADMIN, roles.DUTY_OFFICER, roles.DEPARTMENT_STAFF}
            ),
        )
    )
    # By the issuing region, as the list's county filter: a warning of the city is the city's own.
    register_county_count(CountyCount("live_warnings", gettext_noop("生效预警"), link=listed(LIVE)))
    for item in HOME_ITEMS:
        register_home_item(item)
