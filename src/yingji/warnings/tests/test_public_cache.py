"""The public list of live warnings and the CAP feed are built once per state of the live warnings
(core/caching.py): publishing, updating, cancelling and expiring a warning, or its expiry time passing
on the wall clock, each show at once; each visitor still gets their own CSRF token and language.

These tests commit, as a server's requests do (nothing is cached inside a transaction); the demo
database is put back when each ends.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from yingji.core import jobs
from yingji.warnings import services
from yingji.warnings.models import EarlyWarning
from yingji.warnings.tests.pages_fixtures import make_published, user

pytestmark = pytest.mark.django_db(transaction=True)

LIST, FEED = "/public/warnings/", "/cap/feed.atom"


def on_the_list(client: Client, warning: EarlyWarning) -> bool:
    return f'data-warning="{warning.pk}"' in client.get(LIST).content.decode()


def in_the_feed(client: Client, warning: EarlyWarning) -> bool:
    return f"/cap/{warning.identifier}.xml" in client.get(FEED).content.decode()


def test_a_published_warning_shows_on_the_cached_list_and_feed_at_once(demo: None) -> None:
    client = Client()
    first = make_published("red", headline="忻府区暴雨红色预警（第一条）")
    assert on_the_list(client, first) and in_the_feed(client, first)  # the cache now holds this state
    second = make_published("orange", headline="忻府区暴雨橙色预警（第二条）")
    assert on_the_list(client, second) and in_the_feed(client, second)
    assert on_the_list(client, first) and in_the_feed(client, first)


def test_a_cancelled_warning_leaves_the_cached_list_and_feed_at_once(demo: None) -> None:
    client = Client()
    warning = make_published("red")
    assert on_the_list(client, warning) and in_the_feed(client, warning)
    services.cancel(user("demo-city"), warning.pk, "雨停")
    assert not on_the_list(client, warning) and not in_the_feed(client, warning)


def test_an_updated_warning_is_replaced_on_the_cached_list(demo: None, city_admin: Any) -> None:
    client = Client()
    first = make_published("orange")
    assert on_the_list(client, first)
    draft = services.start_update(city_admin, first.pk)
    services.submit(city_admin, draft.pk)
    update = services.publish(city_admin, draft.pk)
    assert on_the_list(client, update) and not on_the_list(client, first)
    assert in_the_feed(client, update) and not in_the_feed(client, first)


def test_a_warning_leaves_the_cached_list_when_its_expiry_passes_before_the_worker_runs(
    demo: None,
) -> None:
    client = Client()
    now = timezone.now()
    warning = make_published("red", expires=now + timedelta(hours=1))
    assert on_the_list(client, warning) and in_the_feed(client, warning)
    with time_machine.travel(now + timedelta(hours=1, seconds=1), tick=False):
        assert not on_the_list(client, warning) and not in_the_feed(client, warning)
        feed_updated = client.get(FEED)["Last-Modified"]
        jobs.run_due(timezone.now())  # the worker marks it expired
        assert EarlyWarning.objects.get(pk=warning.pk).status == EarlyWarning.EXPIRED
        assert not on_the_list(client, warning) and not in_the_feed(client, warning)
        assert client.get(FEED)["Last-Modified"] != feed_updated


def test_every_visitor_gets_their_own_csrf_token_and_language(demo: None) -> None:
    make_published("red")
    for _ in range(2):  # the second visitor is served from the cache
        visitor = Client(enforce_csrf_checks=True)
        page = visitor.get(LIST).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None and "当前生效的预警" in page
        switched = visitor.post(
            reverse("set_language"), {"language": "en", "next": LIST, "csrfmiddlewaretoken": token[1]}
        )
        assert switched.status_code == 302
        assert "Active warnings" in visitor.get(LIST).content.decode()


def test_the_shared_page_carries_each_visitors_own_path_escaped(demo: None) -> None:
    first = Client().get(LIST, {"from": "sms"}).content.decode()
    # A raw client may send a query string that no browser would leave unencoded.
    hostile = Client().get(LIST, QUERY_STRING='q="><script>alert(1)</script>').content.decode()
    assert 'name="next" type="hidden" value="/public/warnings/?from=sms"' in first
    assert "<script>alert(1)" not in hostile
    assert 'value="/public/warnings/?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E"' in hostile
    assert "slot-" not in first + hostile  # every slot of the shared page was filled
