"""The audit log: every change of state, chained by keyed hashes so that editing or deleting an entry shows.

Services call `record()` inside their transaction, after the change. Writers serialize on the one
`AuditChainHead` row (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions already
admit one writer at a time), so the chain has no forks however many processes write.

Each entry's hash is an HMAC-SHA256 under a key kept outside the database (`YINGJI_AUDIT_KEY`, else
the file `AUDIT_KEY_FILE`, made with mode 0600 on first use), so someone who can write the database
but not read the key cannot recompute the hashes after an edit. Checkpoints (`write_checkpoint`),
kept outside the database too, catch a tail removed or rewritten even by someone holding the key.
Decision 0027 explains the choices; docs/security.md the key's rotation.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from yingji.core.models import AuditChainHead, AuditEntry, Region, audit_hashed_fields

GENESIS_HASH = "0" * 64
MIN_KEY_LENGTH = 32
REKEYED = "audit.chain_rekeyed"


# The key ---------------------------------------------------------------------------------------

_keys: dict[tuple[str, str], bytes] = {}


def chain_key() -> bytes:
    """The chain's key: `YINGJI_AUDIT_KEY` if set, else the key file, created on first use.

    Read once per process (and per setting): a rotation (`rekey_chain`) stops every process first.
    """
    source = (settings.AUDIT_KEY, str(settings.AUDIT_KEY_FILE))
    if source not in _keys:
        _keys[source] = _read_key(settings.AUDIT_KEY, Path(settings.AUDIT_KEY_FILE))
    return _keys[source]


def forget_key() -> None:
    """Make the next `chain_key()` read the key again (after this process rotated it)."""
    _keys.clear()


def _read_key(configured: str, key_file: Path) -> bytes:
    if configured:
        if len(configured) < MIN_KEY_LENGTH:
            raise ImproperlyConfigured(
                f"YINGJI_AUDIT_KEY must be at least {MIN_KEY_LENGTH} characters (e.g. `openssl rand -hex 32`)"
            )
        return configured.encode()
    if not key_file.exists():
        write_key_file(key_file, new_key())
    key = key_file.read_bytes().strip()
    if len(key) < MIN_KEY_LENGTH:
        raise ImproperlyConfigured(f"the audit key in {key_file} is shorter than {MIN_KEY_LENGTH} characters")
    return key


def new_key() -> bytes:
    """A fresh random key: 64 hexadecimal characters (256 bits)."""
    return secrets.token_hex(32).encode()


def write_key_file(path: Path, key: bytes, *, replace: bool = False) -> None:
    """Write `key` to `path` with mode 0600, all at once: other processes see no file or the whole key.

    Without `replace`, a file that appeared meanwhile (another process's first run) wins.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(draft, path)
        else:
            with contextlib.suppress(FileExistsError):  # another process's first run made it: that key holds
                os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)


def key_fingerprint(key: bytes) -> str:
    """A short name for a key that reveals nothing of it, to tell which key a checkpoint was made under."""
    return hmac.new(key, b"yingji audit key fingerprint", hashlib.sha256).hexdigest()[:16]


# Entries ---------------------------------------------------------------------------------------


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The instance's concrete field values as plain JSON, minus secrets the model excludes."""
    excluded = set(getattr(instance, "audit_exclude", ()))
    values = {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.name not in excluded and field.attname not in excluded
    }
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder, ensure_ascii=False))


def compute_hash(fields: dict[str, Any], key: bytes | None) -> str:
    """HMAC-SHA256 under `key` of the entry's fields as canonical JSON; plain SHA-256 without a key
    (how entries were hashed before the chain was keyed, read only to key an old chain)."""
    canonical = json.dumps(
        fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder
    ).encode()
    if key is None:
        return hashlib.sha256(canonical).hexdigest()
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


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
    entry.entry_hash = compute_hash(entry.hashed_fields(), chain_key())
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
    key, previous, entries = chain_key(), head.last_hash, []
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
        entry.entry_hash = previous = compute_hash(entry.hashed_fields(), key)
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


def verify_chain(batch_size: int = 2000, key: bytes | None = None) -> tuple[int, ChainProblem | None]:
    """Walk the chain oldest first under `key` (the chain's key by default); the number of entries
    checked and the first problem, if any."""
    key = key or chain_key()
    problem, checked, _ = _walk(AuditEntry, AuditChainHead, key, batch_size)
    return checked, problem


def _walk(
    entry_model: Any, head_model: Any, key: bytes | None, batch_size: int = 2000
) -> tuple[ChainProblem | None, int, str]:
    """Check every entry's link and hash under `key` (None: unkeyed SHA-256); the problem, the number
    checked and the last hash."""
    expected_previous = GENESIS_HASH
    checked = 0
    for entry in _entries_oldest_first(entry_model, batch_size):
        if entry.previous_hash != expected_previous:
            problem = ChainProblem(entry.id, "previous_hash does not match the entry before it")
            return problem, checked, expected_previous
        if not hmac.compare_digest(compute_hash(audit_hashed_fields(entry), key), entry.entry_hash):
            reason = "content does not match its hash"
            if checked == 0:
                reason += " (is this the chain's key? see docs/security.md, Audit chain)"
            return ChainProblem(entry.id, reason), checked, expected_previous
        expected_previous = entry.entry_hash
        checked += 1
    head = head_model.objects.filter(pk=1).first()
    if head is not None and head.last_hash != expected_previous:
        problem = ChainProblem(-1, "the newest entries have been removed (chain head does not match)")
        return problem, checked, expected_previous
    return None, checked, expected_previous


def _entries_oldest_first(entry_model: Any, batch_size: int) -> Iterator[Any]:
    last_id = 0
    while True:
        batch = list(entry_model.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id


# Re-keying -------------------------------------------------------------------------------------


class ChainBroken(RuntimeError):
    """The chain does not verify under the key it is said to have, so it cannot be re-keyed."""


@dataclass(frozen=True)
class Rekeyed:
    """What `rekey_chain` did: how many entries it re-hashed, the head before, the entry it appended."""

    entries: int
    previous_head: str
    entry_id: int


def rekey_chain(
    old_key: bytes | None,
    new_key: bytes,
    *,
    actor: str = "yingji audit rekey",
    entry_model: Any = AuditEntry,
    head_model: Any = AuditChainHead,
    batch_size: int = 2000,
) -> Rekeyed:
    """Verify the chain under `old_key` (None: the unkeyed SHA-256 of earlier versions), hash every
    entry again under `new_key`, and append an `audit.chain_rekeyed` entry saying so, in one transaction.

    The new entry records how many entries were re-hashed, the head's hash before (so a copy of it
    kept elsewhere still identifies the old chain) and the fingerprints of both keys. Writers wait on
    the head's lock meanwhile. `entry_model` and `head_model` let a migration pass its historical models.
    """
    with transaction.atomic():
        head, _ = head_model.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS_HASH}
        )
        problem, checked, old_head = _walk(entry_model, head_model, old_key, batch_size)
        if problem is not None:
            where = "after the last entry" if problem.entry_id < 0 else f"at entry {problem.entry_id}"
            raise ChainBroken(f"the audit chain is broken {where}: {problem.reason}; it was not re-keyed")
        previous, last_id = GENESIS_HASH, 0
        table = connection.ops.quote_name(entry_model._meta.db_table)
        while batch := list(entry_model.objects.filter(id__gt=last_id).order_by("id")[:batch_size]):
            rows = []
            for entry in batch:
                entry.previous_hash = previous
                entry.entry_hash = previous = compute_hash(audit_hashed_fields(entry), new_key)
                rows.append((entry.previous_hash, entry.entry_hash, entry.id))
            with connection.cursor() as cursor:  # several times faster than bulk_update (no CASE per batch)
                cursor.executemany(
                    f"UPDATE {table} SET previous_hash = %s, entry_hash = %s WHERE id = %s", rows
                )
            last_id = batch[-1].id
        marker = entry_model(
            at=timezone.now(),
            actor=None,
            actor_name=actor,
            action=REKEYED,
            object_type="core.auditchainhead",
            object_id="1",
            object_label="audit chain",
            region=None,
            before={"head": old_head, "key": key_fingerprint(old_key) if old_key else "unkeyed sha-256"},
            after={"entries_rehashed": checked, "key": key_fingerprint(new_key)},
            previous_hash=previous,
        )
        marker.entry_hash = compute_hash(audit_hashed_fields(marker), new_key)
        marker.save()
        head.last_hash = marker.entry_hash
        head.save(update_fields=["last_hash", "updated_at"])
    return Rekeyed(entries=checked, previous_head=old_head, entry_id=marker.id)


# Checkpoints -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at one moment: its newest entry (position) and hash, under which key."""

    entry_id: int
    entry_hash: str
    key: str
    entries: int
    at: str

    def line(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True) + "\n"


def write_checkpoint(path: Path, batch_size: int = 2000) -> Checkpoint:
    """Verify the chain, then append its head (newest entry's id and hash) as one line to `path`.

    Keep the file off the database's machine (or copy each line away): verify `--checkpoints` then
    catches a tail removed or rewritten, even by someone holding the key.
    """
    key = chain_key()
    checked, problem = verify_chain(batch_size, key)
    if problem is not None:
        where = "after the last entry" if problem.entry_id < 0 else f"at entry {problem.entry_id}"
        raise ChainBroken(f"the audit chain is broken {where}: {problem.reason}; no checkpoint written")
    newest = AuditEntry.objects.order_by("-id").values_list("id", "entry_hash").first()
    entry_id, entry_hash = newest if newest is not None else (0, GENESIS_HASH)
    checkpoint = Checkpoint(entry_id, entry_hash, key_fingerprint(key), checked, timezone.now().isoformat())
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(checkpoint.line())
        handle.flush()
        os.fsync(handle.fileno())
    return checkpoint


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """The checkpoints in a file, oldest first; a line that is not one is an error, not skipped."""
    checkpoints = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not text.strip():
            continue
        try:
            fields = json.loads(text)
            checkpoints.append(
                Checkpoint(
                    int(fields["entry_id"]),
                    str(fields["entry_hash"]),
                    str(fields["key"]),
                    int(fields["entries"]),
                    str(fields["at"]),
                )
            )
        except (ValueError, KeyError, TypeError):
            raise ValueError(f"{path}:{number} is not a checkpoint line") from None
    return checkpoints


def check_checkpoints(checkpoints: list[Checkpoint]) -> ChainProblem | None:
    """The first checkpoint the chain no longer holds: its entry gone (the tail cut) or, under the
    current key, with another hash (rewritten). Checkpoints made under an earlier key (before a
    rotation re-hashed the chain) can only show that their entry still exists."""
    fingerprint = key_fingerprint(chain_key())
    wanted = {checkpoint.entry_id for checkpoint in checkpoints if checkpoint.entry_id > 0}
    hashes = dict(AuditEntry.objects.filter(id__in=wanted).values_list("id", "entry_hash"))
    for checkpoint in checkpoints:
        if checkpoint.entry_id == 0:
            continue
        found = hashes.get(checkpoint.entry_id)
        if found is None:
            return ChainProblem(
                checkpoint.entry_id, f"the entry of the checkpoint of {checkpoint.at} is gone (tail removed)"
            )
        if checkpoint.key == fingerprint and not hmac.compare_digest(found, checkpoint.entry_hash):
            return ChainProblem(
                checkpoint.entry_id,
                f"the entry differs from the checkpoint of {checkpoint.at} (chain rewritten from here)",
            )
    return None
