"""Fixtures every test shares: the demo dataset, users of different counties and API clients.

The plugins in tests/plugins/ build the demo once per run and restore it by copying
(demo_snapshot), fix the run's clock (clock), hold every test to its time budget (budget)
and run the slow tests first (ordering).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

CITY = "140900"
COUNTY_A = "140902"  # 忻府区
COUNTY_B = "140921"  # 定襄县

pytest_plugins = [
    "tests.plugins.clock",
    "tests.plugins.demo_snapshot",
    "tests.plugins.budget",
    "tests.plugins.ordering",
]


def pytest_configure(config: Any) -> None:
    """Tests hash passwords cheaply and serve static files without a collectstatic manifest.

    Files the tests write go to the run's folder (removed when the run ends), never to var/.
    """
    from django.conf import settings
    from tests.plugins.demo_snapshot import ensure_run_dir

    run = ensure_run_dir(config)
    # Uploads written during tests outlive their rolled-back transactions. The demo snapshot's
    # attachments are files too: every xdist worker reads the one folder of the run.
    settings.MEDIA_ROOT = str(run / "media")
    static = run / f"static-{os.getpid()}"  # empty: files come from the finders
    static.mkdir(exist_ok=True)
    settings.STATIC_ROOT = str(static)
    # The demo's warnings go out through the log channel: one file per process.
    settings.MESSAGING_CHANNEL_LOG = run / f"deliveries-{os.getpid()}.log"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # One audit key for the run (the demo snapshot's chain is hashed under it), made by the first
    # process that records an entry, unless YINGJI_AUDIT_KEY gives one.
    settings.AUDIT_KEY_FILE = run / "audit-key"
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def empty_caches() -> None:
    """Every test starts with empty caches: tests put the demo database back between them, which a
    running server never sees, so an entry keyed by a state of one test could meet another's."""
    from yingji.core import caching

    caching.clear()


@pytest.fixture
def demo(db: Any) -> None:
    """The demo dataset at scale 1 (every domain's demo step) in the test database.

    Every test database starts as the run's demo snapshot; a test's transaction rolls back its own
    changes, and a test that commits (live-server browser tests) restores the snapshot when it ends.
    """


def _user(username: str) -> Any:
    from yingji.core.models import User

    return User.objects.select_related("region").get(username=username)


@pytest.fixture
def city_admin(demo: None) -> Any:
    return _user("demo-city")


@pytest.fixture
def county_admin(demo: None) -> Any:
    return _user(f"demo-county-{COUNTY_A}")


@pytest.fixture
def other_county_admin(demo: None) -> Any:
    return _user(f"demo-county-{COUNTY_B}")


@pytest.fixture
def api_client() -> Callable[[Any], Client]:
    """A test client that sends a fresh bearer token of `user` with every request."""
    from yingji.core.models import Credential

    def make(user: Any) -> Client:
        secret, digest = Credential.new_secret(Credential.TOKEN)
        Credential.objects.create(kind=Credential.TOKEN, user=user, digest=digest, hint=secret[:8])
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


@pytest.fixture
def page_client() -> Callable[[Any], Client]:
    """A test client signed in to the pages as `user` (session with CSRF checks on)."""

    def make(user: Any) -> Client:
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        return client

    return make
