"""What resources add to shared pages: nav entry, map layers, county columns, home items, and the
nearest-help sources (team, shelter, equipment, vehicle)."""

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
from yingji.resources import kinds, nearest, services, views

ADMINS = frozenset({roles.CITY_ADMIN, roles.COUNTY_ADMIN})
COMMAND = ADMINS | {roles.DUTY_OFFICER}

HOME_ITEMS = (
    HomeItem(
        "resources_teams_out",
        gettext_noop("出动中的救援队伍"),
        ListLink("resources:team_list", views.listed_teams, (("status", "out"),)),
        COMMAND,
        WATCH,
        order=70,
    ),
    HomeItem(
        "resources_shelters_in_use",
        gettext_noop("开放中的避难场所"),
        ListLink("resources:shelter_list", views.listed_shelters, (("status", "in_use"),)),
        COMMAND,
        WATCH,
        order=71,
    ),
    HomeItem(
        "resources_maintenance_overdue",
        gettext_noop("保养逾期的装备"),
        ListLink("resources:equipment_list", views.listed_equipment, (("maintenance", "overdue"),)),
        ADMINS | {roles.ENTERPRISE_OFFICER},
        ACT,
        order=60,
    ),
)


def register_all() -> None:
    register_nav_item(NavItem("resources:board", gettext_noop("应急资源"), services.may_view, order=75))
    layers = (
        MapLayer(
            key="resource_teams",
            title=gettext_noop("救援队伍"),
            url_name="api:resources_teams_map",
            legend=[(kinds.TEAM_STATUS_COLORS[code], label) for code, label in kinds.TEAM_STATUSES.items()],
            is_available=services.may_view,
            order=80,
            on_for_roles=frozenset({roles.DUTY_OFFICER}),
        ),
        MapLayer(
            key="shelters",
            title=gettext_noop("应急避难场所"),
            url_name="api:resources_shelters_map",
            legend=[
                (kinds.SHELTER_STATUS_COLORS[code], label) for code, label in kinds.SHELTER_STATUSES.items()
            ],
            is_available=services.may_view,
            order=81,
        ),
        MapLayer(
            key="resource_equipment",
            title=gettext_noop("救援装备"),
            url_name="api:resources_equipment_map",
            legend=[("#2e9d57", gettext_noop("可用")), ("#9aa3ad", gettext_noop("不可用"))],
            is_available=services.may_view,
            order=82,
        ),
        MapLayer(
            key="helipads",
            title=gettext_noop("航空救援起降点"),
            url_name="api:resources_helipads_map",
            legend=[("#1b4f8a", gettext_noop("起降点"))],
            is_available=services.may_view,
            order=83,
        ),
        MapLayer(
            key="fire_station_reach",
            title=gettext_noop("消防救援站等时圈"),
            url_name="api:resources_reach_map",
            legend=[
                ("#2e9d57", gettext_noop("15 分钟")),
                ("#f2c400", gettext_noop("30 分钟")),
                ("#f28c28", gettext_noop("60 分钟")),
            ],
            is_available=services.may_view,
            order=84,
        ),
    )
    for layer in layers:
        register_map_layer(layer)
    register_county_count(
        CountyCount(
            "rescue_teams", gettext_noop("救援队伍"), link=ListLink("resources:team_list", views.listed_teams)
        )
    )
    register_county_count(
        CountyCount(
            "shelters",
            gettext_noop("避难场所"),
            link=ListLink("resources:shelter_list", views.listed_shelters),
        )
    )
    for item in HOME_ITEMS:
        register_home_item(item)
    nearest.register_sources()
