"""Small typed readers for environment settings that fail loudly on bad values."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any, TypeAlias
from urllib.parse import parse_qs, unquote, urlparse

IPNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network


class ConfigError(RuntimeError):
    """A setting in the environment has a value Yingji cannot use."""


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None


def env_mapping(name: str, default: dict[str, str]) -> dict[str, str]:
    """`key=value,key=value` over the default, e.g. MESSAGING_CHANNELS=sms=http,app=http."""
    mapping = dict(default)
    for item in env_list(name, []):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(f"{name}: {item!r} is not key=value")
        mapping[key.strip()] = value.strip()
    return mapping


def env_float_mapping(name: str, default: dict[str, float]) -> dict[str, float]:
    """`key=number,key=number` over the default, e.g. ROADS_SPEEDS=motorway=110,trunk=90."""
    mapping = dict(default)
    for key, value in env_mapping(name, {}).items():
        try:
            mapping[key] = float(value)
        except ValueError:
            raise ConfigError(f"{name}: {key}={value!r} is not a number") from None
    return mapping


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str, default: list[str]) -> list[IPNetwork]:
    """Comma-separated addresses or networks (`127.0.0.1,10.0.0.0/8`), e.g. TRUSTED_PROXIES."""
    networks = []
    for item in env_list(name, default):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(f"{name}: {item!r} is not an IP address or network") from None
    return networks


def parse_database_url(url: str | None, default_sqlite_path: Path) -> dict[str, Any]:
    """Turn DATABASE_URL (sqlite:///path or postgresql://user:pw@host:port/name) into Django's dict."""
    if not url:
        return _sqlite(default_sqlite_path)
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if path in ("", "/"):
            raise ConfigError("DATABASE_URL=sqlite:/// needs a file path, e.g. sqlite:///var/yingji.sqlite3")
        # sqlite:///relative/path and sqlite:////absolute/path, as in SQLAlchemy and dj-database-url.
        return _sqlite(Path(path[1:]))
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "yingji",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ConfigError(f"DATABASE_URL scheme {parsed.scheme!r} is not supported (use sqlite or postgresql)")


def _sqlite(path: Path) -> dict[str, Any]:
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        # Reusing the connection saves opening the file and running the PRAGMAs on every request.
        "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 600),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # WAL lets readers work while one writer writes; synchronous=FULL syncs the log at every
            # commit, so what was answered as stored survives a power cut (decision 0013). IMMEDIATE
            # takes the write lock at BEGIN, so two writers queue instead of failing half-way.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 10,
        },
    }
