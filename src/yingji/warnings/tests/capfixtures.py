"""Warnings built directly as rows for the CAP tests, and CAP messages as another issuer would send them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from yingji.core.models import Organization, Region
from yingji.warnings.cap import alerts
from yingji.warnings.models import EarlyWarning, WarningType

COUNTY = "140902"  # 忻府区
OTHER_COUNTY = "140921"  # 定襄县
FOREIGN_SENDER = "xinzhou-qxt@cma.gov.cn"


def square(lon: float, lat: float, half: float = 0.02) -> list[list[float]]:
    """A closed lon/lat ring around a point."""
    return [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]


def centre_of(code: str) -> tuple[float, float]:
    region = Region.objects.get(code=code)
    assert region.centroid_lon is not None and region.centroid_lat is not None
    return region.centroid_lon, region.centroid_lat


def published(
    *,
    region: str = COUNTY,
    level: str = "red",
    type_code: str = "rainstorm",
    supersedes: EarlyWarning | None = None,
    msg_type: str = EarlyWarning.ALERT,
    area_codes: list[str] | None = None,
    area_shapes: list[dict[str, Any]] | None = None,
    at: datetime | None = None,
    hours: float = 12,
    headline: str = "忻府区暴雨红色预警",
    status: str = EarlyWarning.PUBLISHED,
) -> EarlyWarning:
    """A version put on air at `at` (default now) with its identifier and CAP message, as publishing does."""
    at = at or timezone.now()
    issuer = Region.objects.get(code=region)
    warning = EarlyWarning(
        warning_type=WarningType.objects.get(code=type_code),
        category="natural",
        level=level,
        headline=headline,
        description="过去3小时降雨量已达100毫米以上，降雨将持续。",
        instruction="停止户外作业，危险地带人员立即撤离。",
        area_codes=[region] if area_codes is None and area_shapes is None else (area_codes or []),
        area_shapes=area_shapes or [],
        onset=at,
        expires=at + timedelta(hours=hours),
        region=issuer,
        organization=Organization.objects.filter(region=issuer, kind=Organization.BUREAU).first(),
        msg_type=msg_type,
        supersedes=supersedes,
        version=supersedes.version + 1 if supersedes else 1,
        series=supersedes.series if supersedes else None,
        status=status,
        published_at=at,
    )
    alerts.assign_identifier(warning, at)
    warning.save()
    if warning.series_id is None:
        warning.series = warning
    warning.cap_xml = alerts.render(warning).decode()
    warning.save()
    return warning


def message(
    *,
    identifier: str = "14090041600000_20261129080000_0",
    sender: str = FOREIGN_SENDER,
    sent: datetime | None = None,
    msg_type: str = "Alert",
    references: str = "",
    status: str = "Actual",
    event: str = "暴雨",
    severity: str = "Severe",
    hours: float = 12,
    expires: bool = True,
    area: str = f"<geocode><valueName>GB/T 2260</valueName><value>{COUNTY}</value></geocode>",
    info: bool = True,
    parameters: str = "",
    headline: str = "忻府区气象台发布暴雨橙色预警信号",
) -> bytes:
    """A CAP 1.2 message from the meteorological bureau, valid unless told otherwise."""
    sent = sent or timezone.now().replace(microsecond=0)
    refs = f"<references>{references}</references>" if references else ""
    expiry = f"<expires>{alerts.cap_time(sent + timedelta(hours=hours))}</expires>" if expires else ""
    body = f"""
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>{event}</event>
    <urgency>Expected</urgency>
    <severity>{severity}</severity>
    <certainty>Likely</certainty>
    <onset>{alerts.cap_time(sent)}</onset>
    {expiry}
    <senderName>忻州市气象台</senderName>
    <headline>{headline}</headline>
    <description>预计未来3小时忻府区降雨量将达50毫米以上。</description>
    <instruction>暂停户外作业，转移危险地带人员。</instruction>
    {parameters}
    <area><areaDesc>忻府区</areaDesc>{area}</area>
  </info>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>{sender}</sender>
  <sent>{alerts.cap_time(sent)}</sent>
  <status>{status}</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>
  {refs}{body if info else ""}
</alert>""".encode()
