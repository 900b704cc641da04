"""What the outbox's tests share: messages about a county (a duty check-in reminder, not a warning),
batches written out by hand, and the rows they became."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import models

from yingji.core.models import Region
from yingji.messaging import outbox
from yingji.messaging.models import Delivery
from yingji.messaging.outbox import Text

NOW = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
COUNTY_A, COUNTY_B = "140902", "140921"
SUBSCRIBER = "subscriber"
TEXTS = {
    Delivery.SMS: Text("【忻州应急】请于今日18:00前完成值班签到。"),
    Delivery.BROADCAST: Text("请各村值班人员于今日18:00前完成签到。"),
    Delivery.APP: Text('{"title": "值班签到提醒"}'),
    Delivery.INBOX: Text("请于今日18:00前完成值班签到。", "值班签到提醒", "/duty/"),
}


def county() -> Region:
    """What the tests' messages are about."""
    return Region.objects.get(code=COUNTY_A)


def batch(*rows: tuple[str, int, str, str, str]) -> outbox.Batch:
    """(kind, id, channel, address, county) per row; the cell is the row's position."""
    kinds, ids, channel_names, addresses, counties = (list(column) for column in zip(*rows, strict=True))
    return outbox.Batch(
        kind=kinds,
        recipient_id=ids,
        channel=channel_names,
        address=addresses,
        region=counties,
        cell=list(range(len(rows))),
        key=[
            f"test-{kind}-{channel}-{n}" for kind, n, channel in zip(kinds, ids, channel_names, strict=True)
        ],
    )


def sms(count: int, first: int = 1, county_code: str = COUNTY_A) -> outbox.Batch:
    """SMS to `count` subscribers numbered from `first`, phones 138000000NN."""
    return batch(
        *((SUBSCRIBER, n, Delivery.SMS, f"138{n:08d}", county_code) for n in range(first, first + count))
    )


def queue(messages: outbox.Batch, about: models.Model | None = None, now: datetime = NOW) -> int:
    return outbox.queue_many(about or county(), TEXTS, messages, now)


def rows(about: models.Model | None = None) -> list[dict[str, Any]]:
    """The deliveries about `about` (the county) by recipient: rows are written in key order."""
    return list(Delivery.objects.about(about or county()).order_by("recipient_id", "channel").values())


def statuses(about: models.Model | None = None) -> list[str]:
    return [row["status"] for row in rows(about)]
