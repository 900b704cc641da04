"""The one message outbox of the platform: what is said about what, and each sending of it.

A `Message` is a text about one object of the platform (a warning version, a hazard, a duty
shift …, named like audit entries and notifications: `object_type` is the model's label,
`object_id` its key), with the subject line and link an inbox entry shows. A `Delivery` is that
message to one recipient on one channel: a row of the outbox, drained by the worker
(delivery.py). Thousands of deliveries share one message, so a warning's fan-out writes the text
once per channel, and a delivery row stays as narrow as an outbox row of one domain would be.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yingji.core.models import Region
from yingji.core.scoping import ScopedQuerySet


def object_key(about: models.Model) -> tuple[str, str]:
    """What a message is about, as stored: the model's label and the object's key."""
    return about._meta.label_lower, str(about.pk)


class MessageQuerySet(models.QuerySet):
    """Messages, found by what they are about."""

    def about(self, about: models.Model) -> Any:
        object_type, object_id = object_key(about)
        return self.filter(object_type=object_type, object_id=object_id)


class Message(models.Model):
    """A text about one object, shared by every delivery of it.

    `digest` is a hash of everything else: queuing the same text about the same object again (a
    repeated fan-out, the same reminder to many people) reuses the row instead of writing another.
    """

    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    subject = models.CharField("标题", max_length=200, blank=True)  # the inbox's subject line
    body = models.TextField("正文")
    link = models.CharField("链接", max_length=200, blank=True)  # where an inbox entry leads
    digest = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = "消息"
        verbose_name_plural = "消息"
        indexes = [models.Index(fields=["object_type", "object_id"], name="message_about")]

    def __str__(self) -> str:
        return f"{self.object_type}#{self.object_id} {self.subject or self.body[:20]}"


class DeliveryQuerySet(ScopedQuerySet):
    """Deliveries, narrowed to what a user may see (`visible_to`) and to what they are about."""

    def about(self, about: models.Model) -> Any:
        """The deliveries of `about`'s messages (one to four): their ids are read first and named.

        As a subquery the planner cannot know how many deliveries it selects; while PostgreSQL's
        statistics still describe a fan-out's rows as they were queued (until the next ANALYZE), it
        then estimates one row and reads a whole warning's deliveries by a nested loop (measured:
        600 ms for a coverage count that reads 190,000 rows in 60 ms by the covering index).
        """
        messages = list(Message.objects.about(about).values_list("id", flat=True))
        return self.filter(message_id__in=messages)


class Delivery(models.Model):
    """One message to one recipient on one channel: a row of the outbox.

    queued → sending (claimed by a worker) → sent → delivered, or failed after the last retry. The
    idempotency key goes to the provider with the message, so a message sent by a worker that died
    before recording it is not sent twice when another worker takes the row over (delivery.py,
    docs/decisions/0017 and 0021).
    """

    SMS, BROADCAST, APP, INBOX = "sms", "broadcast", "app", "inbox"
    CHANNEL_CHOICES = [
        (SMS, _("短信")),
        (BROADCAST, _("应急广播")),
        (APP, _("App 推送")),
        (INBOX, _("站内消息")),
    ]
    QUEUED, SENDING, SENT, DELIVERED, FAILED = "queued", "sending", "sent", "delivered", "failed"
    STATUS_CHOICES = [
        (QUEUED, _("排队")),
        (SENDING, _("发送中")),
        (SENT, _("已发送")),
        (DELIVERED, _("已送达")),
        (FAILED, _("失败")),
    ]
    # The platform user: the kind of recipient the inbox needs. Domains name their own registers
    # (a warning's "subscriber", "responder", "terminal" …).
    USER = "user"

    # A warning's fan-out writes up to a million rows at once (outbox.queue_many). The two keys get
    # neither an index of their own (delivery_by_message starts with the message; the region is
    # reached through what the message is about) nor a database constraint, whose per-row trigger
    # more than doubles a PostgreSQL COPY: rows are written only by the outbox, from rows it has
    # just read or written, and PROTECT still holds in the ORM (as for readings, decision 0013).
    message = models.ForeignKey(
        Message, on_delete=models.PROTECT, related_name="deliveries", db_index=False, db_constraint=False
    )
    channel = models.CharField("渠道", max_length=10, choices=CHANNEL_CHOICES)
    # Which register `recipient_id` points into: "user", or one the queuing domain names.
    recipient_kind = models.CharField("接收对象", max_length=16)
    recipient_id = models.BigIntegerField()
    address = models.CharField("地址", max_length=200)
    # The recipient's region (who may see the row; a warning's per-county coverage) and population
    # grid cell (−1: unknown).
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    cell = models.IntegerField(default=-1)
    # Unique by the constraint below, which on PostgreSQL is one index: a field's unique=True would
    # add a second (varchar_pattern_ops, for LIKE) that every fan-out row pays for and nothing reads.
    idempotency_key = models.CharField(max_length=64)
    status = models.CharField("状态", max_length=10, choices=STATUS_CHOICES, default=QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When a worker may take the row: at once, after a retry's backoff, or (while sending) when the
    # claiming worker's lease ends. One index then finds both the due and the abandoned rows.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField("通道回执号", max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()
    scope_region_field = "region"

    class Meta:
        ordering = ["id"]
        verbose_name = "消息送达"
        verbose_name_plural = "消息送达"
        constraints = [models.UniqueConstraint(fields=["idempotency_key"], name="delivery_one_per_key")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at", "id"], name="delivery_outbox"),
            # Covers a warning's coverage count (delivered SMS/app rows per cell) and the summaries
            # of what one object's messages became.
            models.Index(fields=["message", "status", "channel", "cell"], name="delivery_by_message"),
            # Receipts that name the provider's id; coverage brought up to date after deliveries.
            models.Index(fields=["provider_id"], name="delivery_provider", condition=~Q(provider_id="")),
            models.Index(
                fields=["message", "delivered_at"],
                name="delivery_delivered",
                condition=Q(delivered_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.channel} {self.recipient_kind}#{self.recipient_id}"
