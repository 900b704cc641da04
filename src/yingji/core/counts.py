"""What core puts on the shared pages: the county table's columns (townships, villages, organizations,
accounts) and the home page's to-do figure."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from yingji.core import regioncodes, roles
from yingji.core.models import Region
from yingji.core.registry import (
    ACT,
    CountyCount,
    HomeItem,
    ListLink,
    register_county_count,
    register_home_item,
)


def _regions_of_level(level: str) -> Any:
    def records(user: Any) -> QuerySet:
        if not getattr(user, "is_authenticated", False):
            return Region.objects.none()
        return Region.objects.filter(level=level, path__startswith=user.region.path)

    return records


def register_core_counts() -> None:
    from yingji.core import views

    register_county_count(
        CountyCount(
            "townships",
            gettext_noop("乡镇（街道）"),
            records=_regions_of_level(regioncodes.TOWNSHIP),
            path_field="path",
        )
    )
    register_county_count(
        CountyCount(
            "villages",
            gettext_noop("村（居）"),
            records=_regions_of_level(regioncodes.VILLAGE),
            path_field="path",
        )
    )
    register_county_count(
        CountyCount(
            "organizations",
            gettext_noop("单位"),
            link=ListLink("core:organizations", views.listed_organizations),
        )
    )
    register_county_count(
        CountyCount("users", gettext_noop("账号"), link=ListLink("core:users", views.listed_users))
    )
    register_home_item(
        HomeItem(
            "todo",
            gettext_noop("待办通知"),
            ListLink("core:notifications", views.listed_notifications, (("tab", "todo"),)),
            roles=frozenset(roles.ROLE_LABELS),
            section=ACT,
            order=10,
        )
    )
