"""The warnings demo: loudspeakers, responsible people and subscribers at scale 1, and a season of warnings
in every state with their deliveries and coverage; the same data from the same seed, and a second run
that changes nothing."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from shapely.geometry import Point, shape

from yingji.core.demo import DemoContext, demo_clock, demo_steps
from yingji.core.models import AuditEntry, Deadline, Notification, Region
from yingji.geography import population
from yingji.geography.models import PopulationGrid
from yingji.messaging.models import Delivery, Message
from yingji.warnings import demo, services
from yingji.warnings.models import BroadcastTerminal, EarlyWarning, Responder, Subscriber

pytestmark = pytest.mark.usefixtures("demo")

STEP = "预警发布"
DEMO_SEED = 1  # what conftest builds the demo with
SEASON_HEADLINES = [story.first.headline for story in demo.season()]
ON_AIR = EarlyWarning.objects.filter(status=EarlyWarning.PUBLISHED, headline__in=SEASON_HEADLINES)


def step_seed() -> int:
    """The seed the step drew from its own generator (decision 0012)."""
    return random.Random(f"{DEMO_SEED}:{STEP}").randrange(2**32)


def season_warning(headline: str, version: int = 1) -> EarlyWarning:
    return EarlyWarning.objects.get(series__headline=headline, version=version)


def test_the_population_grid_of_the_city_is_built():
    grid = PopulationGrid.objects.get(region_id=demo.CITY)
    assert grid.total_people == 2_689_668


def test_every_county_has_loudspeakers_and_the_mountain_counties_fewest_per_person():
    per_person = {}
    for code in demo.LOUDSPEAKER_SHARE:
        terminals = BroadcastTerminal.objects.filter(region__path__contains=f"/{code}/")
        assert terminals.exists(), code
        people = PopulationGrid.objects.get(region_id=demo.CITY)
        per_person[code] = terminals.count() / people.total_people
        radii = set(terminals.values_list("audible_radius_m", flat=True))
        assert min(radii) >= 300 and max(radii) <= 800
    assert 8_000 <= BroadcastTerminal.objects.count() <= 10_500
    thin = {"140926", "140929"}
    assert max(per_person[code] for code in thin) < min(v for c, v in per_person.items() if c not in thin)


def test_loudspeakers_are_named_after_real_villages_and_belong_to_the_county_bureau():
    terminal = BroadcastTerminal.objects.select_related("region", "organization").get(code="GB14090200120101")
    assert terminal.region.name == "西街村委会" and terminal.name == "西街村应急广播"
    assert terminal.organization.name == "忻府区应急管理局"


def test_a_few_hundred_responsible_people_of_every_kind_with_made_up_numbers():
    assert 300 <= Responder.objects.count() <= 700
    kinds = set(Responder.objects.values_list("kind", flat=True))
    assert {Responder.VILLAGE_HEAD, Responder.SCHOOL, Responder.SHELTER_MANAGER, Responder.HOSPITAL} <= kinds
    assert all(
        re.fullmatch(r"1709\d{7}", phone) for phone in Responder.objects.values_list("phone", flat=True)
    )
    assert not Responder.objects.filter(longitude__isnull=True).exists()


def test_fifty_thousand_subscribers_mostly_located_by_sms_and_app():
    assert Subscriber.objects.count() == demo.SUBSCRIBERS_PER_SCALE
    sms = Subscriber.objects.filter(channel=Subscriber.SMS)
    assert 0.65 < sms.count() / demo.SUBSCRIBERS_PER_SCALE < 0.75
    assert all(re.fullmatch(r"17[01]\d{8}", phone) for phone in sms.values_list("address", flat=True)[:500])
    regional = Subscriber.objects.filter(longitude__isnull=True).count()
    assert 0.08 < regional / demo.SUBSCRIBERS_PER_SCALE < 0.12
    assert set(Subscriber.objects.values_list("min_level", flat=True)) == {"blue", "yellow", "orange", "red"}
    in_the_county_seat = Subscriber.objects.filter(region__path__contains="/140902/").count()
    assert in_the_county_seat > Subscriber.objects.filter(region__path__contains="/140929/").count() * 4


def test_subscribers_are_the_generators_first_block_for_the_seed():
    grid = population.load_grid(demo.CITY)
    expected = demo.generate_subscribers(grid, step_seed(), 0)
    stored = list(
        Subscriber.objects.order_by("id").values_list(
            "channel", "address", "region_id", "min_level", "active"
        )
    )
    assert stored == list(
        zip(
            expected.channel,
            expected.address,
            expected.region,
            expected.min_level,
            expected.active,
            strict=True,
        )
    )


def test_the_season_has_every_ending_and_warnings_on_air_at_demo_now():
    statuses = set(
        EarlyWarning.objects.filter(series__headline__in=SEASON_HEADLINES).values_list("status", flat=True)
    )
    assert statuses >= {
        EarlyWarning.PUBLISHED,
        EarlyWarning.EXPIRED,
        EarlyWarning.CANCELLED,
        EarlyWarning.UPDATED,
        EarlyWarning.SUBMITTED,
        EarlyWarning.DRAFT,
    }
    live = ON_AIR.filter(expires__gt=demo_clock().now + timedelta(days=7))
    assert set(live.values_list("warning_type__code", flat=True)) == {
        "cold_wave",
        "gale",
        "road_icing",
        "forest_fire",
    }
    assert live.filter(region_id="140902").exists()  # the test county's own road icing


def test_the_orange_rainstorm_was_updated_to_red_for_one_county_which_then_expired():
    orange = season_warning("忻州市暴雨橙色预警")
    red = season_warning("忻州市暴雨橙色预警", version=2)
    assert (orange.status, orange.level) == (EarlyWarning.UPDATED, "orange")
    assert (red.msg_type, red.level, red.supersedes_id) == (EarlyWarning.UPDATE, "red", orange.pk)
    assert red.area_codes == ["140924"] and orange.ended_at == red.published_at
    assert red.status == EarlyWarning.EXPIRED and red.ended_at == red.expires


def test_the_chemical_leak_was_lifted_an_hour_later_with_its_own_cancel_message():
    leak = season_warning("忻府区危险化学品泄漏橙色预警")
    lifted = season_warning("忻府区危险化学品泄漏橙色预警", version=2)
    assert leak.status == lifted.status == EarlyWarning.CANCELLED
    assert lifted.msg_type == EarlyWarning.CANCEL and lifted.supersedes_id == leak.pk
    assert lifted.published_at - leak.published_at == timedelta(minutes=65)
    assert leak.area_shapes[0]["type"] == "Circle" and not leak.area_codes
    assert Delivery.objects.about(lifted).count() == Delivery.objects.about(leak).count() > 0


def test_expired_warnings_ended_at_their_expiry_through_the_handler():
    expired = EarlyWarning.objects.filter(status=EarlyWarning.EXPIRED)
    assert expired.count() >= 6
    for warning in expired:
        assert warning.ended_at == warning.expires
        deadline = Deadline.objects.get(kind=services.EXPIRE, object_id=str(warning.pk))
        assert (deadline.status, deadline.done_at) == (Deadline.DONE, warning.expires)


def test_every_version_on_air_was_delivered_and_measured_at_its_time():
    aired = EarlyWarning.objects.filter(series__headline__in=SEASON_HEADLINES, published_at__isnull=False)
    waiting = sum(1 for story in demo.season() if story.pending or story.drafted_only)
    assert aired.count() == len(demo.season()) - waiting + 2  # an update and a cancel more
    for warning in aired:
        deliveries = Delivery.objects.about(warning)
        assert deliveries.exists() and not deliveries.exclude(status=Delivery.DELIVERED).exists()
        assert set(deliveries.values_list("channel", flat=True)) >= {Delivery.SMS, Delivery.BROADCAST}
        first = deliveries.order_by("delivered_at").values_list("delivered_at", flat=True).first()
        assert warning.published_at < first < warning.published_at + timedelta(minutes=5)
        coverage = warning.coverage
        assert 0.3 < coverage["ratio"] < 1 and coverage["target"] > coverage["reached"] > 0
        assert warning.coverage_at == warning.published_at + demo.MEASURED_AFTER


def test_coverage_shows_the_gaps_of_the_thin_mountain_counties():
    cold_wave = season_warning("忻州市寒潮蓝色预警").coverage["counties"]
    thin = [cold_wave[code]["ratio"] for code in ("140926", "140929")]
    equipped = [row["ratio"] for code, row in cold_wave.items() if code not in ("140926", "140929")]
    assert max(thin) < 0.6 < 0.7 < min(equipped)


def test_the_story_times_replace_the_wall_clock():
    for warning in EarlyWarning.objects.filter(msg_type=EarlyWarning.ALERT, published_at__isnull=False):
        assert warning.created_at < warning.submitted_at < warning.approved_at <= warning.published_at
        assert warning.published_at <= demo_clock().now


def test_one_warning_waits_for_the_city_one_for_a_county_and_one_was_opened_by_the_platform():
    for headline, tier in (("五寨县暴雪橙色预警", "city"), ("定襄县寒潮蓝色预警", "county")):
        pending = EarlyWarning.objects.get(status=EarlyWarning.SUBMITTED, headline=headline)
        assert services.approver_tier_for(pending) == tier
    platform = EarlyWarning.objects.get(source=EarlyWarning.MONITORING)
    assert platform.status == EarlyWarning.DRAFT and platform.region_id == "140932"


def todo_headlines(username: str) -> set[str]:
    return {
        EarlyWarning.objects.get(pk=row.object_id).headline
        for row in Notification.objects.filter(
            recipient__username=username, object_type="early_warnings.earlywarning"
        ).todo()
    }


def test_the_warning_to_do_lists_say_what_waits_for_whom():
    """Issue 12: demo-city had 8 unread 待审批预警 of warnings long published, none of those waiting."""
    assert todo_headlines("demo-city") == {"五寨县暴雪橙色预警"}
    assert todo_headlines("demo-county-140921") == {"定襄县寒潮蓝色预警"}
    assert todo_headlines("demo-county-140928") == set()
    assert todo_headlines("demo-duty-140932") == {
        EarlyWarning.objects.get(source=EarlyWarning.MONITORING).headline
    }
    for waiting in EarlyWarning.objects.filter(status=EarlyWarning.SUBMITTED):
        approvers = set(services.approvers_of(waiting).values_list("username", flat=True))
        assert approvers and all(waiting.headline in todo_headlines(name) for name in approvers)


def test_the_live_forest_fire_danger_reaches_the_loudspeakers_inside_its_polygon_only():
    fire = season_warning("五台县森林火险橙色预警")
    reached = BroadcastTerminal.objects.filter(
        pk__in=Delivery.objects.about(fire).filter(channel=Delivery.BROADCAST).values("recipient_id")
    )
    assert reached.exists()
    forest = shape(demo.WUTAISHAN_FOREST)
    assert all(forest.contains(Point(lon, lat)) for lon, lat in reached.values_list("longitude", "latitude"))
    assert shape(Region.objects.get(code="140922").geometry).contains(forest)


def test_loudspeakers_are_placed_the_same_way_for_the_seed():
    grid = population.load_grid(demo.CITY)
    places = demo.Places(step_seed(), grid)
    for number, county in enumerate(grid.county_codes):
        expected = len(places.loudspeaker_cells(number, county))
        assert BroadcastTerminal.objects.filter(region__path__contains=f"/{county}/").count() == expected


def test_running_the_warnings_step_again_changes_nothing():
    counted = (
        BroadcastTerminal,
        Responder,
        Subscriber,
        EarlyWarning,
        Delivery,
        Message,
        Deadline,
        Notification,
    )
    before = {model: model.objects.count() for model in counted}
    audit_before = AuditEntry.objects.count()
    step = next(step for _, name, step in demo_steps() if name == STEP)
    step(DemoContext(1, random.Random(f"{DEMO_SEED}:{STEP}"), lambda name: None, make_password("x")))
    assert {model: model.objects.count() for model in counted} == before
    assert AuditEntry.objects.count() == audit_before
