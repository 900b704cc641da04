"""One clock for the whole run, and a way to run the suite a year (or any number of days) from now.

The demo's history ends at the demo clock's now (`yingji.core.demo.demo_clock`). The process that
pytest starts fixes it once in YINGJI_DEMO_NOW, so that every pytest-xdist worker, whichever built the
demo snapshot, agrees on it. `YINGJI_TEST_SHIFT_DAYS=365` moves every process's clock (Python's time
and datetime, through time-machine) that many days ahead, ticking from there: `make test-shifted`
runs the date-sensitive tests so, to prove that nothing depends on today's date.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

SHIFT_VARIABLE = "YINGJI_TEST_SHIFT_DAYS"
_travel = pytest.StashKey[Any]()


def pytest_configure(config: Any) -> None:
    from tests.plugins.demo_snapshot import is_controller
    from yingji.core.demo import BEIJING, DEMO_NOW_VARIABLE

    days = os.environ.get(SHIFT_VARIABLE, "").strip()
    if days:
        import time_machine

        travel = time_machine.travel(datetime.now(UTC) + timedelta(days=int(days)), tick=True)
        travel.start()
        config.stash[_travel] = travel
    if is_controller(config):
        os.environ.setdefault(
            DEMO_NOW_VARIABLE, datetime.now(BEIJING).replace(second=0, microsecond=0).isoformat()
        )


def pytest_report_header(config: Any) -> str:
    from yingji.core.demo import DEMO_NOW_VARIABLE

    shifted = os.environ.get(SHIFT_VARIABLE, "").strip()
    moved = f", clock moved {shifted} days ahead" if shifted else ""
    return f"demo clock: {os.environ.get(DEMO_NOW_VARIABLE)}{moved}"


def pytest_unconfigure(config: Any) -> None:
    travel = config.stash.get(_travel, None)
    if travel is not None:
        travel.stop()
