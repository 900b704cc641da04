"""The audit log: entries for every change, chained by keyed hashes; tampering found by `yingji audit verify`,
a removed or rewritten tail by its checkpoints, and the key's rotation."""

import importlib
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from yingji.core import audit, services
from yingji.core.models import AuditChainHead, AuditEntry, Organization


def test_a_service_change_writes_an_entry_with_before_and_after(county_admin: Any) -> None:
    org = Organization.objects.filter(region_id="140902", kind="department").first()
    services.update_organization(county_admin, org.pk, phone="0350-1234567")
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry.action == "organization.updated"
    assert entry.actor == county_admin
    assert entry.before["phone"] == "" and entry.after["phone"] == "0350-1234567"
    assert entry.region_id == "140902"


def test_user_snapshots_never_contain_the_password_hash(county_admin: Any) -> None:
    assert "password" not in audit.snapshot(county_admin)


def test_the_demo_chain_verifies(demo: None) -> None:
    checked, problem = audit.verify_chain()
    assert problem is None
    assert checked == AuditEntry.objects.count() > 50


def test_editing_an_entry_behind_the_applications_back_is_detected(demo: None) -> None:
    victim = AuditEntry.objects.order_by("id")[10]
    AuditEntry.objects.filter(pk=victim.pk).update(actor_name="someone-else")
    _, problem = audit.verify_chain()
    assert problem is not None and problem.entry_id == victim.pk
    assert "content" in problem.reason


def test_deleting_an_entry_in_the_middle_is_detected(demo: None) -> None:
    entries = list(AuditEntry.objects.order_by("id").values_list("id", flat=True)[:6])
    AuditEntry.objects.filter(pk=entries[4]).delete()
    _, problem = audit.verify_chain()
    assert problem is not None and problem.entry_id == entries[5]


def test_deleting_the_newest_entry_is_detected(demo: None) -> None:
    AuditEntry.objects.order_by("-id").first().delete()
    _, problem = audit.verify_chain()
    assert problem is not None and problem.entry_id == -1


def test_the_command_exits_0_when_intact_and_1_naming_the_broken_entry(demo: None, capsys: Any) -> None:
    call_command("audit", "verify")
    assert "intact" in capsys.readouterr().out
    victim = AuditEntry.objects.order_by("id")[3]
    AuditEntry.objects.filter(pk=victim.pk).update(after={"forged": True})
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify")
    assert exit_info.value.code == 1
    assert f"entry {victim.pk}" in capsys.readouterr().err


def test_record_refuses_to_run_outside_a_transaction(county_admin: Any) -> None:
    from types import SimpleNamespace

    # pytest-django wraps every test in a transaction; pretend the caller opened none.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(audit.transaction, "get_connection", lambda: SimpleNamespace(in_atomic_block=False))
        with pytest.raises(RuntimeError, match="inside the service's transaction"):
            audit.record(county_admin, "organization.updated", county_admin)


def test_many_changes_recorded_at_once_extend_the_same_chain(county_admin: Any) -> None:
    from django.db import transaction

    orgs = list(Organization.objects.filter(region_id="140902").order_by("id")[:3])
    with transaction.atomic():
        audit.record(county_admin, "organization.touched", orgs[0], after=audit.snapshot(orgs[0]))
        written = audit.record_many(
            county_admin,
            [audit.Change("organization.touched", org, None, audit.snapshot(org)) for org in orgs],
        )
        audit.record(county_admin, "organization.touched", orgs[1], after=audit.snapshot(orgs[1]))
    assert written == 3
    last = list(AuditEntry.objects.order_by("-id")[:5])[::-1]
    assert [entry.object_id for entry in last] == [
        str(orgs[0].pk),
        *(str(org.pk) for org in orgs),
        str(orgs[1].pk),
    ]
    assert all(entry.actor == county_admin and entry.region_id == "140902" for entry in last)
    assert audit.verify_chain()[1] is None


# The key -----------------------------------------------------------------------------------------


def _rechain_from(entry_id: int, key: bytes | None) -> None:
    """What someone with write access to the database would do after an edit: hash every entry from
    `entry_id` on again (with `key`, or plain SHA-256 as before the chain was keyed) and move the head."""
    previous = AuditEntry.objects.filter(id__lt=entry_id).order_by("-id").values_list("entry_hash", flat=True)
    previous_hash, rows = previous.first() or audit.GENESIS_HASH, []
    for entry in AuditEntry.objects.filter(id__gte=entry_id).order_by("id"):
        entry.previous_hash = previous_hash
        previous_hash = audit.compute_hash(entry.hashed_fields(), key)
        rows.append((entry.previous_hash, previous_hash, entry.id))
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE core_auditentry SET previous_hash = %s, entry_hash = %s WHERE id = %s", rows
        )
    AuditChainHead.objects.filter(pk=1).update(last_hash=previous_hash)


def test_an_edit_with_every_hash_recomputed_without_the_key_is_detected(demo: None) -> None:
    victim = AuditEntry.objects.order_by("-id")[20]
    AuditEntry.objects.filter(pk=victim.pk).update(actor_name="someone-else")
    _rechain_from(victim.pk, key=None)
    _, problem = audit.verify_chain()
    assert problem is not None and problem.entry_id == victim.pk
    _rechain_from(victim.pk, key=b"a-guess-at-the-key-that-is-long-enough")
    assert audit.verify_chain()[1].entry_id == victim.pk


def test_the_key_file_is_made_once_with_mode_0600(settings: Any, tmp_path: Path) -> None:
    settings.AUDIT_KEY, settings.AUDIT_KEY_FILE = "", tmp_path / "var" / "audit-key"
    key = audit.chain_key()
    assert len(key) == 64 and stat.S_IMODE(os.stat(settings.AUDIT_KEY_FILE).st_mode) == 0o600
    audit.forget_key()
    assert audit.chain_key() == key
    settings.AUDIT_KEY = "k" * 40  # the environment wins over the file
    assert audit.chain_key() == b"k" * 40


def test_a_short_key_from_the_environment_is_refused(settings: Any) -> None:
    settings.AUDIT_KEY = "short"
    with pytest.raises(ImproperlyConfigured, match="at least 32"):
        audit.chain_key()


def test_an_unkeyed_chain_from_an_earlier_version_is_keyed_by_the_migration(demo: None) -> None:
    first = AuditEntry.objects.order_by("id").first()
    _rechain_from(first.pk, key=None)  # the chain as versions before the key wrote it
    unkeyed_head = AuditChainHead.objects.get(pk=1).last_hash
    count = AuditEntry.objects.count()
    assert audit.verify_chain()[1] is not None

    importlib.import_module("yingji.core.migrations.0007_key_the_audit_chain").key_existing_chain(apps, None)

    checked, problem = audit.verify_chain()
    assert problem is None and checked == count + 1
    marker = AuditEntry.objects.order_by("-id").first()
    assert marker.action == audit.REKEYED and marker.actor_name == "yingji migrate"
    assert marker.before == {"head": unkeyed_head, "key": "unkeyed sha-256"}
    assert marker.after == {"entries_rehashed": count, "key": audit.key_fingerprint(audit.chain_key())}


def test_a_broken_chain_is_not_keyed(demo: None) -> None:
    first = AuditEntry.objects.order_by("id").first()
    _rechain_from(first.pk, key=None)
    AuditEntry.objects.filter(pk=first.pk).update(action="forged")
    with pytest.raises(audit.ChainBroken, match=f"at entry {first.pk}"):
        audit.rekey_chain(None, audit.chain_key())


# Checkpoints -------------------------------------------------------------------------------------


def test_a_removed_tail_passes_the_chain_but_fails_the_checkpoints(demo: None, tmp_path: Path) -> None:
    checkpoints = tmp_path / "checkpoints.jsonl"
    call_command("audit", "checkpoint", "--file", str(checkpoints))
    newest = list(AuditEntry.objects.order_by("-id")[:4])
    AuditEntry.objects.filter(pk__in=[entry.pk for entry in newest[:3]]).delete()
    AuditChainHead.objects.filter(pk=1).update(last_hash=newest[3].entry_hash)

    assert audit.verify_chain()[1] is None  # the chain alone cannot tell
    problem = audit.check_checkpoints(audit.read_checkpoints(checkpoints))
    assert problem is not None and problem.entry_id == newest[0].pk and "gone" in problem.reason
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify", "--checkpoints", str(checkpoints))
    assert exit_info.value.code == 1


def test_a_tail_rewritten_with_the_key_fails_the_checkpoints(demo: None, tmp_path: Path, capsys: Any) -> None:
    checkpoints = tmp_path / "checkpoints.jsonl"
    call_command("audit", "checkpoint", "--file", str(checkpoints))
    call_command("audit", "verify", "--checkpoints", str(checkpoints))
    assert "1 checkpoints hold" in capsys.readouterr().out
    newest = AuditEntry.objects.order_by("-id").first()
    AuditEntry.objects.filter(pk=newest.pk).update(after={"forged": True})
    _rechain_from(newest.pk, key=audit.chain_key())  # someone holding the key

    assert audit.verify_chain()[1] is None
    with pytest.raises(SystemExit):
        call_command("audit", "verify", "--checkpoints", str(checkpoints))
    assert (
        f"entry {newest.pk}" in capsys.readouterr().err
        and "rewritten" in audit.check_checkpoints(audit.read_checkpoints(checkpoints)).reason
    )


def test_a_checkpoint_is_refused_for_a_broken_chain(demo: None, tmp_path: Path) -> None:
    AuditEntry.objects.filter(pk=AuditEntry.objects.order_by("id")[5].pk).update(actor_name="x")
    with pytest.raises(SystemExit):
        call_command("audit", "checkpoint", "--file", str(tmp_path / "c.jsonl"))
    assert not (tmp_path / "c.jsonl").exists()


# Rotation ----------------------------------------------------------------------------------------


def test_rotating_the_key_rehashes_the_chain_and_records_it(
    demo: None, settings: Any, tmp_path: Path, capsys: Any
) -> None:
    old_key = audit.chain_key()
    settings.AUDIT_KEY, settings.AUDIT_KEY_FILE = "", tmp_path / "audit-key"
    audit.write_key_file(settings.AUDIT_KEY_FILE, old_key)
    checkpoints = tmp_path / "checkpoints.jsonl"
    call_command("audit", "checkpoint", "--file", str(checkpoints))

    call_command("audit", "rekey")

    new_key = audit.chain_key()
    assert new_key != old_key and settings.AUDIT_KEY_FILE.read_bytes().strip() == new_key
    assert not (tmp_path / "audit-key.new").exists()
    assert audit.verify_chain()[1] is None and audit.verify_chain(key=old_key)[1] is not None
    marker = AuditEntry.objects.order_by("-id").first()
    assert marker.action == audit.REKEYED and marker.before["key"] == audit.key_fingerprint(old_key)
    # The checkpoint made under the old key still shows that its entry is there.
    assert audit.check_checkpoints(audit.read_checkpoints(checkpoints)) is None
    assert "re-hashed" in capsys.readouterr().out


def test_with_the_key_in_the_environment_a_rotation_writes_the_new_key_to_a_file(
    demo: None, settings: Any, tmp_path: Path
) -> None:
    settings.AUDIT_KEY = audit.chain_key().decode()
    with pytest.raises(CommandError, match="--new-key-file"):
        call_command("audit", "rekey")
    call_command("audit", "rekey", "--new-key-file", str(tmp_path / "next-key"))
    new_key = (tmp_path / "next-key").read_bytes().strip()
    assert audit.verify_chain(key=new_key)[1] is None
