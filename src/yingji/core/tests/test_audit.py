"""The audit log: entries for every change, hash-chained, and tampering detected by `yingji audit verify`."""

from typing import Any

import pytest
from django.core.management import call_command

from yingji.core import audit, services
from yingji.core.models import AuditEntry, Organization


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
