"""What a warning's messages say, channel by channel: short for SMS, everything for loudspeakers.

The texts are Chinese whatever the reader's interface language: they go to the public and to
loudspeakers, not to a screen of the platform. They are written once per version and channel when
the version is published (fanout.py), into the messages of the shared outbox.
"""

from __future__ import annotations

import orjson
from django.conf import settings

from yingji.core.models import Region
from yingji.messaging.models import Delivery
from yingji.messaging.outbox import Text
from yingji.warnings.cap import alerts
from yingji.warnings.models import EarlyWarning

SMS_MAX_CHARS = 200  # three segments of a long SMS in Chinese (67 characters each)
ELLIPSIS = "…"


def subject(warning: EarlyWarning) -> str:
    """The headline, saying when the version updates or lifts an earlier one."""
    headline = warning.headline
    if warning.msg_type == EarlyWarning.UPDATE:
        return f"（更新）{headline}"
    if warning.msg_type == EarlyWarning.CANCEL and not headline.startswith("解除"):
        return f"解除{headline}"
    return headline


def _advice(warning: EarlyWarning) -> str:
    """What people should do; a cancellation says why it ends instead."""
    if warning.msg_type == EarlyWarning.CANCEL:
        return warning.note or warning.description
    return warning.instruction or warning.description


def _signature(warning: EarlyWarning) -> str:
    return sms_signature(warning.region)


def sms_signature(region: Region) -> str:
    """The SMS signature 【…】: the setting, else the city's name and 应急 (e.g. 忻州应急)."""
    configured = getattr(settings, "WARNINGS_SMS_SIGNATURE", "")
    if configured:
        return str(configured)
    city = region.ancestor_at("city") or region
    return f"{city.name.removesuffix('市')}应急"


def _issuer(warning: EarlyWarning) -> str:
    if warning.organization is not None:
        return warning.organization.name
    return f"{warning.region.name}应急管理局"


def _clip(text: str, room: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= room else text[: max(room - 1, 0)] + ELLIPSIS


def message_text(warning: EarlyWarning, channel: str) -> str:
    """The text a channel sends for a warning version: short for SMS, full for loudspeakers."""
    title = subject(warning)
    link = alerts.public_url(warning.pk)
    if channel == Delivery.SMS:
        head, tail = f"【{_signature(warning)}】{title}：", f" 详情：{link}"
        return head + _clip(_advice(warning), SMS_MAX_CHARS - len(head) - len(tail)) + tail
    if channel == Delivery.BROADCAST:
        if warning.msg_type == EarlyWarning.CANCEL:
            parts = [f"{_issuer(warning)}发布：{title}。"]
        else:
            verb = "更新" if warning.msg_type == EarlyWarning.UPDATE else "发布"
            parts = [f"{_issuer(warning)}{verb}{alerts.LEVEL_WORDS[warning.level]}预警：{warning.headline}。"]
        parts += [warning.description.strip()]
        if warning.msg_type != EarlyWarning.CANCEL and warning.instruction.strip():
            parts += [f"防御指南：{warning.instruction.strip()}"]
        elif warning.msg_type == EarlyWarning.CANCEL and warning.note.strip():
            parts += [warning.note.strip()]
        return "".join(part if part.endswith(("。", "！", "；")) else part + "。" for part in parts if part)
    if channel == Delivery.APP:
        return orjson.dumps(
            {
                "title": title,
                "body": _clip(_advice(warning), 500),
                "url": link,
                "level": warning.level,
                "msgType": warning.msg_type,
                "identifier": warning.identifier,
            }
        ).decode()
    if channel == Delivery.INBOX:
        text = warning.description.strip()
        if warning.instruction.strip() and warning.msg_type != EarlyWarning.CANCEL:
            text += f"\n\n防御指南：{warning.instruction.strip()}"
        return text
    raise ValueError(f"unknown channel {channel!r}")


def staff_link(warning_id: int) -> str:
    """The warning's page for the bureau's staff, where an inbox entry leads."""
    return f"/warnings/{warning_id}/"


def texts(warning: EarlyWarning) -> dict[str, Text]:
    """The version's text for each channel, headed by its subject line; the inbox's links the staff page."""
    title, link = subject(warning), staff_link(warning.pk)
    return {
        channel: Text(message_text(warning, channel), title, link if channel == Delivery.INBOX else "")
        for channel, _label in Delivery.CHANNEL_CHOICES
    }
