"""Drafting, the approval round, publication, update, cancellation and expiry through the services."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from yingji.core import jobs
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import AuditEntry, Deadline, User
from yingji.warnings import services
from yingji.warnings.cap import protocol
from yingji.warnings.models import EarlyWarning

COUNTY = "140902"


def draft_input(level: str = "blue", **changes: Any) -> services.DraftInput:
    now = timezone.now()
    fields: dict[str, Any] = {
        "warning_type": "rainstorm",
        "level": level,
        "headline": f"忻府区暴雨{level}预警",
        "description": "预计未来6小时忻府区降雨量将达50毫米以上。",
        "instruction": "注意防范。",
        "onset": now,
        "expires": now + timedelta(hours=12),
        "area_codes": [COUNTY],
    }
    fields.update(changes)
    return services.DraftInput(**fields)


@pytest.fixture
def duty_officer(demo: None) -> User:
    return User.objects.filter(role="duty_officer", region_id=COUNTY).first() or User.objects.create_user(
        username="test-duty-140902", password="x" * 12, role="duty_officer", region_id=COUNTY
    )


def actions(warning_id: int) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="early_warnings.earlywarning", object_id=str(warning_id))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_a_county_publishes_blue_itself(county_admin: User, duty_officer: User) -> None:
    draft = services.create_draft(duty_officer, draft_input("blue"))
    assert draft.status == "draft" and draft.series_id == draft.pk and draft.organization is not None
    services.submit(county_admin, draft.pk)
    assert services.approver_tier_for(draft) == "county"
    services.approve(county_admin, draft.pk)
    published = services.publish(county_admin, draft.pk)
    assert published.status == "published" and published.identifier.startswith(COUNTY)
    assert protocol.problems(published.cap_xml.encode()) == []
    assert Deadline.objects.filter(kind=services.EXPIRE, object_id=str(draft.pk), status="pending").exists()
    assert actions(draft.pk) == [
        "warning.drafted",
        "warning.submitted",
        "warning.approved",
        "warning.published",
    ]


def test_red_needs_the_city(county_admin: User, city_admin: User, duty_officer: User) -> None:
    draft = services.create_draft(duty_officer, draft_input("red"))
    services.submit(county_admin, draft.pk)
    with pytest.raises(Forbidden):
        services.approve(county_admin, draft.pk)
    with pytest.raises(Forbidden):
        services.publish(county_admin, draft.pk)
    assert "publish" not in services.allowed_actions(county_admin, draft)
    assert "publish" in services.allowed_actions(city_admin, EarlyWarning.objects.get(pk=draft.pk))
    published = services.publish(city_admin, draft.pk)  # approves and publishes in one step
    assert published.status == "published" and published.approved_by == city_admin


def test_an_approval_rule_lets_a_county_publish_orange(county_admin: User, city_admin: User) -> None:
    draft = services.create_draft(county_admin, draft_input("orange"))
    services.submit(county_admin, draft.pk)
    with pytest.raises(Forbidden):
        services.approve(county_admin, draft.pk)
    services.set_approval_rule(city_admin, COUNTY, "orange", "county")
    assert services.publish(county_admin, draft.pk).status == "published"


def test_only_the_city_sets_approval_rules(county_admin: User) -> None:
    with pytest.raises(Forbidden):
        services.set_approval_rule(county_admin, COUNTY, "red", "county")


def test_another_county_cannot_reach_the_draft(other_county_admin: User, county_admin: User) -> None:
    draft = services.create_draft(county_admin, draft_input())
    with pytest.raises(NotFound):
        services.submit(other_county_admin, draft.pk)


@pytest.mark.parametrize(
    "changes",
    [
        {"area_codes": ["140921"]},  # another county
        {"area_codes": ["999999"]},
        {"area_codes": []},
        {"level": "purple"},
        {"warning_type": "volcano"},
        {"warning_type": "sandstorm", "level": "blue"},  # 沙尘暴 has no blue signal
        {"headline": "   "},
        {
            "area_shapes": [
                {"type": "Polygon", "coordinates": [[[112.7, 38.4], [112.8, 38.4], [112.8, 38.5]]]}
            ]
        },
        {"area_shapes": [{"type": "Circle", "coordinates": [112.7, 38.4], "radius_km": -1}]},
        {"area_shapes": [{"type": "Circle", "coordinates": [100.0, 30.0], "radius_km": 5}]},  # far away
        {"area_shapes": [{"type": "Point", "coordinates": [112.7, 38.4]}]},
        {
            "area_shapes": [
                {
                    "type": "Polygon",
                    "coordinates": [
                        [[112.7, 38.4], [112.8, 38.5], [112.8, 38.4], [112.7, 38.5], [112.7, 38.4]]
                    ],
                }
            ]
        },
    ],
)
def test_bad_drafts_are_refused_and_nothing_is_written(county_admin: User, changes: dict[str, Any]) -> None:
    before = EarlyWarning.objects.count()
    with pytest.raises(InvalidInput):
        services.create_draft(county_admin, draft_input(**changes))
    assert EarlyWarning.objects.count() == before


def test_expiry_before_onset_is_refused(county_admin: User) -> None:
    now = timezone.now()
    with pytest.raises(InvalidInput):
        services.create_draft(county_admin, draft_input(onset=now, expires=now - timedelta(hours=1)))


def test_a_circle_and_a_polygon_inside_the_county_are_accepted(county_admin: User) -> None:
    shapes = [
        {"type": "Circle", "coordinates": [112.73, 38.42], "radius_km": 5},
        {
            "type": "Polygon",
            "coordinates": [[[112.6, 38.35], [112.8, 38.35], [112.8, 38.5], [112.6, 38.5], [112.6, 38.35]]],
        },
    ]
    draft = services.create_draft(county_admin, draft_input(area_codes=[], area_shapes=shapes))
    assert [shape["type"] for shape in draft.area_shapes] == ["Circle", "Polygon"]


def publish_now(actor: User, level: str = "blue", **changes: Any) -> EarlyWarning:
    draft = services.create_draft(actor, draft_input(level, **changes))
    return services.publish(actor, services.submit(actor, draft.pk).pk)


def test_an_update_is_a_new_version_that_ends_the_old(county_admin: User) -> None:
    first = publish_now(county_admin)
    update = services.start_update(county_admin, first.pk)
    assert (update.status, update.msg_type, update.version, update.supersedes_id) == (
        "draft",
        "Update",
        2,
        first.pk,
    )
    with pytest.raises(Conflict):
        services.start_update(county_admin, first.pk)  # one update at a time
    services.edit_draft(county_admin, update.pk, draft_input("yellow", headline="忻府区暴雨黄色预警"))
    services.submit(county_admin, update.pk)
    second = services.publish(county_admin, update.pk)
    first.refresh_from_db()
    assert first.status == "updated" and second.status == "published"
    assert f",{first.identifier}," in second.cap_xml and protocol.problems(second.cap_xml.encode()) == []
    assert not Deadline.objects.filter(
        kind=services.EXPIRE, object_id=str(first.pk), status="pending"
    ).exists()


def test_cancelling_sends_a_cancel_version(county_admin: User) -> None:
    first = publish_now(county_admin)
    lifted = services.cancel(county_admin, first.pk, "降雨减弱")
    first.refresh_from_db()
    assert first.status == "cancelled" and lifted.msg_type == "Cancel" and lifted.status == "cancelled"
    assert lifted.published_at is not None and protocol.problems(lifted.cap_xml.encode()) == []
    with pytest.raises(Conflict):
        services.cancel(county_admin, first.pk)


def test_a_draft_can_be_discarded(county_admin: User) -> None:
    draft = services.create_draft(county_admin, draft_input())
    services.cancel(county_admin, draft.pk, "重复")
    draft.refresh_from_db()
    assert draft.status == "cancelled" and draft.published_at is None


def test_return_needs_a_note_and_goes_back_to_draft(county_admin: User) -> None:
    draft = services.create_draft(county_admin, draft_input())
    services.submit(county_admin, draft.pk)
    with pytest.raises(InvalidInput):
        services.return_to_draft(county_admin, draft.pk, " ")
    returned = services.return_to_draft(county_admin, draft.pk, "请补充范围")
    assert returned.status == "draft" and returned.note == "请补充范围"


def test_only_drafts_can_be_edited(county_admin: User) -> None:
    published = publish_now(county_admin)
    with pytest.raises(Conflict):
        services.edit_draft(county_admin, published.pk, draft_input())


def test_a_published_warning_expires_by_the_worker(county_admin: User) -> None:
    published = publish_now(county_admin)
    jobs.run_due(published.expires - timedelta(minutes=1))
    published.refresh_from_db()
    assert published.status == "published"
    jobs.run_due(published.expires + timedelta(seconds=1))
    published.refresh_from_db()
    assert published.status == "expired" and "warning.expired" in actions(published.pk)


def test_an_expired_draft_cannot_be_published(county_admin: User) -> None:
    past = datetime(2020, 7, 1, tzinfo=timezone.get_current_timezone())
    draft = services.create_draft(county_admin, draft_input(onset=past, expires=past + timedelta(hours=6)))
    services.submit(county_admin, draft.pk)
    with pytest.raises(Conflict):
        services.publish(county_admin, draft.pk)


def test_enterprise_officers_and_reporters_do_not_draft(demo: None) -> None:
    officer = User.objects.filter(role="enterprise_officer").first()
    with pytest.raises(Forbidden):
        services.create_draft(officer, draft_input())


def test_queued_messages_of_an_ended_version_are_withdrawn(county_admin: User) -> None:
    from yingji.messaging.models import Delivery

    first = publish_now(county_admin)
    queued = Delivery.objects.about(first).filter(status="queued").count()
    assert queued > 0
    lifted = services.cancel(county_admin, first.pk, "降雨减弱")
    assert not Delivery.objects.about(first).filter(status="queued").exists()
    withdrawn = Delivery.objects.about(first).filter(status="failed", last_error__startswith="withdrawn")
    assert withdrawn.count() == queued
    assert Delivery.objects.about(lifted).filter(status="queued").count() == queued
