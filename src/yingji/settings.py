"""Django settings for Yingji, read from environment variables only (see .env.example)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from yingji.config import (
    env_bool,
    env_float,
    env_float_mapping,
    env_int,
    env_list,
    env_mapping,
    env_networks,
    parse_database_url,
)

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("YINGJI_VAR_DIR", Path.cwd() / "var")).resolve()


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in var/ for this install."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret-key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs page's Swagger UI from static files, not a CDN
    "yingji.core",
    "yingji.geography",
    "yingji.messaging",  # before the domains: the outbox's drain runs before their checks
    "yingji.enterprises",
    "yingji.risks",
    "yingji.hazards",
    "yingji.majorhazards",
    "yingji.monitoring",
    "yingji.warnings",
    "yingji.calculators",
    "yingji.materials",
    "yingji.command",
    "yingji.resources",
    "yingji.response",
]

MIDDLEWARE = [
    "yingji.core.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "yingji.core.middleware.RejectUnstorableTextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "yingji.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "yingji.core.middleware.PasswordChangeRequiredMiddleware",
    "yingji.core.middleware.DomainErrorPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# Pages run only the scripts this server serves: no inline scripts, no on* handlers, no eval; data
# reaches pages as text (docs/security.md, "Pages and scripts"). Inline styles stay allowed: ECharts'
# tooltips and Leaflet set them. Sent on every response by core/middleware.py.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Scripts take the CSRF token from the page (<meta name="csrf-token">), so the cookie can be HttpOnly.
CSRF_COOKIE_HTTPONLY = True

ROOT_URLCONF = "yingji.urls"
WSGI_APPLICATION = "yingji.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "yingji.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": parse_database_url(os.environ.get("DATABASE_URL"), VAR_DIR / "yingji.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Local memory, one per process: entries are keyed by versions held in the database or live a few
# seconds (core/caching.py, decision 0023), so no process needs another's entries.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "yingji",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
}
# How old the county dashboard's counts may be (seconds; 0 counts on every request).
COUNTY_COUNTS_MAX_AGE = env_int("COUNTY_COUNTS_MAX_AGE", 30)
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Behind TLS (YINGJI_HTTPS=1, README "Deployment", docs/security.md): plain HTTP is redirected, browsers
# are told to use HTTPS only (HSTS), cookies travel over HTTPS only, and the reverse proxy's
# X-Forwarded-Proto says whether the client's connection was HTTPS: the proxy must set it, never pass
# the client's on. /healthz stays on HTTP for load balancers' checks.
HTTPS = env_bool("YINGJI_HTTPS", False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True

LOCALE_PATHS = [PACKAGE_DIR / "locale"]  # one catalog for the whole interface
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
# Tests and `yingji serve` without collectstatic still find files straight from the apps.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Sign-in limits (core/authentication.py, decision 0008), each per client address inside the window:
# failures for one username; failures on existing accounts; failures on usernames with no account.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
LOGIN_UNKNOWN_USERNAME_FAILURE_LIMIT = env_int("LOGIN_UNKNOWN_USERNAME_FAILURE_LIMIT", 100)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 900)
# Reverse proxies whose X-Forwarded-For names the client (addresses or networks, e.g. 127.0.0.1,10.0.0.0/8).
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES", [])
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 24 * 30)

# The audit chain's HMAC key (core/audit.py, decision 0027): YINGJI_AUDIT_KEY (at least 32 characters),
# else a file created with mode 0600 on first use. Checkpoints go to a file outside the database too.
AUDIT_KEY = os.environ.get("YINGJI_AUDIT_KEY", "")
AUDIT_KEY_FILE = Path(os.environ.get("YINGJI_AUDIT_KEY_FILE") or VAR_DIR / "audit-key")
AUDIT_CHECKPOINT_FILE = Path(
    os.environ.get("YINGJI_AUDIT_CHECKPOINTS") or VAR_DIR / "audit-checkpoints.jsonl"
)

# Monitoring (docs/monitoring.md): how readings are accepted, kept, and turned into alarms.
MONITORING_FUTURE_TOLERANCE_SECONDS = env_int("MONITORING_FUTURE_TOLERANCE_SECONDS", 300)
MONITORING_RAW_RETENTION_DAYS = env_int("MONITORING_RAW_RETENTION_DAYS", 30)
MONITORING_MINUTE_RETENTION_DAYS = env_int("MONITORING_MINUTE_RETENTION_DAYS", 730)
# An alarm clears once its sensor has read normal for this long.
MONITORING_CLEAR_AFTER_SECONDS = env_int("MONITORING_CLEAR_AFTER_SECONDS", 300)
# An alarm nobody acknowledges within this time is reported one tier up (enterprise → county → city).
MONITORING_ACK_TIMEOUT_SECONDS = env_int("MONITORING_ACK_TIMEOUT_SECONDS", 900)

# Messaging (docs/architecture.md, decision 0021): the one outbox's channels and gateways. Each
# setting is also read under its earlier name WARNINGS_…, from when only warnings went out.


def _messaging(name: str, default: str = "") -> str:
    return os.environ.get(f"MESSAGING_{name}") or os.environ.get(f"WARNINGS_{name}") or default


# Which adapter each channel uses: "log" (a file, for the demo) or "http" (the gateway URLs below).
MESSAGING_CHANNELS = env_mapping(
    "MESSAGING_CHANNELS",
    env_mapping("WARNINGS_CHANNELS", {"sms": "log", "broadcast": "log", "app": "log", "inbox": "inbox"}),
)
MESSAGING_CHANNEL_LOG = Path(_messaging("CHANNEL_LOG") or VAR_DIR / "deliveries.log")
MESSAGING_SMS_GATEWAY_URL = _messaging("SMS_GATEWAY_URL")
MESSAGING_BROADCAST_URL = _messaging("BROADCAST_URL")
MESSAGING_PUSH_URL = _messaging("PUSH_URL")
MESSAGING_GATEWAY_TOKEN = _messaging("GATEWAY_TOKEN")  # bearer sent to those gateways
MESSAGING_HTTP_TIMEOUT = env_float("MESSAGING_HTTP_TIMEOUT", env_float("WARNINGS_HTTP_TIMEOUT", 10.0))
MESSAGING_RECEIPT_TOKEN = _messaging("RECEIPT_TOKEN")  # what gateways post receipts with; blank: no route

# Warnings (docs/warnings.md): identity of the CAP messages, the SMS signature, platform drafts.
# The public address for absolute links (CAP <web>, the Atom feed, SMS links); unset, pages and feeds
# use the host each request came to, and the worker http://localhost:8000 (warnings/cap/alerts.py).
SITE_URL = os.environ.get("SITE_URL", "")
WARNINGS_CAP_SENDER = os.environ.get("WARNINGS_CAP_SENDER", "")  # blank: yingji@<city code>
WARNINGS_SECTOR_CODE = os.environ.get("WARNINGS_SECTOR_CODE", "324")  # GB/T 4657 digits of the identifier
WARNINGS_SMS_SIGNATURE = os.environ.get("WARNINGS_SMS_SIGNATURE", "")  # blank: 【<city>应急】
WARNINGS_COVERAGE_TARGET = env_float("WARNINGS_COVERAGE_TARGET", 0.9)  # the plan's 90 %
WARNINGS_RAIN_DRAFT_HOURS = env_float("WARNINGS_RAIN_DRAFT_HOURS", 6)
WARNINGS_GAS_DRAFT_HOURS = env_float("WARNINGS_GAS_DRAFT_HOURS", 3)
WARNINGS_TOXIC_GAS_RADIUS_KM = env_float("WARNINGS_TOXIC_GAS_RADIUS_KM", 3.0)
# How far a warning's shapes may reach past the issuing region's boundary (metres); recipients
# beyond the boundary are never reached whatever the shape.
WARNINGS_AREA_TOLERANCE_M = env_float("WARNINGS_AREA_TOLERANCE_M", 500.0)
# Public subscriptions (confirmed by an SMS code): requests for a code per client address and per
# number, and tries of a code per client address, in each window (a fixed window: at most twice as
# many across a window's edge).
WARNINGS_SUBSCRIBE_WINDOW_SECONDS = env_int("WARNINGS_SUBSCRIBE_WINDOW_SECONDS", 3600)
WARNINGS_SUBSCRIBE_REQUESTS_PER_CLIENT = env_int("WARNINGS_SUBSCRIBE_REQUESTS_PER_CLIENT", 20)
WARNINGS_SUBSCRIBE_CODES_PER_NUMBER = env_int("WARNINGS_SUBSCRIBE_CODES_PER_NUMBER", 5)
WARNINGS_SUBSCRIBE_CHECKS_PER_CLIENT = env_int("WARNINGS_SUBSCRIBE_CHECKS_PER_CLIENT", 50)

# Roads and travel time (docs/roads.md, geography/roads): assumptions, all configurable.
# Speed by OSM highway class (km/h; `_link` classes like their parent), e.g. ROADS_SPEEDS=motorway=110.
ROADS_SPEEDS = env_float_mapping(
    "ROADS_SPEEDS", {"motorway": 100.0, "trunk": 80.0, "primary": 60.0, "secondary": 50.0, "tertiary": 40.0}
)
ROADS_OTHER_KMH = env_float("ROADS_OTHER_KMH", 30.0)  # any other class (residential, unclassified, track…)
# An edge with neither class nor maxspeed: the bundled graph, whose edges are the major roads only.
ROADS_DEFAULT_KMH = env_float("ROADS_DEFAULT_KMH", 60.0)
# Road length over straight length: the bundled graph's edges are straight lines between junctions.
ROADS_WINDING_BUNDLED = env_float("ROADS_WINDING_BUNDLED", 1.25)
ROADS_WINDING_DETAILED = env_float("ROADS_WINDING_DETAILED", 1.0)  # default of `yingji roads load FILE`
# A point joins the graph through its k nearest nodes, straight line × ROADS_ACCESS_WINDING at this
# speed (the local roads the graph lacks); two points may also be joined by such a leg alone.
ROADS_ACCESS_KMH = env_float("ROADS_ACCESS_KMH", 30.0)
ROADS_ACCESS_WINDING = env_float("ROADS_ACCESS_WINDING", 1.25)
ROADS_ACCESS_NODES = env_int("ROADS_ACCESS_NODES", 3)
# The plan's one-hour aviation rescue: helicopter cruise speed and the time before take-off.
ROADS_AIR_CRUISE_KMH = env_float("ROADS_AIR_CRUISE_KMH", 200.0)
ROADS_AIR_DISPATCH_MINUTES = env_float("ROADS_AIR_DISPATCH_MINUTES", 15.0)

# Incidents (docs/command.md): an intake this close to an open incident of the same category, this
# soon after it, is offered for merging; reports up the chain are reminded this long before their clock.
INCIDENT_DUPLICATE_KM = env_float("INCIDENT_DUPLICATE_KM", 1.0)
INCIDENT_DUPLICATE_HOURS = env_float("INCIDENT_DUPLICATE_HOURS", 6.0)
INCIDENT_REPORT_REMIND_MINUTES = env_int("INCIDENT_REPORT_REMIND_MINUTES", 20)

NINJA_PAGINATION_PER_PAGE = 100
NINJA_PAGINATION_MAX_LIMIT = 1000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# Response and dispatch: a dispatch order not acknowledged within this many minutes escalates to the
# duty room; the team leader's acknowledge link stays valid this many hours.
RESPONSE_ACK_MINUTES = env_int("RESPONSE_ACK_MINUTES", 10)
RESPONSE_LINK_HOURS = env_int("RESPONSE_LINK_HOURS", 24)
# Reminders go this many minutes before a task or a situation report falls due.
RESPONSE_REMIND_MINUTES = env_int("RESPONSE_REMIND_MINUTES", 30)
