"""Receipts API: the SMS, broadcast and push gateways' callback for every message of the outbox.

Gateways post with the bearer secret of settings `MESSAGING_RECEIPT_TOKEN`; without one configured
the routes do not exist (404). `POST /api/v1/messages/receipts` is the route's name now that the
outbox serves every domain; `POST /api/v1/warnings/receipts`, where gateways were pointed when only
warnings went out, stays the same route.
"""

import hmac
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.security import HttpBearer

from yingji.core.api_common import BoundedDateTime, responses
from yingji.core.errors import InvalidInput, NotFound
from yingji.messaging import receipts

router = Router(tags=["messaging"])

MAX_RECEIPTS = 10_000


class ReceiptToken(HttpBearer):
    """`Authorization: Bearer <MESSAGING_RECEIPT_TOKEN>`; with no token configured, no such route."""

    def __call__(self, request: HttpRequest) -> Any:
        if not getattr(settings, "MESSAGING_RECEIPT_TOKEN", ""):
            raise NotFound()
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> bool | None:
        expected = str(getattr(settings, "MESSAGING_RECEIPT_TOKEN", ""))
        return hmac.compare_digest(token.encode(), expected.encode()) or None


class ReceiptIn(Schema):
    key: str | None = Field(None, max_length=64, description="消息的幂等键 / the message's idempotency key")
    provider_id: str | None = Field(None, max_length=100, description="网关的消息编号 / the gateway's id")
    status: Literal["delivered", "failed"]
    at: BoundedDateTime | None = Field(None, description="送达或失败时间 / when; default: on arrival")
    error: str = Field("", max_length=500)


class ReceiptsIn(Schema):
    receipts: list[ReceiptIn] = Field(..., min_length=1, max_length=MAX_RECEIPTS)


class ReceiptsOut(Schema):
    applied: int = Field(description="状态已更新 / deliveries changed")
    unchanged: int = Field(description="已是该状态或已送达 / already so, or delivered (never goes back)")
    unknown: list[str] = Field(description="未找到的键或编号 / keys or ids matching no delivery")


def _apply(payload: ReceiptsIn) -> dict[str, Any]:
    unnamed = [index for index, item in enumerate(payload.receipts) if not (item.key or item.provider_id)]
    if unnamed:
        raise InvalidInput(
            "每条回执须有 key 或 provider_id / Every receipt needs a key or a provider_id",
            details={"receipts": unnamed[:100]},
        )
    items = [
        receipts.Receipt(
            status=item.status,
            key=item.key or "",
            provider_id=item.provider_id or "",
            at=timezone.make_aware(item.at) if item.at and timezone.is_naive(item.at) else item.at,
            error=item.error,
        )
        for item in payload.receipts
    ]
    report = receipts.apply_receipts(items)
    return {"applied": report.applied, "unchanged": report.unchanged, "unknown": report.unknown}


@router.post(
    "/messages/receipts",
    auth=ReceiptToken(),
    response=responses(ReceiptsOut),
    summary="送达回执（网关回调）/ Delivery receipts (gateway callback)",
)
def post_receipts(request: HttpRequest, payload: ReceiptsIn) -> Any:
    return _apply(payload)


@router.post(
    "/warnings/receipts",
    auth=ReceiptToken(),
    response=responses(ReceiptsOut),
    summary="送达回执（网关回调，原地址）/ Delivery receipts (gateway callback, the earlier address)",
)
def post_warning_receipts(request: HttpRequest, payload: ReceiptsIn) -> Any:
    return _apply(payload)
