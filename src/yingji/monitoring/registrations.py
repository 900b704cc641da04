"""What monitoring adds to shared pages: nav entry, map layer, county count, enterprise panel."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext_noop

from yingji.core import roles
from yingji.core.registry import (
    ACT,
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
from yingji.enterprises.panels import EnterprisePanel, register_enterprise_panel
from yingji.monitoring import services
from yingji.monitoring.maplayer import MAP_LEGEND
from yingji.monitoring.models import Alarm, Gateway, Sensor


def listed(*params: tuple[str, str]) -> ListLink:
    from yingji.monitoring.views import listed_alarms

    return ListLink("monitoring:alarms", listed_alarms, params)


HOME_ITEMS = (
    HomeItem(
        "alarms_to_acknowledge",
        gettext_noop("待确认的报警"),
        listed(("status", Alarm.RAISED)),
        frozenset({roles.CITY_ADMIN, roles.COUNTY_ADMIN, roles.DUTY_OFFICER}),
        ACT,
        order=21,
    ),
    HomeItem(
        "alarms_active",
        gettext_noop("未关闭的报警"),
        listed(("status", "open")),
        frozenset({roles.ENTERPRISE_OFFICER}),
        ACT,
        order=21,
    ),
)


def enterprise_panel_context(request: HttpRequest, enterprise: Any) -> dict[str, Any]:
    """The enterprise's sensors with their level and its gateways, for the 在线监测 panel."""
    from yingji.monitoring.views import sensor_tile

    user = request.user
    if not services.may_view(user):
        return {"visible": False}
    sensors = (
        Sensor.objects.visible_to(user)
        .filter(enterprise=enterprise)
        .select_related("state", "installation", "gateway")
        .order_by("code")
    )
    rows = [sensor_tile(sensor) for sensor in sensors]
    gateways = (
        Gateway.objects.visible_to(user)
        .filter(enterprise=enterprise)
        .annotate(sensor_count=Count("sensors"))
        .order_by("revoked_at", "name")
    )
    open_alarms = (
        Alarm.objects.visible_to(user)
        .filter(sensor__enterprise=enterprise, status__in=Alarm.OPEN_STATUSES)
        .count()
    )
    return {
        "visible": True,
        "enterprise": enterprise,
        "sensors": rows,
        "gateways": gateways,
        "open_alarms": open_alarms,
        "may_manage": services.may_keep_enterprise(user, enterprise),
    }


def register_all() -> None:
    register_nav_item(NavItem("monitoring:wall", gettext_noop("监测报警"), services.may_view, order=45))
    register_map_layer(
        MapLayer(
            key="monitoring",
            title=gettext_noop("监测报警"),
            url_name="api:monitoring_map",
            legend=MAP_LEGEND,
            is_available=services.may_view,
            order=70,
            on_for_roles=frozenset(
                {roles.CITY_ADMIN, roles.COUNTY_ADMIN, roles.DUTY_OFFICER, roles.ENTERPRISE_OFFICER}
            ),
        )
    )
    register_county_count(
        CountyCount("open_alarms", gettext_noop("未关闭报警"), link=listed(("status", "open")))
    )
    for item in HOME_ITEMS:
        register_home_item(item)
    register_enterprise_panel(
        EnterprisePanel(
            key="monitoring",
            title=gettext_noop("在线监测"),
            template="monitoring/_enterprise_panel.html",
            context=enterprise_panel_context,
            order=50,
        )
    )
