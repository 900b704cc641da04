"""The demo dataset: deterministic, idempotent, with the documented accounts."""

import random
from typing import Any

from django.contrib.auth import authenticate
from django.core.management import call_command

from yingji.core.demo import DemoContext, build_organizations_and_accounts, run_demo
from yingji.core.models import AuditEntry, Organization, User


def test_the_demo_creates_the_documented_accounts(demo: None) -> None:
    usernames = set(User.objects.values_list("username", flat=True))
    assert {
        "demo-city",
        "demo-duty",
        "demo-county-140902",
        "demo-county-140981",
        "demo-reporter-140932",
    } <= usernames
    assert len([u for u in usernames if u.startswith("demo-county-")]) == 14
    assert authenticate(username="demo-county-140902", password="yingji-demo") is not None


def test_running_the_demo_twice_changes_nothing(demo: None) -> None:
    counts = User.objects.count(), Organization.objects.count(), AuditEntry.objects.count()
    run_demo(scale=1, seed=1, progress=lambda name: None)
    assert (User.objects.count(), Organization.objects.count(), AuditEntry.objects.count()) == counts


def test_a_larger_scale_adds_grassroots_reporters_in_townships(demo: None) -> None:
    context = DemoContext(
        scale=3, rng=random.Random("1:单位与账号"), progress=lambda name: None, password_hash="!"
    )
    build_organizations_and_accounts(context)
    extra = User.objects.filter(username__startswith="demo-reporter-140902-")
    assert extra.count() == 2
    assert all(user.region.level == "township" for user in extra)


def test_the_command_prints_the_main_accounts_and_where_the_others_are(db: Any, capsys: Any) -> None:
    call_command("demo", "--if-empty")  # the demo is there: the command skips building and lists it
    out = capsys.readouterr().out
    assert "yingji-demo" in out and "yingji demo accounts" in out
    for username in ("demo-city", "demo-county-140902", "demo-duty", "demo-ent-1", "demo-dept-housing"):
        assert username in out
    assert len(out.strip().splitlines()) <= 10  # a table to read, not the ~200 accounts
    others = User.objects.filter(username__startswith="demo-").count() - 5
    assert f"其余 {others} 个演示账号" in out


def test_demo_accounts_lists_every_account_and_builds_nothing(db: Any, capsys: Any) -> None:
    counts = User.objects.count(), AuditEntry.objects.count()
    call_command("demo", "accounts")
    out = capsys.readouterr().out
    listed = {line.split()[0] for line in out.splitlines()[1:]}
    assert {"demo-city", "demo-duty-140932", "demo-ent-50", "demo-reporter-140981"} <= listed
    assert (User.objects.count(), AuditEntry.objects.count()) == counts
