"""Where the 一张图 opens for an enterprise safety officer: their own enterprise's site."""

from __future__ import annotations

from typing import Any

from yingji.core import roles
from yingji.enterprises.models import Enterprise


def own_enterprise_location(user: Any) -> tuple[float, float] | None:
    """(longitude, latitude) of an enterprise officer's enterprise, when it has been located."""
    if getattr(user, "role", None) != roles.ENTERPRISE_OFFICER or not user.organization_id:
        return None
    place = (
        Enterprise.objects.filter(organization_id=user.organization_id)
        .values_list("longitude", "latitude")
        .first()
    )
    if place is None:
        return None
    longitude, latitude = place
    if longitude is None or latitude is None:
        return None
    return longitude, latitude
