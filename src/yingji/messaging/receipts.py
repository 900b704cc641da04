"""Providers' receipts: a gateway's later word that a message it took was delivered, or was not.

A receipt names the message by our idempotency key or by the gateway's own message id. Delivered
never goes back; a receipt for a message the outbox does not know is reported, not an error (a
gateway may report messages of another system, or of rows long removed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from yingji.messaging.delivery import update_each
from yingji.messaging.models import Delivery


@dataclass(frozen=True)
class Receipt:
    """A provider's word on one message, found by our idempotency key or by its own message id."""

    status: str  # delivered or failed
    key: str = ""
    provider_id: str = ""
    at: datetime | None = None
    error: str = ""


@dataclass
class ReceiptReport:
    """What a batch of receipts changed."""

    applied: int = 0  # rows that changed
    unchanged: int = 0  # already so, or delivered (a delivered row never goes back)
    unknown: list[str] = field(default_factory=list)  # keys or provider ids matching no row


def apply_receipts(items: Sequence[Receipt], now: datetime | None = None) -> ReceiptReport:
    """Record providers' receipts in one transaction; an unknown message is reported, not an error."""
    now = now or timezone.now()
    report = ReceiptReport()
    keys = {item.key for item in items if item.key}
    provider_ids = {item.provider_id for item in items if item.provider_id and not item.key}
    with transaction.atomic():
        found = Delivery.objects.filter(
            Q(idempotency_key__in=keys) | (~Q(provider_id="") & Q(provider_id__in=provider_ids))
        ).values_list("id", "idempotency_key", "provider_id", "status")
        by_key: dict[str, int] = {}
        by_provider: dict[str, int] = {}
        status_of: dict[int, str] = {}
        for pk, key, provider_id, status in found:
            by_key[key], status_of[pk] = pk, status
            if provider_id:
                by_provider[provider_id] = pk
        latest: dict[int, Receipt] = {}
        for item in items:
            row_id = by_key.get(item.key) if item.key else by_provider.get(item.provider_id)
            if row_id is None:
                report.unknown.append(item.key or item.provider_id)
                continue
            earlier = latest.get(row_id)
            if earlier is None or earlier.status != Delivery.DELIVERED:  # delivered wins over failed
                latest[row_id] = item
        ids: list[int] = []
        values: dict[str, list[Any]] = {"status": [], "delivered_at": [], "last_error": []}
        for pk, item in latest.items():
            if status_of[pk] == Delivery.DELIVERED or status_of[pk] == item.status:
                report.unchanged += 1
                continue
            ids.append(pk)
            values["status"].append(item.status)
            values["delivered_at"].append((item.at or now) if item.status == Delivery.DELIVERED else None)
            values["last_error"].append(item.error[:500] if item.status == Delivery.FAILED else "")
        report.applied = update_each(ids, values, "d.status <> 'delivered'", [])
        Delivery.objects.filter(pk__in=ids, sent_at__isnull=True).exclude(delivered_at=None).update(
            sent_at=F("delivered_at")
        )
    return report
