"""Deliveries queued before the shared outbox get the message their channel would have sent.

Until messaging 0002 a delivery carried no text: the worker wrote it from the warning when it sent
the row. Each (warning, channel) of the rows on record now gets that text as a `Message`, so rows
still queued go out as they would have, and sent ones keep what they said. The texts are written
here as the code wrote them then (a migration must not follow later changes of texts.py).
"""

import hashlib

import orjson
from django.conf import settings
from django.db import migrations

from yingji.core import regioncodes

WARNING = "early_warnings.earlywarning"
LEVEL_WORDS = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}
SMS_MAX_CHARS = 200


def _subject(warning):
    if warning.msg_type == "Update":
        return f"（更新）{warning.headline}"
    if warning.msg_type == "Cancel" and not warning.headline.startswith("解除"):
        return f"解除{warning.headline}"
    return warning.headline


def _advice(warning):
    if warning.msg_type == "Cancel":
        return warning.note or warning.description
    return warning.instruction or warning.description


def _signature(Region, warning):
    if getattr(settings, "WARNINGS_SMS_SIGNATURE", ""):
        return str(settings.WARNINGS_SMS_SIGNATURE)
    region = warning.region
    cities = [
        code
        for code in regioncodes.codes_in_path(region.path)
        if regioncodes.is_valid_code(code) and regioncodes.level_of(code) == regioncodes.CITY
    ]
    name = region.name
    if cities and cities[-1] != region.code:
        name = Region.objects.filter(code=cities[-1]).values_list("name", flat=True).first() or name
    return f"{name.removesuffix('市')}应急"


def _clip(text, room):
    text = " ".join(text.split())
    return text if len(text) <= room else text[: max(room - 1, 0)] + "…"


def _body(Region, warning, channel):
    title = _subject(warning)
    link = f"{str(getattr(settings, 'SITE_URL', 'http://localhost:8000')).rstrip('/')}/public/warnings/{warning.pk}/"
    if channel == "sms":
        head, tail = f"【{_signature(Region, warning)}】{title}：", f" 详情：{link}"
        return head + _clip(_advice(warning), SMS_MAX_CHARS - len(head) - len(tail)) + tail
    if channel == "broadcast":
        issuer = warning.organization.name if warning.organization else f"{warning.region.name}应急管理局"
        if warning.msg_type == "Cancel":
            parts = [f"{issuer}发布：{title}。"]
        else:
            verb = "更新" if warning.msg_type == "Update" else "发布"
            parts = [f"{issuer}{verb}{LEVEL_WORDS[warning.level]}预警：{warning.headline}。"]
        parts += [warning.description.strip()]
        if warning.msg_type != "Cancel" and warning.instruction.strip():
            parts += [f"防御指南：{warning.instruction.strip()}"]
        elif warning.msg_type == "Cancel" and warning.note.strip():
            parts += [warning.note.strip()]
        return "".join(part if part.endswith(("。", "！", "；")) else part + "。" for part in parts if part)
    if channel == "app":
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
    text = warning.description.strip()
    if warning.instruction.strip() and warning.msg_type != "Cancel":
        text += f"\n\n防御指南：{warning.instruction.strip()}"
    return text


def add_messages(apps, schema_editor):
    Delivery = apps.get_model("messaging", "Delivery")
    Message = apps.get_model("messaging", "Message")
    EarlyWarning = apps.get_model("early_warnings", "EarlyWarning")
    Region = apps.get_model("core", "Region")
    pending = Delivery.objects.filter(message__isnull=True)
    pairs = sorted(set(pending.values_list("warning_id", "channel").order_by()))
    warnings = EarlyWarning.objects.select_related("region", "organization").in_bulk({w for w, _c in pairs})
    for warning_id, channel in pairs:
        warning = warnings[warning_id]
        subject, body = _subject(warning), _body(Region, warning, channel)
        link = f"/warnings/{warning.pk}/" if channel == "inbox" else ""
        digest = hashlib.blake2b(
            "\x1f".join((WARNING, str(warning.pk), subject, link, body)).encode(), digest_size=16
        ).hexdigest()
        message, _created = Message.objects.get_or_create(
            digest=digest,
            defaults={"object_type": WARNING, "object_id": str(warning.pk), "subject": subject[:200], "body": body, "link": link},
        )
        pending.filter(warning_id=warning_id, channel=channel).update(message=message)


def remove_messages(apps, schema_editor):
    Delivery = apps.get_model("messaging", "Delivery")
    Message = apps.get_model("messaging", "Message")
    Delivery.objects.update(message=None)
    Message.objects.filter(object_type=WARNING).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("early_warnings", "0003_delivery_to_messaging"),
        ("messaging", "0002_messages"),
    ]

    operations = [migrations.RunPython(add_messages, remove_messages)]
