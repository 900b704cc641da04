"""The 企业风险 layer of the 一张图 map: enterprises as circle markers colored by their highest risk level."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_noop

from yingji.core import roles
from yingji.core.registry import MapLayer, register_map_layer
from yingji.enterprises.models import INDUSTRY_LABELS, Enterprise
from yingji.risks import grading
from yingji.risks.models import LEVEL_HEX, UNGRADED_HEX, RiskPoint

# The levels' names are marked for translation in views.LEVEL_NAMES; the map translates the legend.
LEGEND = [(LEVEL_HEX[level.color], f"{level.label}风险") for level in grading.LEVELS] + [
    (UNGRADED_HEX, gettext_noop("未评价"))
]


def enterprise_url(enterprise_id: int) -> str | None:
    """The enterprise's page, where the enterprises app serves one."""
    try:
        return reverse("enterprises:detail", args=[enterprise_id])
    except NoReverseMatch:
        return None


def highest_level(counts: dict[str, int]) -> grading.RiskLevel | None:
    return next((level for level in grading.LEVELS if counts.get(level.key)), None)


def enterprise_risk_features(user: Any) -> dict[str, Any]:
    """A FeatureCollection of the enterprises the user may see that have coordinates (two queries)."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        RiskPoint.objects.visible_to(user)
        .order_by()
        .values_list("enterprise_id", "level")
        .annotate(n=Count("pk"))
    )
    for enterprise_id, level, n in rows:
        counts[enterprise_id][level] = n
    enterprises = (
        Enterprise.objects.visible_to(user)
        .filter(longitude__isnull=False, latitude__isnull=False)
        .order_by("id")
        .values_list("id", "name", "industry", "longitude", "latitude")
    )
    features: list[dict[str, Any]] = []
    for enterprise_id, name, industry, lon, lat in enterprises:
        by_level = counts.get(enterprise_id, {})
        top = highest_level(by_level)
        summary = " · ".join(f"{level.label} {by_level.get(level.key, 0)}" for level in grading.LEVELS)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "id": enterprise_id,
                    "name": name,
                    "level": top.key if top else None,
                    "label": None,
                    "popup": [
                        name,
                        INDUSTRY_LABELS.get(industry, industry),
                        f"风险点：{summary}" if by_level else "风险点：未评价",
                    ],
                    "style": {
                        "radius": 7 if top in (grading.MAJOR, grading.SIGNIFICANT) else 5,
                        "color": "#ffffff",
                        "weight": 1,
                        "fillColor": LEVEL_HEX[top.color] if top else UNGRADED_HEX,
                        "fillOpacity": 0.9,
                    },
                    "url": enterprise_url(enterprise_id),
                },
            }
        )
    # Drawn in order, so the higher levels lie on top of the lower ones where markers overlap.
    rank = {level.key: index for index, level in enumerate(grading.LEVELS)}
    features.sort(key=lambda feature: -rank.get(feature["properties"]["level"], len(rank)))
    return {"type": "FeatureCollection", "features": features}


def register_layer() -> None:
    register_map_layer(
        MapLayer(
            key="enterprise_risks",
            title=gettext_noop("企业风险"),
            url_name="api:map_enterprise_risks",
            legend=LEGEND,
            is_available=lambda user: getattr(user, "is_authenticated", False),
            order=30,
            on_for_roles=frozenset({roles.ENTERPRISE_OFFICER, roles.DEPARTMENT_STAFF}),
        )
    )
