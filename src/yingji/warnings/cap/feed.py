"""The public CAP feed, no login: an Atom 1.0 feed of the warnings on air and each version's CAP message.

`/cap/feed.atom` lists every published warning not yet expired, newest first; each entry links the
warning's public page and its CAP message at `/cap/<identifier>.xml`, which serves the message of any
version that went out (also once updated, cancelled or expired). Both answer conditional requests
(ETag, Last-Modified), so readers that poll every minute cost a few queries and no body.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from urllib.parse import quote

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from lxml import etree

from yingji.core import caching, plainrows, regioncodes
from yingji.core.models import Region
from yingji.warnings.cap import alerts
from yingji.warnings.maplayer import on_air_state
from yingji.warnings.models import LEVEL_CHOICES, EarlyWarning

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8"
CAP_CONTENT_TYPE = "application/cap+xml; charset=utf-8"
CACHE_CONTROL = "public, max-age=60"
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
LEVEL_LABELS = {level: str(label) for level, label in LEVEL_CHOICES}


def cap_url(identifier: str, base: str) -> str:
    """The absolute address of a version's public CAP message, on the site at `base`."""
    return f"{base}/cap/{quote(identifier, safe='')}.xml"


def live_warnings(now: datetime) -> list[EarlyWarning]:
    """The warnings on air at `now`: published and not yet past their expiry, newest first."""
    return list(
        EarlyWarning.objects.filter(status=EarlyWarning.PUBLISHED, expires__gt=now)
        .select_related("warning_type", "region", "organization")
        .defer("region__geometry", "area_shapes", "cap_xml", "coverage")
        .order_by("-published_at", "-id")
    )


def last_change(now: datetime) -> datetime:
    """When the feed last changed: a version went out, one ended, or one passed its expiry.

    Plain SQL: every request for the feed asks, and the ORM's aggregate cost four times the query.
    """
    table = connection.ops.quote_name(EarlyWarning._meta.db_table)
    sql = (
        "SELECT MAX(published_at), MAX(ended_at), "
        "MAX(CASE WHEN status = %s AND expires <= %s THEN expires END) "
        f"FROM {table} WHERE published_at IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [EarlyWarning.PUBLISHED, connection.ops.adapt_datetimefield_value(now)])
        row = cursor.fetchone()
    moments = [plainrows.moment(value) for value in row or ()]
    return max((found for found in moments if found is not None), default=EPOCH)


def _add(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def _feed_title() -> str:
    city = (
        Region.objects.filter(level=regioncodes.CITY).order_by("code").values_list("name", flat=True).first()
    )
    return f"{city or ''}突发事件预警信息"


def render_feed(warnings: list[EarlyWarning], updated: datetime, base: str) -> bytes:
    """The Atom 1.0 document of `warnings`, its links on the site at `base` (built as a tree: every
    text escaped by the serializer)."""
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", alerts.LANGUAGE)
    _add(feed, "id", f"{base}/cap/feed.atom")
    _add(feed, "title", _feed_title())
    _add(feed, "subtitle", "生效中的预警（CAP 1.2）/ Warnings in force, with their CAP 1.2 messages")
    _add(feed, "updated", alerts.cap_time(updated))
    _add(feed, "link", rel="self", type="application/atom+xml", href=f"{base}/cap/feed.atom")
    _add(feed, "link", rel="alternate", type="text/html", href=f"{base}/public/warnings/")
    _add(feed, "generator", "Yingji")
    for warning in warnings:
        entry = _add(feed, "entry")
        _add(entry, "id", cap_url(warning.identifier, base))
        _add(entry, "title", warning.headline)
        sent = warning.published_at or warning.created_at
        _add(entry, "updated", alerts.cap_time(sent))
        _add(entry, "published", alerts.cap_time(sent))
        author = _add(entry, "author")
        _add(author, "name", warning.organization.name if warning.organization else warning.region.name)
        _add(entry, "summary", warning.description)
        _add(entry, "link", rel="alternate", type="text/html", href=f"{base}/public/warnings/{warning.pk}/")
        _add(entry, "link", rel="related", type="application/cap+xml", href=cap_url(warning.identifier, base))
        _add(entry, "category", term=warning.level, label=LEVEL_LABELS[warning.level])
        _add(entry, "category", term=warning.warning_type.code, label=warning.warning_type.name)
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _conditional(
    request: HttpRequest, body: bytes, last_modified: datetime, content_type: str
) -> HttpResponse:
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    modified = int(last_modified.timestamp())
    not_modified = get_conditional_response(request, etag=etag, last_modified=modified)
    response = not_modified or HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified)
    response["Cache-Control"] = CACHE_CONTROL
    return response


@require_safe
def atom_feed(request: HttpRequest) -> HttpResponse:
    """`/cap/feed.atom`: the warnings on air, linked on the site the reader came to (`site_url`).

    The document is built once per process for each state of the live warnings, of the feed's
    `updated` time, of the regions (the title names the city) and of the site address its links
    use (SITE_URL, or this request's host when none is set): see `on_air_state`.
    """
    now = timezone.now()
    updated = last_change(now)
    base = alerts.site_url(request)
    body = caching.per_process(
        "warnings.feed",
        lambda: (caching.stamp(caching.REGIONS), on_air_state(now), updated, base),
        lambda: render_feed(live_warnings(now), updated, base),
    )
    return _conditional(request, body, updated, ATOM_CONTENT_TYPE)


@require_safe
def cap_message(request: HttpRequest, identifier: str) -> HttpResponse:
    """`/cap/<identifier>.xml`: the CAP message of a version that went out; 404 for any other."""
    version = (
        EarlyWarning.objects.filter(identifier=identifier, published_at__isnull=False)
        .exclude(cap_xml="")
        .only("cap_xml", "published_at", "source")
        .order_by("-published_at")
        .first()
    )
    if version is None:
        raise Http404("unknown CAP identifier")
    assert version.published_at is not None
    return _conditional(
        request, alerts.with_links_for(version, request), version.published_at, CAP_CONTENT_TYPE
    )
