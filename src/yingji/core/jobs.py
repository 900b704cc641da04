"""Deadlines and the notification outbox, drained by `yingji worker` or `yingji run-due --now`.

Background work is data (DESIGN.md): a domain schedules a `Deadline` row and registers a handler
for its kind; the worker runs each due row once. A row is claimed, handled and marked done in one
transaction (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite admits one writer at a time), so
several workers may run at once, and a crash rolls back both the handler's effects and the claim:
nothing is lost and nothing happens twice. Notifications are delivered the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from yingji.core.models import Deadline, LoginAttempt, Notification, Region, User

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_DELAY = timedelta(minutes=5)
LOGIN_ATTEMPTS_KEPT = timedelta(days=30)  # sign-in attempts older than this are housekeeping, not evidence

DeadlineHandler = Callable[[Deadline, datetime], None]
Sender = Callable[[Notification], None]
PeriodicCheck = Callable[[datetime], int]
StillWaiting = Callable[[Any], bool]
# (region, moment) → the ids of the people on shift at the region's duty room then, or None when no
# rota covers that moment there (the command domain registers one; ADR 0038).
OnDutyResolver = Callable[[Region, datetime], "list[int] | None"]
_handlers: dict[str, DeadlineHandler] = {}
_senders: dict[str, Sender] = {}
_periodic_checks: dict[str, PeriodicCheck] = {}
_tasks: dict[str, StillWaiting] = {}
_on_duty_resolvers: list[OnDutyResolver] = []


def deadline_handler(kind: str) -> Callable[[DeadlineHandler], DeadlineHandler]:
    """Register the function that runs when a deadline of `kind` comes due."""

    def decorator(handler: DeadlineHandler) -> DeadlineHandler:
        _handlers[kind] = handler
        return handler

    return decorator


def notification_sender(channel: str) -> Callable[[Sender], Sender]:
    """Register how notifications of a channel are delivered; raising means "try again later"."""

    def decorator(sender: Sender) -> Sender:
        _senders[channel] = sender
        return sender

    return decorator


def periodic_check(name: str) -> Callable[[PeriodicCheck], PeriodicCheck]:
    """Register a check that every pass of run_due makes, for work found by looking at the data.

    Some due work has no row of its own because one would have to be rewritten constantly: a sensor
    is offline once its last reading is older than its offline time, and a deadline per sensor would
    be rescheduled on every batch of readings. Such a check must be cheap when there is nothing to
    do (an indexed query), idempotent, and run its changes in its own transaction; it returns how
    many things it did.
    """

    def decorator(check: PeriodicCheck) -> PeriodicCheck:
        _periodic_checks[name] = check
        return check

    return decorator


def todo_task(name: str) -> Callable[[StillWaiting], StillWaiting]:
    """Register a kind of to-do and how to tell from its object's state whether the action still waits.

    `notify(task=name)` refuses an unregistered name. The services keep the inbox true by closing
    to-dos as they change state (`tasks_done`); the check is how tests, and anyone auditing the data,
    verify that every open to-do still asks for something that can be done.
    """

    def decorator(check: StillWaiting) -> StillWaiting:
        _tasks[name] = check
        return check

    return decorator


def still_waiting(notification: Notification) -> bool:
    """Whether an open to-do's object still waits for its action (False if the object is gone)."""
    from django.apps import apps

    model = apps.get_model(notification.object_type)
    instance = model._default_manager.filter(pk=notification.object_id).first()
    return instance is not None and _tasks[notification.task](instance)


@notification_sender("inbox")
def deliver_to_inbox(notification: Notification) -> None:
    """The in-app inbox needs no transport: the row is the message, delivery makes it visible."""


# Scheduling -------------------------------------------------------------------------------------


def schedule(
    kind: str,
    instance: models.Model,
    due_at: datetime,
    *,
    key: str = "",
    **payload: Any,
) -> Deadline:
    """Set the pending deadline `kind` (and `key`) of `instance` to `due_at`, replacing an earlier one."""
    if kind not in _handlers:
        raise ValueError(f"no handler registered for deadline kind {kind!r}")
    object_type, object_id = instance._meta.label_lower, str(instance.pk)
    deadline, _ = Deadline.objects.update_or_create(
        kind=kind,
        object_type=object_type,
        object_id=object_id,
        key=key,
        status=Deadline.PENDING,
        defaults={"due_at": due_at, "payload": payload},
    )
    return deadline


def schedule_new(kind: str, due: Iterable[tuple[models.Model, datetime]]) -> int:
    """Deadlines `kind` for instances created in this transaction (none can be pending yet), in one insert."""
    if kind not in _handlers:
        raise ValueError(f"no handler registered for deadline kind {kind!r}")
    rows = [
        Deadline(kind=kind, object_type=instance._meta.label_lower, object_id=str(instance.pk), due_at=due_at)
        for instance, due_at in due
    ]
    Deadline.objects.bulk_create(rows)
    return len(rows)


def cancel_all(kind: str, instances: Iterable[models.Model]) -> int:
    """Cancel the pending deadlines `kind` (every key) of several instances of one model, in one update."""
    instances = list(instances)
    if not instances:
        return 0
    return Deadline.objects.filter(
        kind=kind,
        object_type=instances[0]._meta.label_lower,
        object_id__in=[str(instance.pk) for instance in instances],
        status=Deadline.PENDING,
    ).update(status=Deadline.CANCELLED, done_at=timezone.now())


def cancel(kind: str, instance: models.Model, *, key: str | None = None) -> int:
    """Cancel the pending deadlines `kind` of `instance` (all keys unless one is given)."""
    pending = Deadline.objects.filter(
        kind=kind, object_type=instance._meta.label_lower, object_id=str(instance.pk), status=Deadline.PENDING
    )
    if key is not None:
        pending = pending.filter(key=key)
    return pending.update(status=Deadline.CANCELLED, done_at=timezone.now())


def pending_deadlines(instance: models.Model) -> models.QuerySet[Deadline]:
    return Deadline.objects.filter(
        object_type=instance._meta.label_lower, object_id=str(instance.pk), status=Deadline.PENDING
    ).order_by("due_at")


# Notifications ----------------------------------------------------------------------------------


def notify(
    recipients: Iterable[User],
    subject: str,
    *,
    body: str = "",
    link: str = "",
    about: models.Model | None = None,
    channels: tuple[str, ...] = ("inbox",),
    task: str = "",
) -> int:
    """Queue a message to each recipient on each channel, inside the caller's transaction.

    With `task` the message is a to-do about `about`: it waits in the recipients' to-do list until
    the service that takes the action (or makes it impossible) calls `tasks_done(about, task)`.
    """
    rows = notifications(recipients, subject, body=body, link=link, about=about, channels=channels, task=task)
    Notification.objects.bulk_create(rows)
    return len(rows)


def notifications(
    recipients: Iterable[User],
    subject: str,
    *,
    body: str = "",
    link: str = "",
    about: models.Model | None = None,
    channels: tuple[str, ...] = ("inbox",),
    task: str = "",
) -> list[Notification]:
    """The outbox rows `notify` queues, not saved: for a caller that stores many messages in one insert."""
    if task and (about is None or task not in _tasks):
        raise ValueError(f"a to-do needs a registered task and an object it is about, not {task!r}")
    return [
        Notification(
            recipient=user,
            region_id=user.region_id,
            channel=channel,
            subject=subject[:200],
            body=body,
            link=link[:200],
            object_type=about._meta.label_lower if about is not None else "",
            object_id=str(about.pk) if about is not None else "",
            task=task,
        )
        for user in recipients
        for channel in channels
    ]


def tasks_done(about: models.Model, *tasks: str, at: datetime | None = None) -> int:
    """Close the open to-dos about `about` (of `tasks`, or all): the action was taken or can no longer be.

    Called by the service that changes the object's state, inside its transaction.
    """
    return tasks_done_for(about._meta.label_lower, [about.pk], *tasks, at=at)


def tasks_done_for(
    object_type: str, object_ids: Iterable[Any], *tasks: str, at: datetime | None = None
) -> int:
    """`tasks_done` for several objects of one model at once (a batch of alarms), in one update."""
    ids = [str(pk) for pk in object_ids]
    if not ids:
        return 0
    open_todos = Notification.objects.filter(
        object_type=object_type, object_id__in=ids, done_at__isnull=True
    ).exclude(task="")
    if tasks:
        open_todos = open_todos.filter(task__in=tasks)
    return open_todos.update(done_at=at or timezone.now())


def users_with_role_at(role: str, region: Region) -> models.QuerySet[User]:
    """The active users of `role` who work at exactly `region` (e.g. the county admins of a county)."""
    return User.objects.filter(role=role, region=region, is_active=True)


def on_duty_resolver(resolver: OnDutyResolver) -> OnDutyResolver:
    """Register how to tell who is on shift at a region's duty room (the duty rota, ADR 0038)."""
    _on_duty_resolvers.append(resolver)
    return resolver


def on_duty_ids(region: Region, at: datetime | None = None) -> list[int] | None:
    """The ids of the people on shift at `region` at `at` (now), or None when no rota covers it."""
    moment = at or timezone.now()
    for resolver in _on_duty_resolvers:
        found = resolver(region, moment)
        if found is not None:
            return found
    return None


def on_duty_or_role(
    region: Region,
    roles_in_order: Iterable[str],
    *,
    on_shift_roles: Iterable[str] | None = None,
    at: datetime | None = None,
) -> list[User]:
    """Who is told at `region`: the people on shift there now (those of `on_shift_roles` if given),
    else, when no rota covers the moment or none of the shift qualifies, the users of the first of
    `roles_in_order` that `region` has (as before rotas: its duty officers, else its administrators).

    Every notification that goes "to the duty room" (an alarm, a warning to approve, a check-in, an
    incident) chooses its recipients here, so the rota drives them all the same way.
    """
    ids = on_duty_ids(region, at)
    if ids:
        people = User.objects.filter(pk__in=ids, is_active=True).order_by("pk")
        if on_shift_roles is not None:
            people = people.filter(role__in=list(on_shift_roles))
        found = list(people)
        if found:
            return found
    for role in roles_in_order:
        found = list(users_with_role_at(role, region).order_by("pk"))
        if found:
            return found
    return []


# Running ----------------------------------------------------------------------------------------


@dataclass
class RunReport:
    """What one pass of run_due did."""

    checks_done: int = 0
    checks_failed: int = 0
    deadlines_done: int = 0
    deadlines_failed: int = 0
    notifications_sent: int = 0
    notifications_failed: int = 0

    def __str__(self) -> str:
        return (
            f"checks: {self.checks_done} changes, {self.checks_failed} failed; "
            f"deadlines: {self.deadlines_done} done, {self.deadlines_failed} failed; "
            f"notifications: {self.notifications_sent} sent, {self.notifications_failed} failed"
        )


def _claimable(queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset


def run_one_deadline(now: datetime, report: RunReport) -> bool:
    """Run the oldest due deadline, if any; False when none is due."""
    with transaction.atomic():
        deadline = (
            _claimable(Deadline.objects.filter(status=Deadline.PENDING, due_at__lte=now))
            .order_by("due_at", "id")
            .first()
        )
        if deadline is None:
            return False
        handler = _handlers.get(deadline.kind)
        deadline.attempts += 1
        try:
            if handler is None:
                raise LookupError(f"no handler registered for {deadline.kind!r}")
            with transaction.atomic():
                # Done before the handler runs (undone with it if it fails), so that a handler may
                # schedule the next deadline of the same kind for the same object without meeting this one.
                Deadline.objects.filter(pk=deadline.pk).update(status=Deadline.DONE, done_at=now)
                handler(deadline, now)
        except Exception as error:
            log.exception("deadline %s failed", deadline.pk)
            deadline.last_error = f"{type(error).__name__}: {error}"[:2000]
            if deadline.attempts >= MAX_ATTEMPTS or handler is None:
                deadline.status, deadline.done_at = Deadline.FAILED, now
            else:
                deadline.due_at = now + RETRY_DELAY * deadline.attempts
            report.deadlines_failed += 1
        else:
            deadline.status, deadline.done_at = Deadline.DONE, now
            report.deadlines_done += 1
        deadline.save(update_fields=["status", "done_at", "due_at", "attempts", "last_error"])
    return True


def deliver_one_notification(now: datetime, report: RunReport) -> bool:
    """Deliver the oldest pending notification, if any; False when none is waiting."""
    with transaction.atomic():
        notification = (
            _claimable(Notification.objects.filter(status=Notification.PENDING, next_attempt_at__lte=now))
            .order_by("next_attempt_at", "id")
            .first()
        )
        if notification is None:
            return False
        notification.attempts += 1
        try:
            sender = _senders[notification.channel]
            sender(notification)
        except Exception as error:
            log.warning("notification %s not delivered: %s", notification.pk, error)
            notification.last_error = f"{type(error).__name__}: {error}"[:2000]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = Notification.FAILED
            notification.next_attempt_at = now + RETRY_DELAY * notification.attempts
            report.notifications_failed += 1
        else:
            notification.status, notification.sent_at = Notification.SENT, now
            report.notifications_sent += 1
        notification.save(update_fields=["status", "sent_at", "attempts", "last_error", "next_attempt_at"])
    return True


def run_periodic_checks(now: datetime, report: RunReport) -> None:
    """Run every registered periodic check once; one failing does not stop the others."""
    for name, check in _periodic_checks.items():
        try:
            report.checks_done += check(now)
        except Exception:
            log.exception("periodic check %s failed", name)
            report.checks_failed += 1


def run_due(now: datetime | None = None, limit: int = 100_000) -> RunReport:
    """Run every deadline due at `now` and deliver every notification written by then, once."""
    now = now or timezone.now()
    report = RunReport()
    run_periodic_checks(now, report)
    for _ in range(limit):
        if not run_one_deadline(now, report):
            break
    for _ in range(limit):
        if not deliver_one_notification(now, report):
            break
    LoginAttempt.objects.filter(at__lt=now - LOGIN_ATTEMPTS_KEPT).delete()
    return report
