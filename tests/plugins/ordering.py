"""The slow tests first, those that need no database before all: two workers finish together.

pytest-xdist hands tests out one at a time (`--maxschedchunk=1`, set here unless given) in
collection order, so the order is the schedule: the longest jobs first leaves only short ones to
even out the end, instead of a worker that draws the browser crawl last while the other sits idle.
The slow tests that need no database (benchmark smoke runs, killed workers, migrations in
subprocesses: their own scratch databases) come before everything, while the controlling process is
still building the demo snapshot (demo_snapshot) that every other test waits for.
"""

from __future__ import annotations

from typing import Any

import pytest


def needs_database(item: Any) -> bool:
    fixtures = getattr(item, "fixturenames", ())
    return "django_db_setup" in fixtures or item.get_closest_marker("django_db") is not None


def rank(item: Any) -> int:
    """0: slow, no database; 1: slow browser tests (the longest); 2: other slow tests; 3: the rest."""
    if item.get_closest_marker("slow") is None:
        return 3
    if not needs_database(item):
        return 0
    return 1 if item.get_closest_marker("browser") is not None else 2


def pytest_configure(config: Any) -> None:
    if getattr(config.option, "maxschedchunk", 0) is None:  # xdist is there and nothing else was asked for
        config.option.maxschedchunk = 1


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    items.sort(key=rank)  # stable: within a rank, the collection's own order
