"""Caches for data read far more often than it changes, right in every process.

An entry's key says which state of the data it was made from, read from the database at each use:

- a stamp (`stamp(REGIONS)`): a `CacheStamp` row whose token the writer renews inside its own
  transaction (`bump`); regions change only through the loader, which bumps `REGIONS`;
- a fingerprint: the caller's own cheap query (the ids and expiry times of the live warnings), so
  any change that the query sees misses the cache, however it was made;
- or a short lifetime (`seconds`) where a little staleness is acceptable and said so on the page.

Entries go to Django's cache (local memory in each process unless a deployment configures a shared
one); decoded objects that should not be pickled go to `per_process`. Inside a transaction nothing is
read or stored: what the transaction sees may still roll back, and an entry made from it would
outlive it. Decision record 0023 explains the choice.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape

from yingji.core.models import CacheStamp

T = TypeVar("T")
REGIONS = "regions"

_MISSING = object()
_per_process: dict[str, tuple[Any, Any]] = {}
_per_process_lock = threading.Lock()


def usable() -> bool:
    """Whether caches may be read and filled now: not inside a transaction, which may roll back."""
    return not connection.in_atomic_block


def stamp(key: str) -> str:
    """The current token of a kind of data ("" until it first changes).

    Plain SQL: it runs on every request a cache serves, and the ORM would cost more than the query.
    """
    table = connection.ops.quote_name(CacheStamp._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {table} WHERE {connection.ops.quote_name('key')} = %s", [key])
        row = cursor.fetchone()
    return str(row[0]) if row else ""


def bump(key: str) -> None:
    """Renew the token of a kind of data; call it inside the transaction that changes the data."""
    CacheStamp.objects.update_or_create(
        key=key, defaults={"token": secrets.token_hex(16), "changed_at": timezone.now()}
    )


def cached(key: Callable[[], tuple[Any, ...]], build: Callable[[], T], *, seconds: float | None = None) -> T:
    """`build()`'s value for the state `key()` names, from Django's cache when it is there.

    `key()` runs only when the cache is usable, so a transaction pays for neither the key's queries
    nor the cache. `seconds` bounds an entry's life; without it an entry lives until evicted, which is
    right only when the key changes with everything the value shows.
    """
    if not usable():
        return build()
    parts = key()
    name = "yingji:" + hashlib.blake2b(repr(parts).encode(), digest_size=20).hexdigest()
    found = cache.get(name, _MISSING)
    if found is not _MISSING:
        return found
    value = build()
    cache.set(name, value, seconds)
    return value


def per_process(name: str, version: Callable[[], Hashable], build: Callable[[], T]) -> T:
    """`build()` once per process for each `version()`, kept as the object itself (no pickling): for
    decoded data (parsed GeoJSON, model instances, rendered fragments) that is dear to rebuild.

    One entry per name, the latest version's. `version()` is a stamp, a fingerprint or both; it runs
    only when caches are usable. Every thread of the process gets the same object: read it only.
    """
    if not usable():
        return build()
    current = version()
    with _per_process_lock:
        found = _per_process.get(name)
    if found is not None and found[0] == current:
        return found[1]
    value = build()
    with _per_process_lock:
        _per_process[name] = (current, value)
    return value


def of_stamp(key: str) -> Callable[[], str]:
    """A `version` for `per_process`: the current token of a stamp."""
    return lambda: stamp(key)


def clear() -> None:
    """Forget every entry of this process: for a database replaced under a running process."""
    cache.clear()
    with _per_process_lock:
        _per_process.clear()


# Shared pages: rendered once for every visitor, with slots for what differs per visitor. The slots are
# unguessable per process, so no stored text can forge one.
_CSRF_SLOT = f"csrf-slot-{secrets.token_hex(16)}"
_PATH_SLOT = f"path-slot-{secrets.token_hex(16)}"


class _AnyVisitor:
    """The `request` a shared page is rendered with: its path is a slot filled per visitor."""

    def get_full_path(self) -> str:
        return _PATH_SLOT


def render_shared(template_name: str, context: dict[str, Any]) -> str:
    """A public page rendered once for every visitor (keep it with `per_process`), with slots where the
    visitor's CSRF token and path go; `for_visitor` fills them.

    The template may use `{% csrf_token %}`, `{{ csrf_token }}` and `request.get_full_path`, and
    nothing else of the request or the user: no context processor runs.
    """
    return render_to_string(template_name, {**context, "csrf_token": _CSRF_SLOT, "request": _AnyVisitor()})


def for_visitor(page: str, request: HttpRequest, status: int = 200) -> HttpResponse:
    """A shared page's response for one visitor: their CSRF token (set in a cookie as `render` would)
    and their path (escaped) in its slots."""
    filled = page.replace(_CSRF_SLOT, get_token(request)).replace(_PATH_SLOT, escape(request.get_full_path()))
    return HttpResponse(filled, status=status)
