"""Every test within its time budget: one that takes longer without a `slow` marker fails.

A test's time is its setup, call and teardown, less the session-wide fixtures it happened to start
(the demo snapshot, the browser, the live server), which every test shares. `--time-budget S` sets
the limit (pyproject: 10 s, twice the 5 s a test may take, so that a noisy machine does not fail it);
0 turns it off. `@pytest.mark.slow(reason="...")` exempts a test, and the reason is required.

The budget stretches with the machine's load: with a one-minute load average above the number of
processors, a test may take that many times longer (a CI machine that other work slows down should
not fail a test that is fast on its own; a quiet one holds it to the budget).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from time import perf_counter
from typing import Any

import pytest

_spent = pytest.StashKey[float]()
_shared = pytest.StashKey[float]()
_last = pytest.StashKey[bool]()
_current: list[Any] = []


def pytest_addoption(parser: Any) -> None:
    parser.addoption(
        "--time-budget",
        type=float,
        default=10.0,
        help="seconds a test may take unless marked slow (0: no limit)",
    )


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "slow(reason): a test allowed past the time budget, and why")


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    for item in items:
        marker = item.get_closest_marker("slow")
        if marker is not None and not (marker.kwargs.get("reason") or marker.args):
            raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.slow needs a reason")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: Any, nextitem: Any) -> Iterator[None]:
    item.stash[_spent], item.stash[_shared] = 0.0, 0.0
    item.stash[_last] = nextitem is None  # its teardown ends the session's fixtures too
    _current.append(item)
    yield
    _current.pop()


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: Any) -> Iterator[None]:
    started = perf_counter()
    yield
    if fixturedef.scope == "session" and _current:
        _current[-1].stash[_shared] += perf_counter() - started


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    item.stash[_spent] = item.stash.get(_spent, 0.0) + call.duration
    budget = item.config.getoption("--time-budget")
    if call.when != "teardown" or not budget or item.get_closest_marker("slow") is not None:
        return
    own = item.stash[_spent] - item.stash.get(_shared, 0.0)
    if item.stash.get(_last, False):
        own -= call.duration
    allowed = budget * load_factor()
    if own > allowed and report.outcome == "passed":
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} took {own:.1f} s, over the {budget:g} s budget (×{allowed / budget:.1f} for the "
            'load): make it faster, or mark it @pytest.mark.slow(reason="...") saying why it needs the time'
        )


def load_factor() -> float:
    """How many times slower than on its own a test may run now: the load per processor, at least 1."""
    return max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
