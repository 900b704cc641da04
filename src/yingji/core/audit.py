"""The audit log: every change of state, hash-chained so that editing or deleting an entry shows.

Services call `record()` inside their transaction, after the change. Writers serialize on the one
`AuditChainHead` row (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions already
admit one writer at a time), so the chain has no forks however many processes write.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from yingji.core.models import AuditChainHead, AuditEntry, Region

GENESIS_HASH = "0" * 64


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The instance's concrete field values as plain JSON, minus secrets the model excludes."""
    excluded = set(getattr(instance, "audit_exclude", ()))
    values = {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.name not in excluded and field.attname not in excluded
    }
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder, ensure_ascii=False))


def compute_hash(fields: dict[str, Any]) -> str:
    canonical = json.dumps(
        fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    actor: Any,
    action: str,
    instance: models.Model,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    region: Region | None = None,
) -> AuditEntry:
    """Append one entry for `action` on `instance`; must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must be called inside the service's transaction")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"last_hash": GENESIS_HASH}
    )
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    entry = AuditEntry(
        at=timezone.now(),
        actor=actor if is_user else None,
        actor_name=actor.get_username() if is_user else (str(actor) if actor else "system"),
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_label=str(instance)[:200],
        region=region if region is not None else _region_of(instance),
        before=before,
        after=after,
        previous_hash=head.last_hash,
    )
    entry.entry_hash = compute_hash(entry.hashed_fields())
    entry.save()
    head.last_hash = entry.entry_hash
    head.save(update_fields=["last_hash", "updated_at"])
    return entry


@dataclass(frozen=True)
class Change:
    """One change for `record_many`: what was done to which object, before and after, where."""

    action: str
    instance: models.Model
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    region: Region | None = None


def record_many(actor: Any, changes: list[Change]) -> int:
    """Append one entry per change, in order, taking the chain's head once; inside the caller's transaction.

    For a service that changes many objects at once (a batch of readings raising and clearing alarms):
    the same entries `record` would write one by one, in one insert.
    """
    if not changes:
        return 0
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record_many() must be called inside the service's transaction")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"last_hash": GENESIS_HASH}
    )
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    actor_name = actor.get_username() if is_user else (str(actor) if actor else "system")
    previous, entries = head.last_hash, []
    for change in changes:
        instance = change.instance
        entry = AuditEntry(
            at=timezone.now(),
            actor=actor if is_user else None,
            actor_name=actor_name,
            action=change.action,
            object_type=instance._meta.label_lower,
            object_id=str(instance.pk),
            object_label=str(instance)[:200],
            region=change.region if change.region is not None else _region_of(instance),
            before=change.before,
            after=change.after,
            previous_hash=previous,
        )
        entry.entry_hash = previous = compute_hash(entry.hashed_fields())
        entries.append(entry)
    AuditEntry.objects.bulk_create(entries)
    head.last_hash = previous
    head.save(update_fields=["last_hash", "updated_at"])
    return len(entries)


def _region_of(instance: models.Model) -> Region | None:
    if isinstance(instance, Region):
        return instance
    field = getattr(instance, "scope_region_field", None)
    if field is None:
        return None
    value: Any = instance
    for part in field.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value if isinstance(value, Region) else None


@dataclass(frozen=True)
class ChainProblem:
    """The first entry where the chain does not hold, and why."""

    entry_id: int
    reason: str


def verify_chain(batch_size: int = 2000) -> tuple[int, ChainProblem | None]:
    """Walk the chain oldest first; the number of entries checked and the first problem, if any."""
    expected_previous = GENESIS_HASH
    checked = 0
    for entry in _entries_oldest_first(batch_size):
        if entry.previous_hash != expected_previous:
            return checked, ChainProblem(entry.id, "previous_hash does not match the entry before it")
        if compute_hash(entry.hashed_fields()) != entry.entry_hash:
            return checked, ChainProblem(entry.id, "content does not match its hash")
        expected_previous = entry.entry_hash
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != expected_previous:
        return checked, ChainProblem(-1, "the newest entries have been removed (chain head does not match)")
    return checked, None


def _entries_oldest_first(batch_size: int) -> Iterator[AuditEntry]:
    last_id = 0
    while True:
        batch = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id
