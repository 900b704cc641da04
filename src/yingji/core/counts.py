"""The core columns of the county dashboard: townships, villages, organizations and accounts."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from yingji.core import regioncodes
from yingji.core.models import Organization, Region, User
from yingji.core.registry import CountFunction, count_by_county, register_county_count


def _regions_of_level(level: str) -> CountFunction:
    def count(user: Any) -> dict[str, int]:
        if not getattr(user, "is_authenticated", False):
            return {}
        return count_by_county(Region.objects.filter(level=level, path__startswith=user.region.path), "path")

    return count


def register_core_counts() -> None:
    register_county_count("townships", gettext_noop("乡镇（街道）"))(_regions_of_level(regioncodes.TOWNSHIP))
    register_county_count("villages", gettext_noop("村（居）"))(_regions_of_level(regioncodes.VILLAGE))
    register_county_count("organizations", gettext_noop("单位"))(
        lambda user: count_by_county(Organization.objects.visible_to(user))
    )
    register_county_count("users", gettext_noop("账号"))(
        lambda user: count_by_county(User.objects.visible_to(user))
    )
