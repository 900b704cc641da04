"""Drafts the platform opens by itself from monitoring alarms, for the duty officer to check and submit.

- A rain gauge whose window rule reaches a rainstorm signal (an alarm of rule "window" on a rainfall
  sensor) opens a rainstorm draft of the signal's colour for the gauge's county.
- A red alarm on a toxic-gas sensor at a major hazard installation opens a red hazardous-chemical-leak
  draft for a circle around the installation.

One alarm opens at most one draft (`source_key`); if the alarm climbs while its draft is still a
draft, the draft's level climbs with it. The county's duty officers (its administrators if it has
none) are told through the inbox. Nothing is published without a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from yingji.core import audit, jobs, roles
from yingji.core.errors import InvalidInput
from yingji.core.models import Region
from yingji.monitoring.alarms import on_alarm_rising
from yingji.monitoring.models import Alarm
from yingji.monitoring.sensortypes import LEVEL_NAMES
from yingji.warnings import lifecycle, services, types
from yingji.warnings.models import EarlyWarning, WarningType
from yingji.warnings.services import CHECK_DRAFT_TASK, bureau_of

SYSTEM_ACTOR = "monitoring"
RED = 4
COLOUR_WORDS = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def _wanted(alarm: Alarm) -> str | None:
    """The warning type an alarm calls for, or None."""
    sensor = alarm.sensor
    if alarm.rule == Alarm.WINDOW and sensor.kind == "rainfall":
        return "rainstorm"
    if sensor.kind == "toxic_gas" and alarm.level >= RED and sensor.installation_id is not None:
        return "chemical_leak"
    return None


def _county(region: Region) -> Region:
    return region.ancestor_at("county") or region


def _issuer(county: Region, shapes: list[dict[str, Any]]) -> Region:
    """The county, or the city above it when the draft's circle reaches into a neighbouring county:
    a county warns only its own people (services.check_shapes_within)."""
    try:
        services.check_shapes_within(county, shapes)
    except InvalidInput:
        return county.ancestor_at("city") or county
    return county


def _prefill(alarm: Alarm, type_code: str, now: datetime) -> dict[str, Any]:
    """Type, level, texts and area of the draft an alarm opens."""
    sensor = alarm.sensor
    county = _county(sensor.region)
    types.ensure_loaded()
    warning_type = WarningType.objects.get(code=type_code)
    level = LEVEL_NAMES[alarm.level] if type_code == "rainstorm" else "red"
    colour = COLOUR_WORDS[level]
    if type_code == "rainstorm":
        place = sensor.site.name if sensor.site_id else sensor.name
        hours = alarm.window_h or 0
        amount = alarm.peak_value or alarm.trigger_value or 0
        return {
            "warning_type": warning_type,
            "level": level,
            "headline": f"{county.name}暴雨{colour}预警（监测触发，待核实）",
            "description": (
                f"{place}监测到 {hours} 小时累计降雨 {amount:.1f} 毫米，"
                f"已达暴雨{colour}预警信号标准。请核实雨情和预报后提交审批。"
            ),
            "area_codes": [county.code],
            "area_shapes": [],
            "area_description": county.name,
            "expires": now + timedelta(hours=_setting("WARNINGS_RAIN_DRAFT_HOURS", 6)),
        }
    installation = sensor.installation
    lon = installation.longitude if installation.longitude is not None else sensor.enterprise.longitude
    lat = installation.latitude if installation.latitude is not None else sensor.enterprise.latitude
    radius = _setting("WARNINGS_TOXIC_GAS_RADIUS_KM", 3.0)
    area: dict[str, Any] = (
        {
            "area_codes": [],
            "area_shapes": [{"type": "Circle", "coordinates": [lon, lat], "radius_km": radius}],
        }
        if lon is not None and lat is not None
        else {"area_codes": [county.code], "area_shapes": []}
    )
    return {
        "warning_type": warning_type,
        "level": level,
        "headline": f"{sensor.enterprise.name}有毒气体泄漏红色预警（监测触发，待核实）",
        "description": (
            f"{installation.name}{sensor.name}检测到有毒气体浓度 {alarm.peak_value or 0:g} {sensor.unit}，"
            f"达到红色报警。周边 {radius:g} 千米内人员可能受到影响，请立即核实现场情况后提交审批。"
        ),
        "area_description": f"{installation.name}周边 {radius:g} 千米",
        "expires": now + timedelta(hours=_setting("WARNINGS_GAS_DRAFT_HOURS", 3)),
        **area,
    }


def draft_from_alarm(alarm: Alarm, now: datetime) -> EarlyWarning | None:
    """Open (or raise the level of) the draft this alarm calls for; None if it calls for none."""
    type_code = _wanted(alarm)
    if type_code is None:
        return None
    key = f"monitoring.alarm:{alarm.pk}"
    open_draft = EarlyWarning.objects.filter(
        source_key=key, status__in=(EarlyWarning.DRAFT, EarlyWarning.SUBMITTED, EarlyWarning.APPROVED)
    ).first()
    fields = _prefill(alarm, type_code, now)
    if open_draft is not None:
        rises = lifecycle.level_rank(fields["level"]) > lifecycle.level_rank(open_draft.level)
        if open_draft.status != EarlyWarning.DRAFT or not rises:
            return open_draft
        before = audit.snapshot(open_draft)
        for name in ("level", "headline", "description", "expires"):
            setattr(open_draft, name, fields[name])
        open_draft.instruction = fields["warning_type"].instructions.get(
            fields["level"], open_draft.instruction
        )
        open_draft.save()
        audit.record(
            SYSTEM_ACTOR, "warning.draft_raised", open_draft, before=before, after=audit.snapshot(open_draft)
        )
        _tell_duty_officers(open_draft)
        return open_draft
    issuer = _issuer(_county(alarm.sensor.region), fields["area_shapes"])
    warning_type = fields["warning_type"]
    warning = EarlyWarning(
        **fields,
        category=warning_type.category,
        instruction=warning_type.instructions.get(fields["level"], ""),
        onset=now,
        region=issuer,
        organization=bureau_of(issuer),
        source=EarlyWarning.MONITORING,
        source_key=key,
    )
    warning.save()
    warning.series = warning
    warning.save(update_fields=["series"])
    audit.record(SYSTEM_ACTOR, "warning.drafted", warning, after=audit.snapshot(warning))
    _tell_duty_officers(warning)
    return warning


def _tell_duty_officers(warning: EarlyWarning) -> None:
    """Put the draft on the to-do lists of the county's duty room: its shift, else its duty officers
    (a raised draft replaces its earlier to-do)."""
    county = warning.region
    officers = jobs.on_duty_or_role(county, (roles.DUTY_OFFICER, roles.COUNTY_ADMIN))
    jobs.tasks_done(warning, CHECK_DRAFT_TASK)
    jobs.notify(
        officers,
        f"监测触发预警草稿：{warning.headline}",
        body="请核实后修改并提交审批。",
        link=f"/warnings/{warning.pk}/",
        about=warning,
        task=CHECK_DRAFT_TASK,
    )


@on_alarm_rising
def drafts_for_alarms(alarms: Sequence[Alarm], now: datetime) -> None:
    """The monitoring listener: a draft for each rising alarm that calls for one."""
    for alarm in alarms:
        if _wanted(alarm) is not None:
            draft_from_alarm(alarm, now)
