"""A member of the public subscribes by SMS in a real browser: the code sent to the phone confirms it.

The number's owner picks a township, asks for a code, types a wrong one (the page says how many tries
are left), then the one the SMS carried; the subscription exists only then, and the page shows the
number masked and says the unsubscribe link went to the phone. Then the same number is ended from
the unsubscribe page with a new code.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import screenshot
from yingji.messaging.models import Message
from yingji.warnings.models import Subscriber, SubscriptionCode

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow(reason="a real browser through the subscription and its end, with two codes"),
]

NUMBER = "13700005555"
TOWNSHIP = "140902001000"  # 秀容街道, 忻府区


def sms_code(purpose: str) -> str:
    """The code in the last SMS sent to the number for `purpose`, as its owner reads it."""
    pending = SubscriptionCode.objects.filter(address=NUMBER, purpose=purpose).latest("id")
    return re.search(r"验证码 (\d{6})", Message.objects.about(pending).get().body).group(1)  # type: ignore[union-attr]


def test_subscribing_and_ending_by_sms_code(page: Any) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(page.base_url + "/public/warnings/subscribe/")
    page.fill("input[name=phone]", NUMBER)
    page.check("input[name=place][value=region]")
    page.select_option("select[name=region]", TOWNSHIP)
    page.select_option("select[name=min_level]", "yellow")
    screenshot(page, "public-subscribe-1-form")
    page.click("#subscribe-submit")
    page.wait_for_url("**/public/warnings/subscribe/confirm/*/")
    assert "137****5555" in page.inner_text("#code-sent") and NUMBER not in page.content()
    assert not Subscriber.objects.filter(address=NUMBER).exists()

    right = sms_code("subscribe")
    page.fill("input[name=code]", "000000" if right != "000000" else "111111")
    page.click("#confirm-submit")
    assert "还可以再试 4 次" in page.inner_text("#confirm-form")
    screenshot(page, "public-subscribe-2-wrong-code")
    page.fill("input[name=code]", right)
    page.click("#confirm-submit")
    page.wait_for_selector("#subscribed")
    assert "137****5555" in page.inner_text("#subscribed") and page.locator("#link-sent").count() == 1
    screenshot(page, "public-subscribe-3-done")
    subscriber = Subscriber.objects.get(address=NUMBER)
    assert (subscriber.region_id, subscriber.min_level, subscriber.active) == (TOWNSHIP, "yellow", True)

    page.goto(page.base_url + "/public/warnings/unsubscribe/")
    page.fill("input[name=phone]", NUMBER)
    page.click("#end-submit")
    page.wait_for_url("**/public/warnings/subscribe/confirm/*/")
    page.fill("input[name=code]", sms_code("end"))
    page.click("#confirm-submit")
    page.wait_for_selector("#unsubscribed")
    subscriber.refresh_from_db()
    assert not subscriber.active and dialogs == []
