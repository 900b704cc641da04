from pathlib import Path

import pytest

from yingji.config import ConfigError, env_bool, parse_database_url


def test_no_database_url_means_a_sqlite_file_in_var(tmp_path: Path) -> None:
    config = parse_database_url(None, tmp_path / "db.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "db.sqlite3")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


def test_a_postgresql_url_is_split_into_its_parts(tmp_path: Path) -> None:
    config = parse_database_url("postgresql://yj:p%40ss@db.local:5433/yingji?sslmode=require", tmp_path / "x")
    assert (config["ENGINE"], config["NAME"], config["USER"], config["PASSWORD"]) == (
        "django.db.backends.postgresql", "yingji", "yj", "p@ss",
    )  # fmt: skip
    assert (config["HOST"], config["PORT"], config["OPTIONS"]) == ("db.local", "5433", {"sslmode": "require"})


def test_an_unknown_scheme_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mysql"):
        parse_database_url("mysql://x/y", tmp_path / "x")


def test_a_boolean_that_is_not_one_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ConfigError):
        env_bool("DEBUG", False)
