"""Deliveries API: a warning's deliveries and their counts for staff, and the gateways' receipts.

Staff see the deliveries of a warning they can see, and of those only the ones to recipients in
their own region (a county sees its county's share of a city warning). The public's numbers are
masked. Receipts come from the SMS, broadcast and push gateways with the bearer secret of settings
`WARNINGS_RECEIPT_TOKEN`; without one configured the route does not exist (404).
"""

import hmac
from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.security import HttpBearer

from yingji.core.api_common import AUTH, Page, current_user, id_path, region_filter, responses
from yingji.core.errors import InvalidInput, NotFound
from yingji.warnings import delivery, services, subscriptions
from yingji.warnings.models import Delivery, EarlyWarning

router = Router(auth=AUTH, tags=["warnings"])

DeliveryStatus = Literal["queued", "sending", "sent", "delivered", "failed"]
ChannelName = Literal["sms", "broadcast", "app", "inbox"]
RecipientKind = Literal["user", "responder", "subscriber", "terminal"]
MAX_RECEIPTS = 10_000


def masked(kind: str, address: str) -> str:
    """A public subscriber's number or push token, shown only in part (138****5678)."""
    return subscriptions.masked(address) if kind == Delivery.SUBSCRIBER else address


class DeliveryOut(Schema):
    id: int
    channel: ChannelName
    recipient_kind: RecipientKind
    recipient_id: int
    address: str = Field(description="公众订阅的号码部分隐藏 / subscribers' numbers are masked")
    region_code: str = Field(alias="region_id", description="接收对象所在县 / the recipient's county")
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    provider_id: str
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None

    @staticmethod
    def resolve_address(row: Delivery) -> str:
        return masked(row.recipient_kind, row.address)


class DeliveryFilter(Schema):
    status: DeliveryStatus | None = None
    channel: ChannelName | None = None
    recipient_kind: RecipientKind | None = None
    region: str | None = Field(None, max_length=12, description="接收对象所在区划 / recipients in region")


class DeliverySummaryOut(Schema):
    warning_id: int
    total: int
    by_status: dict[str, int] = Field(description="各状态条数 / count per status")
    by_channel: dict[str, dict[str, int]] = Field(description="渠道 × 状态 / count per channel and status")


def _deliveries_of(request: HttpRequest, warning_id: int) -> Any:
    """The deliveries of a warning the user may see, narrowed to the user's region."""
    user = current_user(request)
    services.require(services.may_view(user))
    warning = EarlyWarning.objects.get_visible_or_404(user, pk=warning_id)
    return Delivery.objects.visible_to(user).filter(warning=warning)


@router.get(
    "/warnings/{warning_id}/deliveries",
    response=responses(list[DeliveryOut]),
    summary="预警送达记录 / A warning's deliveries",
)
@paginate(Page)
def list_deliveries(request: HttpRequest, filters: Query[DeliveryFilter], warning_id: int = id_path()) -> Any:
    found = region_filter(_deliveries_of(request, warning_id), filters.region)
    for name in ("status", "channel", "recipient_kind"):
        if (value := getattr(filters, name)) is not None:
            found = found.filter(**{name: value})
    return found.order_by("id")


@router.get(
    "/warnings/{warning_id}/deliveries/summary",
    response=responses(DeliverySummaryOut),
    summary="送达统计 / Deliveries counted by channel and status",
)
def summarize_deliveries(request: HttpRequest, warning_id: int = id_path()) -> Any:
    counts = _deliveries_of(request, warning_id).values_list("channel", "status").annotate(n=Count("id"))
    by_channel: dict[str, dict[str, int]] = {}
    by_status: dict[str, int] = {}
    for channel, status, n in counts.order_by():
        by_channel.setdefault(channel, {})[status] = n
        by_status[status] = by_status.get(status, 0) + n
    return {
        "warning_id": warning_id,
        "total": sum(by_status.values()),
        "by_status": by_status,
        "by_channel": by_channel,
    }


# Receipts ----------------------------------------------------------------------------------------


class ReceiptToken(HttpBearer):
    """`Authorization: Bearer <WARNINGS_RECEIPT_TOKEN>`; with no token configured, no such route."""

    def __call__(self, request: HttpRequest) -> Any:
        if not getattr(settings, "WARNINGS_RECEIPT_TOKEN", ""):
            raise NotFound()
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> bool | None:
        expected = str(getattr(settings, "WARNINGS_RECEIPT_TOKEN", ""))
        return hmac.compare_digest(token.encode(), expected.encode()) or None


class ReceiptIn(Schema):
    key: str | None = Field(None, max_length=64, description="消息的幂等键 / the message's idempotency key")
    provider_id: str | None = Field(None, max_length=100, description="网关的消息编号 / the gateway's id")
    status: Literal["delivered", "failed"]
    at: datetime | None = Field(None, description="送达或失败时间 / when; default: on arrival")
    error: str = Field("", max_length=500)


class ReceiptsIn(Schema):
    receipts: list[ReceiptIn] = Field(..., min_length=1, max_length=MAX_RECEIPTS)


class ReceiptsOut(Schema):
    applied: int = Field(description="状态已更新 / deliveries changed")
    unchanged: int = Field(description="已是该状态或已送达 / already so, or delivered (never goes back)")
    unknown: list[str] = Field(description="未找到的键或编号 / keys or ids matching no delivery")


@router.post(
    "/warnings/receipts",
    auth=ReceiptToken(),
    response=responses(ReceiptsOut),
    summary="送达回执（网关回调）/ Delivery receipts (gateway callback)",
)
def post_receipts(request: HttpRequest, payload: ReceiptsIn) -> Any:
    unnamed = [index for index, item in enumerate(payload.receipts) if not (item.key or item.provider_id)]
    if unnamed:
        raise InvalidInput(
            "每条回执须有 key 或 provider_id / Every receipt needs a key or a provider_id",
            details={"receipts": unnamed[:100]},
        )
    items = [
        delivery.Receipt(
            status=item.status,
            key=item.key or "",
            provider_id=item.provider_id or "",
            at=timezone.make_aware(item.at) if item.at and timezone.is_naive(item.at) else item.at,
            error=item.error,
        )
        for item in payload.receipts
    ]
    report = delivery.apply_receipts(items)
    return {"applied": report.applied, "unchanged": report.unchanged, "unknown": report.unknown}
