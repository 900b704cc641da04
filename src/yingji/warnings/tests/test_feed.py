"""The public CAP feed and messages: well-formed Atom of the live warnings only, and the API's cap.xml."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from lxml import etree

from yingji.core.models import User
from yingji.warnings.cap import alerts, protocol
from yingji.warnings.models import EarlyWarning

from .capfixtures import OTHER_COUNTY, published

ATOM = {"atom": "http://www.w3.org/2005/Atom"}

pytestmark = pytest.mark.django_db


def feed_entries(client: Client | None = None) -> dict[str, etree._Element]:
    """The feed's entries by the CAP link's identifier, after checking the document is Atom."""
    answer = (client or Client()).get("/cap/feed.atom")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/atom+xml")
    root = etree.fromstring(answer.content)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    for required in ("id", "title", "updated"):
        assert root.findtext(f"atom:{required}", namespaces=ATOM)
    entries = {}
    for entry in root.findall("atom:entry", ATOM):
        related = entry.find("atom:link[@rel='related']", ATOM)
        assert related is not None and related.get("type") == "application/cap+xml"
        entries[related.get("href", "").rsplit("/", 1)[-1].removesuffix(".xml")] = entry
    return entries


def served(stored: str, site: str = "http://testserver") -> str:
    """A message published with no SITE_URL as it is served: its <web> link on the reader's site."""
    return stored.replace(f"<web>{alerts.DEFAULT_SITE_URL}/", f"<web>{site}/")


def test_the_feed_lists_live_warnings_with_their_links(demo: None) -> None:
    at = timezone.now()
    live = published(at=at, headline='忻府区暴雨红色预警 <急> & "立即转移"')
    entry = feed_entries()[live.identifier]
    assert entry.findtext("atom:title", namespaces=ATOM) == '忻府区暴雨红色预警 <急> & "立即转移"'
    assert entry.findtext("atom:updated", namespaces=ATOM) == alerts.cap_time(at)
    assert entry.findtext("atom:summary", namespaces=ATOM) == live.description
    assert entry.findtext("atom:author/atom:name", namespaces=ATOM) == "忻府区应急管理局"
    alternate = entry.find("atom:link[@rel='alternate']", ATOM)
    assert alternate is not None and alternate.get("href") == f"http://testserver/public/warnings/{live.pk}/"
    assert [c.get("term") for c in entry.findall("atom:category", ATOM)] == ["red", "rainstorm"]


def test_expired_updated_and_cancelled_warnings_leave_the_feed(demo: None) -> None:
    now = timezone.now()
    lapsed = published(at=now - timedelta(hours=3), hours=1)  # not yet marked expired by the worker
    first = published(at=now - timedelta(hours=1))
    update = published(supersedes=first, msg_type=EarlyWarning.UPDATE)
    EarlyWarning.objects.filter(pk=first.pk).update(status=EarlyWarning.UPDATED, ended_at=now)
    cancelled = published(status=EarlyWarning.CANCELLED)
    draft = published(status=EarlyWarning.DRAFT)
    entries = feed_entries()
    assert update.identifier in entries
    for gone in (lapsed, first, cancelled, draft):
        assert gone.identifier not in entries


def test_the_feed_answers_conditional_requests(demo: None) -> None:
    published()
    client = Client()
    first = client.get("/cap/feed.atom")
    assert first["ETag"] and first["Last-Modified"] and "max-age" in first["Cache-Control"]
    again = client.get("/cap/feed.atom", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    published(region=OTHER_COUNTY)
    changed = client.get("/cap/feed.atom", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_every_version_that_went_out_has_its_public_message(demo: None) -> None:
    ended = published(status=EarlyWarning.EXPIRED)
    answer = Client().get(f"/cap/{ended.identifier}.xml")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/cap+xml")
    assert answer.content.decode() == served(ended.cap_xml) and protocol.problems(answer.content) == []
    assert Client().get("/cap/14090232400000_20000101000000_0.xml").status_code == 404
    assert Client().post(f"/cap/{ended.identifier}.xml").status_code == 405


def test_the_api_serves_a_published_versions_message_in_scope(
    county_admin: User, other_county_admin: User, city_admin: User, api_client: Callable[[User], Client]
) -> None:
    warning = published()
    answer = api_client(county_admin).get(f"/api/v1/warnings/{warning.pk}/cap.xml")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/xml; charset=utf-8"
    assert answer.content.decode() == served(warning.cap_xml)
    assert api_client(city_admin).get(f"/api/v1/warnings/{warning.pk}/cap.xml").status_code == 200
    assert api_client(other_county_admin).get(f"/api/v1/warnings/{warning.pk}/cap.xml").status_code == 404
    assert Client().get(f"/api/v1/warnings/{warning.pk}/cap.xml").status_code == 401


def test_a_version_never_published_has_no_message(
    county_admin: User, api_client: Callable[[User], Client]
) -> None:
    draft = published()
    EarlyWarning.objects.filter(pk=draft.pk).update(status=EarlyWarning.DRAFT, published_at=None, cap_xml="")
    answer = api_client(county_admin).get(f"/api/v1/warnings/{draft.pk}/cap.xml")
    assert answer.status_code == 409 and answer.json()["code"] == "not_published"
    assert Client().get(f"/cap/{draft.identifier}.xml").status_code == 404


def test_links_follow_the_host_the_reader_came_to_unless_site_url_is_set(
    demo: None, settings: object
) -> None:
    """A newcomer opening the demo by the machine's address gets links to that address, not localhost."""
    live = published()
    by_address = Client(HTTP_HOST="127.0.0.1:8000")
    entry = feed_entries(by_address)[live.identifier]
    related = entry.find("atom:link[@rel='related']", ATOM)
    assert related is not None and related.get("href", "").startswith("http://127.0.0.1:8000/cap/")
    # The cached document is per site address: a second host gets its own links, the first keeps its.
    by_name = Client(HTTP_HOST="localhost")
    assert (
        feed_entries(by_name)[live.identifier].find("atom:id", ATOM).text.startswith("http://localhost/cap/")
    )
    assert (
        feed_entries(by_address)[live.identifier]
        .find("atom:id", ATOM)
        .text.startswith("http://127.0.0.1:8000/")
    )
    message = by_address.get(f"/cap/{live.identifier}.xml").content.decode()
    assert f"<web>http://127.0.0.1:8000/public/warnings/{live.pk}/</web>" in message
    page = by_address.get(f"/public/warnings/{live.pk}/").content.decode()
    assert 'href="http://127.0.0.1:8000/cap/feed.atom"' in page
    assert f'href="http://127.0.0.1:8000/cap/{live.identifier}.xml"' in page

    settings.SITE_URL = "https://yj.example.cn/"  # type: ignore[attr-defined]
    entry = feed_entries(by_address)[live.identifier]
    assert entry.find("atom:id", ATOM).text == f"https://yj.example.cn/cap/{live.identifier}.xml"
    assert (
        "<web>https://yj.example.cn/public/warnings/"
        in by_address.get(f"/cap/{live.identifier}.xml").content.decode()
    )
    assert (
        'href="https://yj.example.cn/cap/feed.atom"' in by_address.get("/public/warnings/").content.decode()
    )


def test_imported_messages_are_served_as_received(demo: None) -> None:
    own = published()
    EarlyWarning.objects.filter(pk=own.pk).update(source=EarlyWarning.IMPORTED, sender="other@example.cn")
    answer = Client(HTTP_HOST="127.0.0.1").get(f"/cap/{own.identifier}.xml")
    assert answer.content.decode() == own.cap_xml
