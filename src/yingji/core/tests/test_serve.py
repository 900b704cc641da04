"""`yingji serve`: the gunicorn command it becomes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command


@pytest.fixture
def gunicorn_argv(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The argument list `yingji serve` hands to exec, captured instead of replacing the test process."""
    captured: list[str] = []

    def fake_execv(path: str, argv: list[str]) -> Any:
        captured.extend(argv)

    monkeypatch.setattr("os.execv", fake_execv)
    return captured


def test_it_runs_gthread_workers_each_on_its_own_port_socket(gunicorn_argv: list[str]) -> None:
    call_command("serve", "--host", "127.0.0.1", "--port", "8123", "--workers", "3", "--threads", "4")
    assert gunicorn_argv[gunicorn_argv.index("--worker-class") + 1] == "gthread"
    assert gunicorn_argv[gunicorn_argv.index("--workers") + 1] == "3"
    assert gunicorn_argv[gunicorn_argv.index("--bind") + 1] == "127.0.0.1:8123"
    # SO_REUSEPORT: the kernel spreads connections over the workers instead of one taking them all.
    assert "--reuse-port" in gunicorn_argv
