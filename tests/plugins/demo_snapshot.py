"""The demo dataset, built once per test run and restored by copying, never rebuilt.

The first process that needs a test database (the only one, or the first pytest-xdist worker) creates
it, builds the demo into it and keeps a snapshot: a SQLite file, or on PostgreSQL a database that
serves as `CREATE DATABASE … TEMPLATE`. Every other worker starts from a copy of the snapshot instead of
migrating and building again, and a test that commits (the live-server browser tests) ends by putting
the snapshot back instead of Django's flush, so the next test finds the demo as it was. Decision
record 0022 explains the choice.

With pytest-xdist the controlling process, which runs no tests itself, builds the snapshot in a
background thread from the moment the session starts, while the workers start, collect and run the
tests that need no database; a worker that needs it waits for the build instead of doing it.

The run's snapshots live in the folder named by YINGJI_TEST_RUN_DIR, made by the controlling process
and inherited by the workers; the controlling process removes it (and a PostgreSQL snapshot) at the end.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

RUN_DIR_VARIABLE = "YINGJI_TEST_RUN_DIR"
DEMO_SCALE, DEMO_SEED = 1, 1


def run_dir() -> Path:
    return Path(os.environ[RUN_DIR_VARIABLE])


def is_controller(config: Any) -> bool:
    """True in the process that pytest started (with xdist: the one that hands out tests)."""
    return not hasattr(config, "workerinput")


_owns_run_dir = pytest.StashKey[bool]()


def ensure_run_dir(config: Any) -> Path:
    """The run's shared folder (snapshots, uploaded files), made by the controlling process."""
    if is_controller(config) and RUN_DIR_VARIABLE not in os.environ:
        os.environ[RUN_DIR_VARIABLE] = tempfile.mkdtemp(prefix="yingji-test-run-")
        config.stash[_owns_run_dir] = True
    return run_dir()


def pytest_configure(config: Any) -> None:
    ensure_run_dir(config)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: Any) -> None:
    """With xdist workers to come, start building the snapshot now, holding the run's lock until done.

    tryfirst: the lock is taken before xdist starts the workers (its own hook runs last), so none of
    them can find the folder without a snapshot and start a second build.
    """
    config = session.config
    if not (is_controller(config) and getattr(config.option, "numprocesses", None)):
        return
    lock = open(run_dir() / "demo.lock", "w")  # noqa: SIM115 (the thread closes it)
    fcntl.flock(lock, fcntl.LOCK_EX)
    builder = threading.Thread(target=_build_and_release, args=(config, lock), daemon=True)
    builder.start()


def _build_and_release(config: Any, lock: Any) -> None:
    """Build the demo into a test database of this process, keep it as the snapshot, drop the database.

    On failure no snapshot is kept: the first worker that needs one builds it and reports the error.
    """
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment
    from pytest_django.plugin import blocking_manager_key

    from yingji.core.demo import run_demo

    try:
        setup_test_environment(debug=False)
        with config.stash[blocking_manager_key].unblock():
            own_name = connection.settings_dict["NAME"]
            connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            try:
                run_demo(scale=DEMO_SCALE, seed=DEMO_SEED, progress=lambda name: None)
                Snapshot(connection).take()
            finally:
                connection.creation.destroy_test_db(own_name, verbosity=0)
                connection.close()
    except Exception as error:  # the workers build it again and fail where everyone sees it
        print(f"\nbuilding the demo snapshot in the background failed: {error!r}")
    finally:
        teardown_test_environment()
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def pytest_unconfigure(config: Any) -> None:
    if not config.stash.get(_owns_run_dir, False):
        return
    # A run whose tests needed no database may end before the build: the thread is a daemon and
    # dies with the process; its half-made snapshot goes with the folder.
    folder = run_dir()
    for marker in folder.glob("*.postgresql"):
        _drop_postgresql_snapshot(marker.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    del os.environ[RUN_DIR_VARIABLE]


@contextmanager
def run_lock() -> Iterator[None]:
    """One process at a time builds or copies the snapshot; the others wait for it."""
    with open(run_dir() / "demo.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Snapshot:
    """The demo snapshot of one database connection for this run: where it is, take it, restore it."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.postgresql = connection.vendor == "postgresql"
        self.file = run_dir() / f"demo-{connection.alias}.sqlite3"
        self.marker = run_dir() / f"demo-{connection.alias}.postgresql"

    def exists(self) -> bool:
        return (self.marker if self.postgresql else self.file).exists()

    @property
    def template_name(self) -> str:
        return self.marker.read_text()

    def take(self) -> None:
        """Keep the test database's current contents (the freshly built demo) as this run's snapshot."""
        if self.postgresql:
            name = f"{self.connection.settings_dict['NAME']}_snapshot"[:63]
            self.connection.close()
            with self.connection._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                cursor.execute(
                    f'CREATE DATABASE "{name}" TEMPLATE "{self.connection.settings_dict["NAME"]}"'
                    f"{_file_copy(cursor)}"
                )
            self.marker.write_text(name)
            return
        self.connection.ensure_connection()
        target = sqlite3.connect(self.file)
        try:
            self.connection.connection.backup(target)
        finally:
            target.close()

    def restore(self) -> None:
        """Put the snapshot into the test database, replacing whatever it holds."""
        if self.postgresql:
            name = self.connection.settings_dict["NAME"]
            self.connection.close()
            with self.connection._nodb_cursor() as cursor:
                # FORCE ends the live server thread's connections too; health checks reconnect them.
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                cursor.execute(
                    f'CREATE DATABASE "{name}" TEMPLATE "{self.template_name}"{_file_copy(cursor)}'
                )
            return
        self.connection.ensure_connection()
        source = sqlite3.connect(self.file)
        try:
            source.backup(self.connection.connection)
        finally:
            source.close()


def _file_copy(cursor: Any) -> str:
    """PostgreSQL 15+ copies a template through the WAL by default; copying the files is much faster."""
    return " STRATEGY FILE_COPY" if cursor.connection.info.server_version >= 150000 else ""


def _drop_postgresql_snapshot(name: str) -> None:
    """Drop the run's template database, on a connection of its own (the run's tests are over)."""
    import psycopg
    from django.conf import settings

    server = settings.DATABASES["default"]
    with psycopg.connect(
        host=server["HOST"] or None,
        port=server["PORT"] or None,
        user=server["USER"] or None,
        password=server["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _switch_to_test_database(connection: Any) -> str:
    """Point the connection at its test database without creating it; returns the database's own name."""
    from django.conf import settings

    own_name = connection.settings_dict["NAME"]
    test_name = connection.creation._get_test_db_name()
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = test_name
    connection.settings_dict["NAME"] = test_name
    return own_name


def _replace_flush_with_restore() -> None:
    """A test that commits ends by restoring the snapshot instead of emptying the database."""
    from django.db import connections
    from django.test import TransactionTestCase

    def restore_snapshot(self: TransactionTestCase) -> None:
        for alias in self._databases_names(include_mirrors=False):
            Snapshot(connections[alias]).restore()

    TransactionTestCase._fixture_teardown = restore_snapshot  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def django_db_setup(
    request: Any,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_modify_db_settings: None,
) -> Iterator[None]:
    """This process's test database, holding the demo: copied from the run's snapshot, or built once."""
    from django.db import connection

    from yingji.core.demo import run_demo

    _replace_flush_with_restore()
    with django_db_blocker.unblock(), run_lock():
        snapshot = Snapshot(connection)
        if snapshot.exists():
            own_name = _switch_to_test_database(connection)
            snapshot.restore()
        else:
            own_name = connection.settings_dict["NAME"]
            connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            run_demo(scale=DEMO_SCALE, seed=DEMO_SEED, progress=lambda name: None)
            snapshot.take()
    yield
    with django_db_blocker.unblock():
        connection.creation.destroy_test_db(own_name, verbosity=0)
