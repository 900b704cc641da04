"""What a warning's messages say on each channel: signed short SMS, the full text for loudspeakers."""

from __future__ import annotations

import orjson

from yingji.messaging.models import Delivery
from yingji.warnings import texts
from yingji.warnings.models import EarlyWarning
from yingji.warnings.tests.test_fanout import make_warning


def test_the_sms_is_signed_short_and_links_the_public_page(demo: None) -> None:
    warning = make_warning(instruction="立即转移低洼地区群众。" * 40)
    text = texts.message_text(warning, Delivery.SMS)
    assert text.startswith(f"【忻州应急】{warning.headline}：立即转移低洼地区群众。")
    assert len(text) <= texts.SMS_MAX_CHARS
    assert "…" in text and text.endswith(f"详情：http://localhost:8000/public/warnings/{warning.pk}/")


def test_updates_and_cancellations_say_so(demo: None) -> None:
    update = make_warning(msg_type=EarlyWarning.UPDATE)
    cancel = make_warning(
        msg_type=EarlyWarning.CANCEL, headline="解除忻府区暴雨红色预警", note="降雨已减弱。"
    )
    assert texts.message_text(update, Delivery.SMS).startswith("【忻州应急】（更新）忻府区暴雨红色预警：")
    sms = texts.message_text(cancel, Delivery.SMS)
    assert sms.startswith("【忻州应急】解除忻府区暴雨红色预警：降雨已减弱。") and "解除解除" not in sms
    assert texts.message_text(cancel, Delivery.BROADCAST).startswith(
        "忻府区应急管理局发布：解除忻府区暴雨红色预警。"
    )
    assert texts.message_text(update, Delivery.BROADCAST).startswith("忻府区应急管理局更新红色预警：")


def test_the_broadcast_reads_out_everything(demo: None) -> None:
    warning = make_warning(instruction="立即转移低洼地区群众。" * 40)
    text = texts.message_text(warning, Delivery.BROADCAST)
    assert text.startswith(f"忻府区应急管理局发布红色预警：{warning.headline}。{warning.description}")
    assert text.endswith("防御指南：" + "立即转移低洼地区群众。" * 40)


def test_the_app_gets_a_title_a_body_and_a_link(demo: None) -> None:
    warning = make_warning()
    pushed = orjson.loads(texts.message_text(warning, Delivery.APP))
    assert pushed["title"] == warning.headline and pushed["body"] == warning.instruction
    assert (pushed["level"], pushed["msgType"]) == ("red", "Alert") and pushed["url"].endswith(
        f"/{warning.pk}/"
    )


def test_every_channel_has_its_text_and_the_inbox_links_the_staff_page(demo: None) -> None:
    warning = make_warning(msg_type=EarlyWarning.UPDATE)
    found = texts.texts(warning)
    assert set(found) == {"sms", "broadcast", "app", "inbox"}
    assert {text.subject for text in found.values()} == {f"（更新）{warning.headline}"}
    assert found["inbox"].link == f"/warnings/{warning.pk}/" and found["sms"].link == ""
    assert found["inbox"].body == f"{warning.description}\n\n防御指南：{warning.instruction}"
