"""The 一张图 layer "预警": the areas of the live warnings the user may see, coloured by level.

A live warning is published and not yet past its expiry. Coded counties are filled, counties of which
only some townships are coded are dashed, drawn shapes are outlined; a click opens the warning.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from yingji.core.models import Organization
from yingji.warnings import areamap
from yingji.warnings.models import EarlyWarning

MAP_LEGEND = [
    (areamap.LEVEL_COLORS["red"], gettext_noop("红色预警")),
    (areamap.LEVEL_COLORS["orange"], gettext_noop("橙色预警")),
    (areamap.LEVEL_COLORS["yellow"], gettext_noop("黄色预警")),
    (areamap.LEVEL_COLORS["blue"], gettext_noop("蓝色预警")),
]


def live(queryset: QuerySet[EarlyWarning], now: datetime | None = None) -> QuerySet[EarlyWarning]:
    """The warnings of a queryset that are on air now (or at `now`)."""
    return queryset.filter(status=EarlyWarning.PUBLISHED, expires__gt=now or timezone.now())


def on_air_state(now: datetime) -> tuple[Any, ...]:
    """What the public pages and the feed show of the warnings on air at `now` changes only with this:
    which versions they are, when each went out and expires, and the issuing bureau's name (a
    published version's own text never changes). One small query, so caches key on it: publishing,
    updating, cancelling or expiring a warning, or its expiry time passing, gives a new state."""
    quote = connection.ops.quote_name
    warnings, organizations = quote(EarlyWarning._meta.db_table), quote(Organization._meta.db_table)
    # Plain SQL: it runs on every request those caches serve, and the ORM would cost more than it.
    sql = (
        f"SELECT w.id, w.published_at, w.expires, o.name FROM {warnings} w "
        f"LEFT JOIN {organizations} o ON o.id = w.organization_id "
        "WHERE w.status = %s AND w.expires > %s ORDER BY w.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [EarlyWarning.PUBLISHED, connection.ops.adapt_datetimefield_value(now)])
        return tuple(map(tuple, cursor.fetchall()))


def popup_lines(warning: EarlyWarning, index: areamap.AreaIndex) -> list[str]:
    """What a click on a warning's area shows: headline, level and type, period, area."""
    onset, expires = timezone.localtime(warning.onset), timezone.localtime(warning.expires)
    area = "、".join(index.names(warning)) or warning.area_description
    lines = [
        warning.headline,
        f"{warning.get_level_display()} · {warning.warning_type.name}",
        f"{onset:%m-%d %H:%M} — {expires:%m-%d %H:%M}",
    ]
    return lines + ([area] if area else [])


def feature_collection(user: Any) -> dict[str, Any]:
    """The live warnings the user sees, as GeoJSON for the map page (`GET /api/v1/map/warnings`)."""
    warnings = live(EarlyWarning.objects.visible_to(user)).select_related("warning_type")
    return areamap.collection(
        warnings, popup=popup_lines, url=lambda warning: reverse("warnings:detail", args=[warning.pk])
    )
