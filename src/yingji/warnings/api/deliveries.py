"""Deliveries API: a warning's deliveries and their counts, for staff.

Staff see the deliveries of a warning they can see, and of those only the ones to recipients in
their own region (a county sees its county's share of a city warning). The public's numbers are
masked. The gateways' receipts for these messages, as for every message of the shared outbox,
arrive through the messaging API (`POST /api/v1/warnings/receipts` is one of its routes).
"""

from datetime import datetime
from typing import Any, Literal

from django.db.models import Count
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from yingji.core.api_common import AUTH, Page, current_user, id_path, region_filter, responses
from yingji.messaging.models import Delivery
from yingji.warnings import services, subscriptions, targeting
from yingji.warnings.models import EarlyWarning

router = Router(auth=AUTH, tags=["warnings"])

DeliveryStatus = Literal["queued", "sending", "sent", "delivered", "failed"]
ChannelName = Literal["sms", "broadcast", "app", "inbox"]
RecipientKind = Literal["user", "responder", "subscriber", "terminal"]


def masked(kind: str, address: str) -> str:
    """A public subscriber's number or push token, shown only in part (138****5678)."""
    return subscriptions.masked(address) if kind == targeting.SUBSCRIBER else address


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
    return Delivery.objects.visible_to(user).about(warning)


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
