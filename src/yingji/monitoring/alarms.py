"""Alarm lifecycle: raised → escalated / de-escalated → acknowledged → cleared → closed.

The pipeline hands over, per sensor and rule, what one batch showed (`Outcome`); this module keeps at
most one open alarm per sensor and rule, so a flapping sensor moves its alarm up and down instead
of opening a new one per reading. An alarm clears once its sensor has read normal for
MONITORING_CLEAR_AFTER_SECONDS; a person acknowledges it and closes it with a disposal note.

Who is told: the enterprise's officers (or the site owner's staff) of every alarm, the county duty
officers from orange, the city from red; an alarm nobody acknowledges within
MONITORING_ACK_TIMEOUT_SECONDS is reported one tier further up. Messages go through the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from yingji.core import audit, jobs, regioncodes, roles
from yingji.core.errors import Conflict, Forbidden, InvalidInput
from yingji.core.models import Notification, User
from yingji.enterprises.services import officers_of
from yingji.monitoring.models import Alarm, AlarmEvent, Sensor, SensorState
from yingji.monitoring.sensortypes import LEVEL_LABELS, ORANGE, RED, YELLOW

ACK_OVERDUE = "monitoring.ack_overdue"
ENTERPRISE_TIER, COUNTY_TIER, CITY_TIER = 0, 1, 2
TIER_NAMES = ("enterprise", "county", "city")
OFFLINE_LEVEL = YELLOW
# The to-do (core.jobs) of a raised alarm: someone acknowledges it; done once anyone has, or it cleared.
ACKNOWLEDGE_TASK = "monitoring.acknowledge"
MAX_NOTE_LENGTH = 2000
RISING_ACTIONS = frozenset({"alarm.raised", "alarm.reraised", "alarm.escalated"})

log = logging.getLogger(__name__)

AlarmListener = Callable[[Sequence[Alarm], datetime], None]
_listeners: list[AlarmListener] = []


def on_alarm_rising(listener: AlarmListener) -> AlarmListener:
    """Register a function told of alarms raised, re-raised or escalated, inside the batch's transaction.

    Other domains react to alarms this way (warnings open drafts from rainstorm and toxic-gas alarms)
    without monitoring knowing them. A listener that fails is logged and undone on its own; the
    readings and alarms of the batch stand.
    """
    _listeners.append(listener)
    return listener


def _tell_listeners(alarms: Sequence[Alarm], now: datetime) -> None:
    for listener in _listeners:
        try:
            with transaction.atomic():
                listener(alarms, now)
        except Exception:
            log.exception("alarm listener %s failed", getattr(listener, "__name__", listener))


@dataclass(frozen=True)
class Outcome:
    """What one batch showed for one sensor under one rule."""

    sensor_id: int
    rule: str
    max_level: int
    peak_value: float | None
    peak_ts_ms: int
    last_ts_ms: int
    # First normal reading after the batch's last abnormal one (None: the batch ended abnormal).
    normal_since_ms: int | None
    earlier_abnormal: bool  # the batch itself had an abnormal reading
    advanced: bool  # the batch moved the sensor's latest reading forward
    window_h: int | None = None


@dataclass
class AlarmChanges:
    """Counts of what a batch or a check did to alarms, for answers, logs and the benchmark."""

    raised: list[int] = field(default_factory=list)
    escalated: int = 0
    deescalated: int = 0
    cleared: int = 0


def _moment(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def tier_for_level(level: int) -> int:
    """The highest tier told of an alarm of `level` at once."""
    if level >= RED:
        return CITY_TIER
    if level >= ORANGE:
        return COUNTY_TIER
    return ENTERPRISE_TIER


# Applying a batch -------------------------------------------------------------------------------


@dataclass
class _Writes:
    """The rows a batch's alarm changes add or change, gathered so they go out in a few statements at the end.

    A batch with a burst of spikes raises and clears dozens of alarms; written one by one, their rows,
    messages, events, audit entries and deadlines were most of the batch's statements, and on
    PostgreSQL every statement is a round trip to another process.
    """

    events: list[AlarmEvent] = field(default_factory=list)
    audited: list[audit.Change] = field(default_factory=list)
    deadlines: list[tuple[Alarm, datetime]] = field(default_factory=list)
    cancelled: list[Alarm] = field(default_factory=list)
    risen: list[Alarm] = field(default_factory=list)  # raised, re-raised or escalated, for listeners
    outbox: list[Notification] = field(default_factory=list)
    # Alarms already stored whose fields changed: {id: (alarm, the changed fields)}.
    changed: dict[int, tuple[Alarm, set[str]]] = field(default_factory=dict)

    def event(self, alarm: Alarm, kind: str, at: datetime, **fields: Any) -> None:
        self.events.append(_new_event(alarm, kind, at, **fields))

    def audit(self, action: str, alarm: Alarm, before: dict[str, Any] | None) -> None:
        if action in RISING_ACTIONS:
            self.risen.append(alarm)
        self.audited.append(audit.Change(action, alarm, before, audit.snapshot(alarm), alarm.sensor.region))

    def save(self, alarm: Alarm, fields: Sequence[str]) -> None:
        """Write these fields of the alarm at the end of the batch (with the others that changed the same)."""
        entry = self.changed.setdefault(alarm.pk, (alarm, set()))
        entry[1].update(fields)

    def flush(self, now: datetime) -> None:
        # One UPDATE per set of changed fields: an alarm's other fields are not written back, so a
        # person's acknowledgement made meanwhile is not undone.
        by_fields: dict[tuple[str, ...], list[Alarm]] = {}
        for alarm, names in self.changed.values():
            by_fields.setdefault(tuple(sorted(names)), []).append(alarm)
        for names, alarms in by_fields.items():
            _update_each(alarms, names)
        AlarmEvent.objects.bulk_create(self.events)
        Notification.objects.bulk_create(self.outbox)
        # After the messages: an alarm raised and cleared in one batch leaves no to-do behind.
        jobs.tasks_done_for(Alarm._meta.label_lower, [alarm.pk for alarm in self.cancelled], at=now)
        audit.record_many(None, self.audited)
        jobs.schedule_new(ACK_OVERDUE, self.deadlines)
        jobs.cancel_all(ACK_OVERDUE, self.cancelled)
        if self.risen:
            _tell_listeners(self.risen, now)


def _update_each(alarms: Sequence[Alarm], names: Sequence[str]) -> None:
    """Write the fields `names` of each alarm, each its own values, in one UPDATE.

    What `bulk_update` writes, without a Case and a When expression built and compiled per alarm and
    field: that took about 7 ms of CPU of a batch that raised and cleared a dozen alarms each.
    """
    table, quote = Alarm._meta.db_table, connection.ops.quote_name
    key = quote(Alarm._meta.pk.column)
    cast = connection.vendor == "postgresql"  # a CASE of parameters has no type there
    assignments: list[str] = []
    params: list[Any] = []
    for name in names:
        field = Alarm._meta.get_field(name)
        case = f"CASE {key} " + "WHEN %s THEN %s " * len(alarms) + "END"
        assignments.append(
            f"{quote(field.column)} = " + (f"CAST({case} AS {field.db_type(connection)})" if cast else case)
        )
        for alarm in alarms:
            params += [alarm.pk, field.get_db_prep_save(getattr(alarm, field.attname), connection)]
    params += [alarm.pk for alarm in alarms]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {', '.join(assignments)} WHERE {key} IN ({', '.join(['%s'] * len(alarms))})",
            params,
        )


def apply_outcomes(outcomes: Sequence[Outcome], back_online: Sequence[int], now: datetime) -> AlarmChanges:
    """Raise, move, re-raise or clear alarms for a batch's outcomes; inside the pipeline's transaction."""
    changes = AlarmChanges()
    sensor_ids = {outcome.sensor_id for outcome in outcomes} | set(back_online)
    open_alarms = {
        (alarm.sensor_id, alarm.rule): alarm
        for alarm in Alarm.objects.filter(sensor_id__in=sensor_ids, status__in=Alarm.OPEN_STATUSES)
    }
    # A sensor's enterprise is read only when its officers are looked up, once per enterprise and batch.
    sensors = {
        sensor.pk: sensor for sensor in Sensor.objects.filter(pk__in=sensor_ids).select_related("region")
    }
    for alarm in open_alarms.values():
        alarm.sensor = sensors[alarm.sensor_id]
    clear_after_ms = settings.MONITORING_CLEAR_AFTER_SECONDS * 1000
    cache: RecipientCache = {}
    writes = _Writes()
    new = [o for o in outcomes if (o.sensor_id, o.rule) not in open_alarms and o.max_level > 0]
    for outcome, alarm in zip(new, _raise_all(sensors, new, now, cache, writes), strict=True):
        changes.raised.append(alarm.pk)
        if outcome.normal_since_ms is not None:
            alarm.normal_since_ms = outcome.normal_since_ms
            if _clear_if_held(alarm, outcome.last_ts_ms, clear_after_ms, now, changes, writes):
                writes.save(alarm, ["normal_since_ms", "status", "cleared_at"])
    for outcome in outcomes:
        alarm = open_alarms.get((outcome.sensor_id, outcome.rule))
        if alarm is None:
            continue
        before = _tracked(alarm)
        _move(alarm, outcome, now, changes, cache, writes)
        if outcome.advanced:
            if outcome.normal_since_ms is None:
                alarm.normal_since_ms = None
            elif outcome.earlier_abnormal or alarm.normal_since_ms is None:
                alarm.normal_since_ms = outcome.normal_since_ms
            _clear_if_held(alarm, outcome.last_ts_ms, clear_after_ms, now, changes, writes)
        changed = [
            name for name, value in zip(_TRACKED, before, strict=True) if getattr(alarm, name) != value
        ]
        if changed:  # most batches change nothing of an alarm that is already open
            writes.save(alarm, changed)
    for sensor_id in back_online:
        alarm = open_alarms.get((sensor_id, Alarm.OFFLINE))
        if alarm is not None and alarm.status in (Alarm.RAISED, Alarm.ACKNOWLEDGED):
            _clear(alarm, now, writes)
            writes.save(alarm, ["status", "cleared_at"])
            changes.cleared += 1
    writes.flush(now)
    refresh_alarm_levels(sensor_ids)
    return changes


# The fields a batch may change on an open alarm; only those that did are written.
_TRACKED = (
    "level",
    "peak_level",
    "peak_value",
    "status",
    "normal_since_ms",
    "last_triggered_at",
    "window_h",
    "cleared_at",
    "acknowledged_by",
    "acknowledged_at",
    "notified_tier",
)


def _tracked(alarm: Alarm) -> tuple[Any, ...]:
    return tuple(getattr(alarm, name) for name in _TRACKED)


def _raise_all(
    sensors: dict[int, Sensor],
    outcomes: Sequence[Outcome],
    now: datetime,
    cache: RecipientCache | None,
    writes: _Writes,
) -> list[Alarm]:
    """Raise one alarm per outcome (none open for its sensor and rule), in one insert; the new alarms."""
    alarms = []
    for outcome in outcomes:
        sensor = sensors[outcome.sensor_id]
        at = _moment(outcome.peak_ts_ms)
        alarms.append(
            Alarm(
                sensor=sensor,
                rule=outcome.rule,
                level=outcome.max_level,
                peak_level=outcome.max_level,
                raised_at=at,
                created_at=now,
                last_triggered_at=at,
                trigger_value=outcome.peak_value,
                peak_value=outcome.peak_value,
                window_h=outcome.window_h,
                notified_tier=tier_for_level(outcome.max_level),
                region_id=sensor.region_id,
                organization_id=sensor.organization_id,
            )
        )
    Alarm.objects.bulk_create(alarms)  # both databases give the new ids back
    for alarm in alarms:
        tier = tier_for_level(alarm.level)
        _tell(alarm, ENTERPRISE_TIER, tier, cache, writes.outbox)
        writes.event(alarm, "raised", now, value=alarm.peak_value, told_tier=tier)
        writes.audit("alarm.raised", alarm, None)
        writes.deadlines.append((alarm, now + _ack_timeout()))
    return alarms


def _ack_timeout() -> timedelta:
    return timedelta(seconds=settings.MONITORING_ACK_TIMEOUT_SECONDS)


def _tell_up_to(
    alarm: Alarm,
    tier: int,
    cache: RecipientCache | None,
    outbox: list[Notification],
    *,
    again: bool = False,
) -> int | None:
    """Tell the tiers up to `tier` not yet told (all again if re-raised); the tier reached, or None."""
    told = -1 if again or alarm.notified_tier is None else alarm.notified_tier
    if tier <= told:
        return None
    _tell(alarm, told + 1, tier, cache, outbox)
    alarm.notified_tier = tier
    return tier


def _move(
    alarm: Alarm,
    outcome: Outcome,
    now: datetime,
    changes: AlarmChanges,
    cache: RecipientCache | None,
    writes: _Writes,
) -> None:
    """Escalate, de-escalate or re-raise an open alarm for a batch that read abnormal."""
    level = outcome.max_level
    if level == 0:
        return
    alarm.last_triggered_at = max(alarm.last_triggered_at, _moment(outcome.peak_ts_ms))
    if outcome.window_h is not None and level > alarm.peak_level:
        alarm.window_h = outcome.window_h  # the window that reached the highest level
    if outcome.peak_value is not None and level > alarm.peak_level:
        alarm.peak_value = outcome.peak_value  # the value that reached the highest level
    if alarm.status == Alarm.CLEARED:
        before = audit.snapshot(alarm)
        alarm.status, alarm.level, alarm.cleared_at = Alarm.RAISED, level, None
        alarm.acknowledged_by, alarm.acknowledged_at = None, None
        alarm.peak_level = max(alarm.peak_level, level)
        told = _tell_up_to(alarm, tier_for_level(level), cache, writes.outbox, again=True)
        writes.event(alarm, "reraised", now, level=level, value=outcome.peak_value, told_tier=told)
        writes.audit("alarm.reraised", alarm, before)
        jobs.schedule(ACK_OVERDUE, alarm, now + _ack_timeout())
        changes.raised.append(alarm.pk)
        return
    if level > alarm.level:
        before = audit.snapshot(alarm)
        alarm.level, alarm.peak_level = level, max(alarm.peak_level, level)
        told = _tell_up_to(alarm, tier_for_level(level), cache, writes.outbox)
        writes.event(alarm, "escalated", now, level=level, value=outcome.peak_value, told_tier=told)
        writes.audit("alarm.escalated", alarm, before)
        changes.escalated += 1
    elif level < alarm.level:
        alarm.level = level
        writes.event(alarm, "deescalated", now, level=level, value=outcome.peak_value)
        changes.deescalated += 1


def _clear_if_held(
    alarm: Alarm,
    last_ts_ms: int,
    clear_after_ms: int,
    now: datetime,
    changes: AlarmChanges,
    writes: _Writes,
) -> bool:
    """Clear the alarm if its sensor has read normal for the hold time; whether it did."""
    if (
        alarm.status in (Alarm.RAISED, Alarm.ACKNOWLEDGED)
        and alarm.normal_since_ms is not None
        and last_ts_ms - alarm.normal_since_ms >= clear_after_ms
    ):
        _clear(alarm, now, writes)
        changes.cleared += 1
        return True
    return False


def _clear(alarm: Alarm, now: datetime, writes: _Writes) -> None:
    """Readings back to normal (or, for an offline alarm, the sensor reporting again): the alarm clears."""
    before = audit.snapshot(alarm)
    alarm.status, alarm.cleared_at = Alarm.CLEARED, now
    writes.event(alarm, "cleared", now)
    writes.audit("alarm.cleared", alarm, before)
    writes.cancelled.append(alarm)


def refresh_alarm_levels(sensor_ids: Sequence[int] | set[int]) -> None:
    """Store on each sensor's state the highest level of its active (raised or acknowledged) alarms.

    One statement, and only the states whose level differs are written.
    """
    top = Coalesce(
        Subquery(
            Alarm.objects.filter(
                sensor_id=OuterRef("sensor_id"), status__in=(Alarm.RAISED, Alarm.ACKNOWLEDGED)
            )
            .values("sensor_id")
            .annotate(top=Max("level"))
            .values("top")
        ),
        0,
    )
    SensorState.objects.filter(sensor_id__in=list(sensor_ids)).alias(top=top).exclude(
        alarm_level=F("top")
    ).update(alarm_level=F("top"))


def _new_event(
    alarm: Alarm,
    kind: str,
    at: datetime,
    *,
    level: int | None = None,
    value: float | None = None,
    actor: User | None = None,
    note: str = "",
    told_tier: int | None = None,
) -> AlarmEvent:
    return AlarmEvent(
        alarm=alarm,
        kind=kind,
        at=at,
        level=alarm.level if level is None else level,
        value=value,
        actor=actor,
        note=note,
        told_tier=told_tier,
    )


def _event(alarm: Alarm, kind: str, at: datetime, **fields: Any) -> None:
    """Write one step of the timeline at once (people's actions; a batch gathers its steps in _Writes)."""
    _new_event(alarm, kind, at, **fields).save()


# Notifications ----------------------------------------------------------------------------------


RecipientCache = dict[tuple[Any, ...], list[User]]


def recipients_at_tier(sensor: Sensor, tier: int, cache: RecipientCache | None = None) -> list[User]:
    """Who is told of `sensor`'s alarms at `tier`, remembered in `cache` for the rest of a batch."""
    owner = sensor.enterprise_id or sensor.organization_id if tier == ENTERPRISE_TIER else sensor.region_id
    key = (tier, sensor.enterprise_id is not None, owner)
    if cache is None:
        return _recipients_at_tier(sensor, tier)
    if key not in cache:
        cache[key] = _recipients_at_tier(sensor, tier)
    return cache[key]


def _recipients_at_tier(sensor: Sensor, tier: int) -> list[User]:
    """Who is told at a tier: enterprise officers (or site staff), the county's duty room, the city's.

    A duty room's people are those on shift by its rota; where no rota covers the moment, its duty
    officers, and where it has no duty officer account, its administrators (core.jobs.on_duty_or_role).
    """
    if tier == ENTERPRISE_TIER:
        if sensor.enterprise_id is not None:
            return list(officers_of(sensor.enterprise))
        if sensor.organization_id is not None:
            return list(User.objects.filter(organization_id=sensor.organization_id, is_active=True))
        return []
    level = regioncodes.COUNTY if tier == COUNTY_TIER else regioncodes.CITY
    region = sensor.region.ancestor_at(level)
    if region is None:
        return []
    admin_role = roles.COUNTY_ADMIN if tier == COUNTY_TIER else roles.CITY_ADMIN
    return jobs.on_duty_or_role(region, (roles.DUTY_OFFICER, admin_role))


def _tell(
    alarm: Alarm, first_tier: int, last_tier: int, cache: RecipientCache | None, outbox: list[Notification]
) -> None:
    """Add the alarm's message for everyone at tiers first…last to `outbox` (the caller stores it)."""
    sensor = alarm.sensor
    value = "—" if alarm.peak_value is None else f"{alarm.peak_value:g} {sensor.unit}"
    rule = alarm.rule_label
    subject = f"{LEVEL_LABELS[alarm.level]}报警：{sensor.name}（{rule}）"
    body = (
        f"{sensor.name}（{sensor.code}）{rule}报警，值 {value}，"
        f"时间 {timezone.localtime(alarm.last_triggered_at):%Y-%m-%d %H:%M:%S}"
    )
    link = reverse("monitoring:alarm", args=[alarm.pk])
    # Only a raised alarm waits to be acknowledged; telling more people of an acknowledged one informs.
    task = ACKNOWLEDGE_TASK if alarm.status == Alarm.RAISED else ""
    for tier in range(first_tier, last_tier + 1):
        recipients = recipients_at_tier(sensor, tier, cache)
        outbox += jobs.notifications(recipients, subject, body=body, link=link, about=alarm, task=task)


@jobs.deadline_handler(ACK_OVERDUE)
def report_unacknowledged(deadline: Any, now: datetime) -> None:
    """An alarm unacknowledged after the timeout is reported one tier up, and again later, up to the city."""
    alarm = (
        Alarm.objects.select_related("sensor", "sensor__region").filter(pk=int(deadline.object_id)).first()
    )
    if alarm is None or alarm.status != Alarm.RAISED:
        return
    told = -1 if alarm.notified_tier is None else alarm.notified_tier
    if told >= CITY_TIER:
        return
    before = audit.snapshot(alarm)
    outbox: list[Notification] = []
    reached = _tell_up_to(alarm, told + 1, None, outbox)
    Notification.objects.bulk_create(outbox)
    alarm.save(update_fields=["notified_tier"])
    _event(alarm, "overdue", now, told_tier=reached)
    audit.record(None, "alarm.reported_up", alarm, before=before, after=audit.snapshot(alarm))
    if told + 1 < CITY_TIER:
        jobs.schedule(ACK_OVERDUE, alarm, now + _ack_timeout())


# People's actions -------------------------------------------------------------------------------


@jobs.todo_task(ACKNOWLEDGE_TASK)
def _awaits_acknowledgement(alarm: Alarm) -> bool:
    return alarm.status == Alarm.RAISED


def may_handle(user: User, alarm: Alarm) -> bool:
    """Officers of the enterprise, the duty officers and administrators of its region handle its alarms."""
    return user.role in (roles.ENTERPRISE_OFFICER, roles.DUTY_OFFICER, roles.COUNTY_ADMIN, roles.CITY_ADMIN)


def acknowledge(actor: User, alarm_id: int, note: str = "", *, at: datetime | None = None) -> Alarm:
    """A named person takes the alarm on; stops the escalation for not being acknowledged.

    `at` is for recording an acknowledgement made earlier (the demo's history); it defaults to now.
    """
    with transaction.atomic():
        alarm = _lock_visible(actor, alarm_id)
        if alarm.status != Alarm.RAISED:
            raise Conflict(
                f"报警状态为“{alarm.get_status_display()}”，无需确认 / "
                "Only a raised alarm can be acknowledged",
                code="invalid_state",
            )
        before = audit.snapshot(alarm)
        alarm.status, alarm.acknowledged_by, alarm.acknowledged_at = (
            Alarm.ACKNOWLEDGED,
            actor,
            at or timezone.now(),
        )
        alarm.save()
        _event(
            alarm, "acknowledged", alarm.acknowledged_at, actor=actor, note=_clean_note(note, required=False)
        )
        audit.record(actor, "alarm.acknowledged", alarm, before=before, after=audit.snapshot(alarm))
        jobs.cancel(ACK_OVERDUE, alarm)
        jobs.tasks_done(alarm, ACKNOWLEDGE_TASK, at=alarm.acknowledged_at)
        refresh_alarm_levels([alarm.sensor_id])
    return alarm


def close(actor: User, alarm_id: int, disposal_note: str, *, at: datetime | None = None) -> Alarm:
    """Close an acknowledged or cleared alarm with what was done about it (`at` as for acknowledge)."""
    note = _clean_note(disposal_note, required=True)
    with transaction.atomic():
        alarm = _lock_visible(actor, alarm_id)
        if alarm.status not in (Alarm.ACKNOWLEDGED, Alarm.CLEARED):
            raise Conflict(
                "报警须先确认或已恢复才能关闭 / An alarm is closed once acknowledged or cleared",
                code="invalid_state",
            )
        before = audit.snapshot(alarm)
        now = at or timezone.now()
        alarm.status, alarm.closed_by, alarm.closed_at, alarm.disposal_note = Alarm.CLOSED, actor, now, note
        if alarm.acknowledged_by_id is None:
            alarm.acknowledged_by, alarm.acknowledged_at = actor, now
        alarm.save()
        _event(alarm, "closed", now, actor=actor, note=note)
        audit.record(actor, "alarm.closed", alarm, before=before, after=audit.snapshot(alarm))
        jobs.cancel(ACK_OVERDUE, alarm)
        jobs.tasks_done(alarm, at=now)
        refresh_alarm_levels([alarm.sensor_id])
    return alarm


def _lock_visible(actor: User, alarm_id: int) -> Alarm:
    """The alarm, locked for this transaction, if the actor sees it (404) and handles alarms (403)."""
    alarm = (
        Alarm.objects.select_for_update(of=("self",))
        .select_related("sensor", "sensor__region")
        .get_visible_or_404(actor, pk=alarm_id)
    )
    if not may_handle(actor, alarm):
        raise Forbidden()
    return alarm


def _clean_note(note: str, *, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise InvalidInput("请填写处置情况 / A disposal note is required", code="note_required")
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput(f"说明不超过 {MAX_NOTE_LENGTH} 字 / The note is too long", code="note_too_long")
    return note


# Offline detection and retention (checks of every worker pass) ------------------------------------


@jobs.periodic_check("monitoring.offline")
def detect_offline(now: datetime) -> int:
    """Mark sensors silent past their offline time as offline and raise one offline alarm each."""
    now_ms = int(now.timestamp() * 1000)
    if not SensorState.objects.filter(online=True, offline_due_ms__lt=now_ms).exists():
        return 0
    with transaction.atomic():
        # Locked in sensor order, as the pipeline locks them: a batch arriving meanwhile wins or waits.
        silent = list(
            SensorState.objects.select_for_update()
            .filter(online=True, offline_due_ms__lt=now_ms)
            .order_by("sensor_id")
            .values_list("sensor_id", "last_ts")[:1000]
        )
        ids = [sensor_id for sensor_id, _ in silent]
        SensorState.objects.filter(sensor_id__in=ids).update(online=False)
        sensors = {s.pk: s for s in Sensor.objects.filter(pk__in=ids).select_related("region", "enterprise")}
        already = {
            alarm.sensor_id: alarm
            for alarm in Alarm.objects.filter(
                sensor_id__in=ids, rule=Alarm.OFFLINE, status__in=Alarm.OPEN_STATUSES
            ).select_related("sensor")
        }
        cache: RecipientCache = {}
        writes = _Writes()
        new = []
        for sensor_id, last_ts in silent:
            outcome = Outcome(
                sensor_id=sensor_id,
                rule=Alarm.OFFLINE,
                max_level=OFFLINE_LEVEL,
                peak_value=None,
                peak_ts_ms=now_ms,
                last_ts_ms=last_ts or now_ms,
                normal_since_ms=None,
                earlier_abnormal=True,
                advanced=False,
            )
            alarm = already.get(sensor_id)
            if alarm is None:
                new.append(outcome)
            elif alarm.status == Alarm.CLEARED:  # offline again before anyone closed the last one
                alarm.sensor = sensors[sensor_id]
                _move(alarm, outcome, now, AlarmChanges(), cache, writes)
                alarm.save()
        _raise_all(sensors, new, now, cache, writes)
        writes.flush(now)
        refresh_alarm_levels(ids)
    return len(silent)


RETENTION_BATCH = 50_000


@jobs.periodic_check("monitoring.retention")
def drop_expired_readings(now: datetime) -> int:
    """Delete raw readings and minute aggregates past their retention settings, a slice per pass."""
    from yingji.monitoring.models import Reading, ReadingMinute

    raw_cutoff_ms = int((now - timedelta(days=settings.MONITORING_RAW_RETENTION_DAYS)).timestamp() * 1000)
    minute_cutoff = int((now - timedelta(days=settings.MONITORING_MINUTE_RETENTION_DAYS)).timestamp() // 60)
    removed = 0
    oldest = (
        Reading.objects.filter(ts__lt=raw_cutoff_ms)
        .order_by("ts")
        .values_list("ts", flat=True)[RETENTION_BATCH : RETENTION_BATCH + 1]
    )
    upper = oldest[0] if oldest else raw_cutoff_ms
    removed += Reading.objects.filter(ts__lt=upper).delete()[0]
    removed += ReadingMinute.objects.filter(minute__lt=minute_cutoff).delete()[0]
    return removed
