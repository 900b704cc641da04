"""Which CAP senders may put warnings on air without the platform's approval, and where.

The city keeps the list (`TrustedSender`: sender id → the region it may warn, e.g. the provincial
observatory → the city). An imported message is published on arrival only when its sender is on
the list and its area lies in that sender's region; any other message becomes a warning waiting for
the ordinary approval (cap/importing.py). A `<sender>` is only a claim in the message: the list
decides whom the platform believes, never the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from yingji.core import audit, roles
from yingji.core.errors import Forbidden, InvalidInput
from yingji.core.models import Region, User
from yingji.core.services import save_or_conflict
from yingji.warnings.models import TrustedSender

MAX_SENDERS = 200
ISSUING_LEVELS = ("city", "county")


@dataclass(frozen=True)
class Entry:
    """One line of the list as the city gives it."""

    sender: str
    region_code: str
    name: str = ""


def may_manage(user: Any) -> bool:
    """The list is the city's: only city administrators read and change it."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and user.role == roles.CITY_ADMIN


def require_manage(user: Any) -> None:
    if not may_manage(user):
        raise Forbidden("可信发送方由市级管理员设置 / Trusted senders are set by the city's administrators")


def listed(user: User) -> list[TrustedSender]:
    require_manage(user)
    return list(TrustedSender.objects.visible_to(user).order_by("sender"))


def trusted_for(sender: str, region: Region) -> TrustedSender | None:
    """The list's entry that lets `sender` publish in `region` directly, or None."""
    entry = TrustedSender.objects.select_related("region").filter(sender=sender).first()
    if entry is None or not region.path.startswith(entry.region.path):
        return None
    return entry


def _region(actor: User, code: str, index: int) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None or not actor.scope.covers_region(region) or region.level not in ISSUING_LEVELS:
        raise InvalidInput(
            f"第 {index + 1} 项：{code} 不是本市的市或县 / entry {index + 1}: {code} is not the city or "
            "one of its counties",
            details={"field": f"senders[{index}].region_code"},
        )
    return region


@transaction.atomic
def replace(actor: User, entries: list[Entry]) -> list[TrustedSender]:
    """Make the list exactly `entries` (one per sender); every addition, change and removal is audited."""
    require_manage(actor)
    if len(entries) > MAX_SENDERS:
        raise InvalidInput(
            f"最多 {MAX_SENDERS} 项 / At most {MAX_SENDERS} senders", details={"field": "senders"}
        )
    wanted: dict[str, tuple[Region, str]] = {}
    for index, entry in enumerate(entries):
        sender = entry.sender.strip()
        if not sender:
            raise InvalidInput(
                "发送方不能为空 / The sender is required", details={"field": f"senders[{index}].sender"}
            )
        if sender in wanted:
            raise InvalidInput(
                f"发送方 {sender} 重复 / {sender} is listed twice",
                details={"field": f"senders[{index}].sender"},
            )
        wanted[sender] = (_region(actor, entry.region_code.strip(), index), entry.name.strip())
    now = timezone.now()
    current = {row.sender: row for row in TrustedSender.objects.select_for_update().visible_to(actor)}
    for sender, row in current.items():
        if sender not in wanted:
            audit.record(actor, "warning_trusted_sender.removed", row, before=audit.snapshot(row))
            row.delete()
    for sender, (region, name) in wanted.items():
        row = current.get(sender)
        if row is not None and (row.region_id, row.name) == (region.code, name):
            continue
        before = audit.snapshot(row) if row is not None else None
        row = row or TrustedSender(sender=sender)
        row.region, row.name, row.updated_at = region, name, now
        save_or_conflict(row)  # a sender another city trusts is a 409, not a second row
        audit.record(actor, "warning_trusted_sender.saved", row, before=before, after=audit.snapshot(row))
    return list(TrustedSender.objects.visible_to(actor).order_by("sender"))
