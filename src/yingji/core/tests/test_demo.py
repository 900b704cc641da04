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


def test_the_command_prints_the_accounts(db: Any, capsys: Any) -> None:
    call_command("demo", "--if-empty")  # the demo is there: the command skips building and lists it
    out = capsys.readouterr().out
    assert "demo-city" in out and "yingji-demo" in out and "demo-county-140902" in out
