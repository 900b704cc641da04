"""Public subscriptions wait for the SMS code: no takeover of a known number, no flood from one client.

The outside tester re-subscribed a known number (its level changed at once and a new unsubscribe
link came out on his screen) and registered 500 numbers from one client in 21 seconds.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from yingji.core import jobs
from yingji.core.errors import Conflict, InvalidInput, NotFound, RateLimited
from yingji.core.models import AuditEntry
from yingji.messaging.models import Delivery, Message
from yingji.warnings import subscription_codes as codes
from yingji.warnings import subscriptions
from yingji.warnings.models import Subscriber, SubscriptionCode

from .pages_fixtures import COUNTY, INSIDE_LAT, INSIDE_LON, TOWNSHIP

pytestmark = pytest.mark.django_db
NUMBER = "13700001111"
CLIENT = "203.0.113.7"
SITE = "https://yj.example.cn"


def code_sent(pending: SubscriptionCode) -> str:
    """The code as the number's owner reads it in the SMS."""
    message = Message.objects.about(pending).get()
    return re.search(r"验证码 (\d{6})", message.body).group(1)  # type: ignore[union-attr]


def ask(number: str = NUMBER, client: str = CLIENT, **wanted: Any) -> SubscriptionCode:
    place = {"longitude": INSIDE_LON, "latitude": INSIDE_LAT, "min_level": "yellow"} | wanted
    return codes.request_subscription(number, client=client, **place)


def subscribed(number: str = NUMBER, **wanted: Any) -> Subscriber:
    pending = ask(number, **wanted)
    codes.confirm(pending.reference, code_sent(pending), client=CLIENT, site=SITE)
    return Subscriber.objects.get(address=number)


def test_nothing_is_subscribed_until_the_code_comes_back(demo: None) -> None:
    pending = ask()
    assert not Subscriber.objects.filter(address=NUMBER).exists()
    sms = Delivery.objects.about(pending).get()
    assert (sms.channel, sms.address, sms.recipient_kind, sms.status) == ("sms", NUMBER, "sub_code", "queued")
    code = code_sent(pending)
    assert pending.code_digest != code and code not in pending.code_digest  # kept as an HMAC only

    codes.confirm(pending.reference, code, client=CLIENT, site=SITE)
    subscriber = Subscriber.objects.get(address=NUMBER)
    assert (subscriber.region_id, subscriber.min_level, subscriber.active) == (COUNTY, "yellow", True)
    assert code not in Message.objects.about(pending).get().body  # the code's SMS text is blanked
    told = Message.objects.about(subscriber).get().body
    link = re.search(r"https://yj\.example\.cn/public/warnings/unsubscribe/(yju_[\w-]+)/", told)
    assert link and subscriptions.find_by_token(link.group(1)) == subscriber


def test_a_known_number_changes_only_when_its_owner_confirms(demo: None) -> None:
    """The takeover: someone else asks to move a subscribed number to red only."""
    subscriber = subscribed(min_level="blue")
    token_before = subscriber.token_digest
    pending = ask(min_level="red", client="198.51.100.9")
    assert pending.purpose == SubscriptionCode.CHANGE
    subscriber.refresh_from_db()
    assert (subscriber.min_level, subscriber.token_digest, subscriber.active) == ("blue", token_before, True)
    with pytest.raises(InvalidInput):
        codes.confirm(
            pending.reference,
            "000000" if code_sent(pending) != "000000" else "111111",
            client=CLIENT,
            site=SITE,
        )
    subscriber.refresh_from_db()
    assert subscriber.min_level == "blue"
    codes.confirm(pending.reference, code_sent(pending), client=CLIENT, site=SITE)
    subscriber.refresh_from_db()
    assert subscriber.min_level == "red" and subscriber.token_digest != token_before


def test_five_wrong_tries_end_the_code(demo: None) -> None:
    pending = ask()
    right = code_sent(pending)
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(InvalidInput) as refused:
            codes.confirm(pending.reference, wrong, client=CLIENT, site=SITE)
        assert refused.value.code == "wrong_code" and refused.value.details["tries_left"] == left
    with pytest.raises(Conflict) as dead:
        codes.confirm(pending.reference, right, client=CLIENT, site=SITE)
    assert dead.value.code == "code_expired"
    assert not Subscriber.objects.filter(address=NUMBER).exists()


def test_a_code_expires_after_ten_minutes_and_its_text_is_blanked(demo: None) -> None:
    now = timezone.now()
    pending = codes.request_subscription(NUMBER, region_code=TOWNSHIP, client=CLIENT, now=now)
    right = code_sent(pending)
    with pytest.raises(Conflict, match="no longer valid"):
        codes.confirm(pending.reference, right, client=CLIENT, site=SITE, now=now + timedelta(minutes=10))
    jobs.run_due(now + timedelta(minutes=11))
    pending.refresh_from_db()
    assert pending.ended_at is not None
    assert right not in Message.objects.about(pending).get().body
    assert Delivery.objects.about(pending).get().status in (Delivery.FAILED, Delivery.DELIVERED)


def test_a_new_code_replaces_the_numbers_earlier_one(demo: None) -> None:
    first = ask()
    first_code = code_sent(first)
    second = ask(min_level="orange")
    first.refresh_from_db()
    assert first.ended_at is not None and first_code not in Message.objects.about(first).get().body
    with pytest.raises(Conflict):
        codes.confirm(first.reference, first_code, client=CLIENT, site=SITE)
    codes.confirm(second.reference, code_sent(second), client=CLIENT, site=SITE)
    assert Subscriber.objects.get(address=NUMBER).min_level == "orange"


def test_one_client_cannot_flood_numbers(demo: None, settings: Any) -> None:
    for n in range(settings.WARNINGS_SUBSCRIBE_REQUESTS_PER_CLIENT):
        ask(f"1370000{n:04d}")
    with pytest.raises(RateLimited) as refused:
        ask("13799999999")
    assert refused.value.status == 429 and refused.value.code == "rate_limited"
    assert "at most 20 every 60 minutes" in refused.value.message
    assert not SubscriptionCode.objects.filter(address="13799999999").exists()
    ask("13799999999", client="198.51.100.1")  # another client is not held back


def test_one_number_cannot_be_sent_codes_without_end(demo: None, settings: Any) -> None:
    for n in range(settings.WARNINGS_SUBSCRIBE_CODES_PER_NUMBER):
        ask(client=f"198.51.100.{n}")
    with pytest.raises(RateLimited):
        ask(client="198.51.100.200")
    assert Delivery.objects.filter(address=NUMBER, recipient_kind="sub_code").count() == 5


def test_the_limits_are_settings_and_windows_pass(demo: None, settings: Any) -> None:
    settings.WARNINGS_SUBSCRIBE_CODES_PER_NUMBER = 1
    now = timezone.now()
    codes.request_subscription(NUMBER, region_code=COUNTY, client=CLIENT, now=now)
    with pytest.raises(RateLimited):
        codes.request_subscription(NUMBER, region_code=COUNTY, client=CLIENT, now=now)
    codes.request_subscription(NUMBER, region_code=COUNTY, client=CLIENT, now=now + timedelta(hours=1))


def test_ending_needs_a_code_and_says_nothing_about_numbers_not_subscribed(demo: None) -> None:
    subscriber = subscribed()
    pending = codes.request_end(NUMBER, client=CLIENT)
    assert Subscriber.objects.get(pk=subscriber.pk).active
    codes.confirm(pending.reference, code_sent(pending), client=CLIENT, site=SITE)
    subscriber.refresh_from_db()
    assert not subscriber.active and subscriber.token_digest == ""

    stranger = codes.request_end("13600002222", client=CLIENT)
    assert stranger.purpose == SubscriptionCode.END and not Delivery.objects.about(stranger).exists()
    with pytest.raises(InvalidInput):
        codes.confirm(stranger.reference, "123456", client=CLIENT, site=SITE)
    with pytest.raises(NotFound):
        codes.confirm("no-such-reference", "123456", client=CLIENT, site=SITE)


def test_the_audit_log_never_holds_a_number(demo: None) -> None:
    first = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    subscriber = subscribed()
    codes.confirm(
        (pending := codes.request_end(NUMBER, client=CLIENT)).reference,
        code_sent(pending),
        client=CLIENT,
        site=SITE,
    )
    entries = AuditEntry.objects.filter(id__gt=first)
    actions = set(entries.values_list("action", flat=True))
    assert {"subscription_code.requested", "subscriber.subscribed", "subscriber.unsubscribed"} <= actions
    dumped = json.dumps(list(entries.values("before", "after", "object_label")), ensure_ascii=False)
    assert NUMBER not in dumped and "137****1111" in dumped
    assert subscriber.pk


# The pages -----------------------------------------------------------------------------------------


def post(client: Client, url: str, data: dict[str, str]) -> Any:
    client.get(url)
    return client.post(url, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def test_the_pages_subscribe_with_the_code_and_never_show_the_number(demo: None) -> None:
    client = Client(enforce_csrf_checks=True)
    answer = post(
        client,
        reverse("warnings_public:subscribe"),
        {"phone": NUMBER, "place": "location", "latitude": str(INSIDE_LAT), "longitude": str(INSIDE_LON),
         "region": "", "min_level": "yellow"},
    )  # fmt: skip
    pending = SubscriptionCode.objects.get(address=NUMBER)
    confirm_url = reverse("warnings_public:confirm", args=[pending.reference])
    assert answer.status_code == 302 and answer["Location"] == confirm_url
    page = client.get(confirm_url).content.decode()
    assert (
        "137****1111" in page
        and NUMBER not in page
        and not Subscriber.objects.filter(address=NUMBER).exists()
    )
    wrong = "000000" if code_sent(pending) != "000000" else "111111"
    answer = post(client, confirm_url, {"code": wrong})
    assert (
        "还可以再试 4 次" in answer.content.decode()
        and not Subscriber.objects.filter(address=NUMBER).exists()
    )
    answer = post(client, confirm_url, {"code": code_sent(pending)})
    body = answer.content.decode()
    assert answer.status_code == 200 and 'id="subscribed"' in body and 'id="link-sent"' in body
    assert "yju_" not in body and NUMBER not in body  # the link goes to the number, not to the screen
    told = Message.objects.about(Subscriber.objects.get(address=NUMBER)).get().body
    path = re.search(r"http://testserver(/public/warnings/unsubscribe/yju_[\w-]+/)", told).group(1)  # type: ignore[union-attr]
    assert "退订" in client.get(path).content.decode()
    post(client, path, {})
    assert not Subscriber.objects.get(address=NUMBER).active


def test_the_pages_end_a_subscription_with_a_code(demo: None) -> None:
    subscribed()
    client = Client(enforce_csrf_checks=True)
    answer = post(client, reverse("warnings_public:end"), {"phone": NUMBER})
    pending = SubscriptionCode.objects.filter(address=NUMBER, purpose="end").get()
    assert answer["Location"] == reverse("warnings_public:confirm", args=[pending.reference])
    answer = post(client, answer["Location"], {"code": code_sent(pending)})
    assert 'id="unsubscribed"' in answer.content.decode()
    assert not Subscriber.objects.get(address=NUMBER).active


def test_the_page_answers_429_with_the_reason(demo: None, settings: Any) -> None:
    settings.WARNINGS_SUBSCRIBE_REQUESTS_PER_CLIENT = 1
    client = Client()
    data = {"phone": NUMBER, "place": "region", "region": COUNTY, "min_level": "blue"}
    assert client.post(reverse("warnings_public:subscribe"), data).status_code == 302
    answer = client.post(reverse("warnings_public:subscribe"), data | {"phone": "13700002222"})
    assert answer.status_code == 429
    assert "请求过于频繁" in answer.content.decode() and 'id="subscribe-errors"' in answer.content.decode()


def test_a_bad_number_is_shown_at_its_field_and_nothing_is_sent(demo: None) -> None:
    client = Client()
    answer = client.post(
        reverse("warnings_public:subscribe"),
        {"phone": "12345", "place": "region", "region": COUNTY, "min_level": "blue"},
    )
    assert answer.status_code == 200 and "phone" in answer.context["form"].errors
    answer = client.post(
        reverse("warnings_public:subscribe"),
        {"phone": NUMBER, "place": "location", "region": "", "min_level": "blue"},
    )
    assert "place" in answer.context["form"].errors  # neither a point nor a region
    assert (
        not SubscriptionCode.objects.exists() or not SubscriptionCode.objects.filter(address=NUMBER).exists()
    )


def test_unknown_links_are_404(demo: None, client: Client) -> None:
    assert client.get(reverse("warnings_public:unsubscribe", args=["yju_nothing"])).status_code == 404
    assert client.post(reverse("warnings_public:unsubscribe", args=["nothing"])).status_code == 404
    assert client.get(reverse("warnings_public:confirm", args=["nothing"])).status_code == 404
