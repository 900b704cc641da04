"""Behind TLS (`YINGJI_HTTPS=1`) Django's deployment checks find nothing to warn about."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings


def deploy_check(tmp_path: Path, *tags: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """`yingji check --deploy --fail-level WARNING` (only the checks of `tags`, if given) in a fresh
    process with a production environment."""
    # Not this process's test settings: the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE would be an error.
    inherited = (
        "SECURE_",
        "SECRET_KEY",
        "DEBUG",
        "YINGJI_HTTPS",
        "ALLOWED_HOSTS",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(inherited)}
    env |= {
        "DEBUG": "0",
        "YINGJI_VAR_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "yingji.example.gov.cn",
        "DJANGO_SETTINGS_MODULE": "yingji.settings",
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-m", "yingji.cli", "check", "--deploy", "--fail-level", "WARNING"]
        + [f"--tag={tag}" for tag in tags],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow(reason="runs the checks in two fresh processes, each loading every app")
def test_behind_tls_the_deployment_checks_have_no_warnings(tmp_path: Path) -> None:
    checked = deploy_check(tmp_path, YINGJI_HTTPS="1")
    assert checked.returncode == 0, checked.stderr
    assert "no issues" in checked.stdout
    # Without it they warn about each setting it fixes (the security checks: the rest ran above).
    plain = deploy_check(tmp_path, "security")
    assert plain.returncode != 0
    for warning in ("W004", "W008", "W012", "W016"):
        assert f"security.{warning}" in plain.stderr


@pytest.mark.parametrize("path, status", [("/login/", 301), ("/healthz", 200)])
def test_plain_http_is_redirected_except_the_health_check(db: Any, path: str, status: int) -> None:
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=[r"^healthz$"]):
        answer = Client().get(path)
    assert answer.status_code == status
    if status == 301:
        assert answer["Location"] == f"https://testserver{path}"
