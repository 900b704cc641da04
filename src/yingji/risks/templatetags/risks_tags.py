"""Template helpers of the risk pages."""

from __future__ import annotations

from django import template

from yingji.risks.maplayer import enterprise_url as _enterprise_url

register = template.Library()


@register.simple_tag
def enterprise_url(enterprise_id: int) -> str:
    """The enterprise's page, or "" where the enterprises app serves none."""
    return _enterprise_url(enterprise_id) or ""
