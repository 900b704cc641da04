"""Sign-in limits: per username and address, per address, and counted before the password is checked."""

from __future__ import annotations

import ipaddress
import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client, RequestFactory
from tests.plugins.demo_snapshot import Snapshot

from yingji.core import authentication
from yingji.core.errors import InvalidInput, RateLimited
from yingji.core.models import LoginAttempt

ATTACKER = "203.0.113.66"
OFFICE = "198.51.100.20"


def _token(client: Client, username: str, password: str, address: str) -> Any:
    return client.post(
        "/api/v1/auth/token",
        json.dumps({"username": username, "password": password}),
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def test_made_up_usernames_from_an_address_do_not_lock_out_real_users_there(
    client: Client, demo: None
) -> None:
    """The first finding: 20 failures with made-up usernames locked real users out for 15 minutes."""
    for number in range(20):
        assert _token(client, f"nobody-{number}", "guess", ATTACKER).status_code == 400
    assert _token(client, "demo-city", "yingji-demo", ATTACKER).status_code == 200


def test_failures_from_one_address_do_not_block_the_right_password_from_another(
    client: Client, demo: None
) -> None:
    for _ in range(5):
        assert _token(client, "demo-city", "guess", ATTACKER).status_code == 400
    refused = _token(client, "demo-city", "yingji-demo", ATTACKER)
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert _token(client, "demo-city", "yingji-demo", OFFICE).status_code == 200


def test_an_address_past_the_bound_for_unknown_usernames_is_refused_for_every_username(
    client: Client, demo: None, settings: Any
) -> None:
    settings.LOGIN_UNKNOWN_USERNAME_FAILURE_LIMIT = 3
    for number in range(3):
        assert _token(client, f"nobody-{number}", "guess", ATTACKER).status_code == 400
    # Refused alike for a real username, so the refusal does not tell which usernames exist.
    assert _token(client, "nobody-else", "guess", ATTACKER).status_code == 429
    assert _token(client, "demo-city", "yingji-demo", ATTACKER).status_code == 429
    assert _token(client, "demo-city", "yingji-demo", OFFICE).status_code == 200


def test_an_address_spraying_real_usernames_is_refused_at_its_own_lower_bound(
    client: Client, demo: None, settings: Any
) -> None:
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    for username in ("demo-city", "demo-duty", "demo-county-140902"):
        assert _token(client, username, "guess", ATTACKER).status_code == 400
    assert _token(client, "demo-county-140921", "yingji-demo", ATTACKER).status_code == 429


def test_each_attempt_is_recorded_with_its_outcome(client: Client, demo: None, settings: Any) -> None:
    settings.LOGIN_FAILURE_LIMIT = 1
    _token(client, "demo-duty", "yingji-demo", OFFICE)
    _token(client, "demo-duty", "guess", OFFICE)
    _token(client, "demo-duty", "yingji-demo", OFFICE)
    _token(client, "nobody", "guess", OFFICE)
    rows = LoginAttempt.objects.filter(client_address=OFFICE).order_by("id")
    assert [(row.username, row.known_username, row.outcome) for row in rows] == [
        ("demo-duty", True, LoginAttempt.SUCCEEDED),
        ("demo-duty", True, LoginAttempt.FAILED),
        ("demo-duty", True, LoginAttempt.REFUSED),
        ("nobody", False, LoginAttempt.FAILED),
    ]


# Parallel attempts ------------------------------------------------------------------------------


@pytest.fixture
def own_connections(demo: None, tmp_path: Path) -> Iterator[Callable[[], None]]:
    """A function each thread calls first to get a connection of its own to the demo database.

    On PostgreSQL each thread simply opens its own connection; rows the threads commit are deleted
    at the end. The SQLite test database lives in memory with a shared cache, where a second writer
    fails at once instead of waiting; so the threads use a file copy of the run's demo snapshot,
    opened with the settings a deployment uses (WAL, IMMEDIATE transactions, a busy timeout).
    """
    if connection.vendor != "sqlite":
        yield lambda: None
        cleaner = threading.Thread(target=_delete_attempts_from, args=(ATTACKER,))
        cleaner.start()
        cleaner.join()
        return
    copy = tmp_path / "demo.sqlite3"
    shutil.copyfile(Snapshot(connection).file, copy)
    wrapper, settings_dict = type(connections["default"]), {**connection.settings_dict, "NAME": str(copy)}

    def use_the_copy() -> None:
        connections["default"] = wrapper(settings_dict, alias="default")

    yield use_the_copy


def _delete_attempts_from(address: str) -> None:
    LoginAttempt.objects.filter(client_address=address).delete()
    connections.close_all()


def test_parallel_wrong_passwords_get_no_more_checks_than_the_limit(
    own_connections: Callable[[], None], monkeypatch: Any
) -> None:
    """The second finding: 40 parallel wrong passwords got 14 checked against a limit of 5."""
    checked: list[str] = []
    real_authenticate = authentication.authenticate

    def slow_authenticate(*args: Any, **kwargs: Any) -> Any:
        checked.append(kwargs["username"])
        time.sleep(0.05)  # a real password hash takes this long; every thread is in flight meanwhile
        return real_authenticate(*args, **kwargs)

    monkeypatch.setattr(authentication, "authenticate", slow_authenticate)
    start = threading.Barrier(40, timeout=30)
    outcomes: list[str] = []

    def attempt() -> None:
        own_connections()
        request = RequestFactory().post("/api/v1/auth/token", REMOTE_ADDR=ATTACKER)
        start.wait()
        try:
            authentication.check_password_login(request, "demo-county-140902", "guess")
        except RateLimited:
            outcomes.append("refused")
        except InvalidInput:
            outcomes.append("wrong")
        except Exception as error:  # a database error would be a failure of the mechanism
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(outcomes)) == ["refused", "wrong"]
    assert 1 <= len(checked) <= 5
    assert outcomes.count("wrong") == len(checked)


# The client's address -----------------------------------------------------------------------------


def test_behind_a_trusted_proxy_the_client_is_the_forwarded_address(settings: Any) -> None:
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1"), ipaddress.ip_network("10.0.0.0/8")]
    via_proxy = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9, 10.1.2.3"
    )
    # The client may write anything into the header; only what the trusted proxies added counts.
    assert authentication.client_address(via_proxy) == "203.0.113.9"
    direct = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert authentication.client_address(direct) == "198.51.100.7"


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings: Any) -> None:
    settings.TRUSTED_PROXIES = []
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert authentication.client_address(request) == "127.0.0.1"
