"""The deterministic Xinzhou demo dataset: regions, bureaus and departments, and the demo accounts.

Domains add their own steps with `register_demo_step`; `yingji demo --scale N --seed S` runs them
all in order. Each step is idempotent (it looks records up by natural keys before creating them), so
running the demo twice changes nothing.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import transaction

from yingji.core import audit, regioncodes, roles
from yingji.core.models import Notification, Organization, Region, User
from yingji.core.regions_loader import load_regions

DEMO_PASSWORD = "yingji-demo"
DEMO_ACTOR = "yingji demo"
CITY_CODE = "140900"

# City-level departments that share emergency duties (sector key, name, account suffix).
CITY_DEPARTMENTS = [
    ("housing", "忻州市住房和城乡建设局"),
    ("transport", "忻州市交通运输局"),
    ("water", "忻州市水利局"),
    ("meteorology", "忻州市气象局"),
    ("natural_resources", "忻州市规划和自然资源局"),
    ("forestry", "忻州市林业局"),
]
COUNTY_DEPARTMENTS = [("housing", "住房和城乡建设局"), ("transport", "交通运输局"), ("water", "水利局")]

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌波宁鹏辉晓飞丹玉兰凤云海峰"


BEIJING = ZoneInfo("Asia/Shanghai")
# The moment the demo's stories are written against: "the methane alarm at 05:11 this morning", "the
# rainstorm of July 8th". A demo loaded at another moment moves every story time by the same offset.
STORY_NOW = datetime(2026, 11, 29, 8, 0, tzinfo=BEIJING)
# Pins the demo's clock (ISO time with offset), e.g. to rebuild a demo exactly as it was on a given day.
DEMO_NOW_VARIABLE = "YINGJI_DEMO_NOW"


@dataclass(frozen=True)
class DemoClock:
    """The demo's "now": the moment the demo is loaded, so its history ends there and nothing in it is stale.

    Stories are written against STORY_NOW; `story(moment)` moves such a moment to the same distance
    before (or after) the clock's now. The same seed and the same clock give the same data.
    """

    now: datetime

    @property
    def today(self) -> date:
        return self.now.astimezone(BEIJING).date()

    @property
    def now_ms(self) -> int:
        return int(self.now.timestamp() * 1000)

    def story(self, moment: datetime) -> datetime:
        """`moment`, written against STORY_NOW, as the same distance from this clock's now."""
        return moment + (self.now - STORY_NOW)


_clock: DemoClock | None = None


def clock_at(moment: datetime | None = None) -> DemoClock:
    """A demo clock at `moment` (aware), else at YINGJI_DEMO_NOW when set, else now; to the whole minute."""
    if moment is None:
        pinned = os.environ.get(DEMO_NOW_VARIABLE, "").strip()
        moment = datetime.fromisoformat(pinned) if pinned else datetime.now(BEIJING)
    if moment.tzinfo is None:
        raise ValueError(f"the demo clock needs a time with its offset, not {moment.isoformat()}")
    return DemoClock(moment.astimezone(BEIJING).replace(second=0, microsecond=0))


def demo_clock() -> DemoClock:
    """The clock of the demo this process builds or built; the first call fixes it (see clock_at)."""
    global _clock
    if _clock is None:
        _clock = clock_at()
    return _clock


def set_demo_clock(clock: DemoClock) -> None:
    """Fix the demo's clock for this process (run_demo does; tests that need a fixed scenario do)."""
    global _clock
    _clock = clock


@dataclass
class DemoContext:
    """What every demo step gets: the scale, a seeded random generator and a progress callback."""

    scale: int
    rng: random.Random
    progress: Callable[[str], None]
    password_hash: str


DemoStep = Callable[[DemoContext], None]
_steps: list[tuple[int, str, DemoStep]] = []


def register_demo_step(order: int, name: str) -> Callable[[DemoStep], DemoStep]:
    def decorator(step: DemoStep) -> DemoStep:
        _steps.append((order, name, step))
        return step

    return decorator


def demo_steps() -> list[tuple[int, str, DemoStep]]:
    return sorted(_steps, key=lambda item: (item[0], item[1]))


def run_demo(scale: int, seed: int, progress: Callable[[str], None], now: datetime | None = None) -> None:
    """Build the demo dataset at `scale` from `seed`, its history ending at `now` (default: the demo clock).

    The same arguments always give the same data.
    """
    if now is not None:
        set_demo_clock(clock_at(now))
    context = DemoContext(
        scale=scale, rng=random.Random(seed), progress=progress, password_hash=make_password(DEMO_PASSWORD)
    )
    for _, name, step in demo_steps():
        progress(name)
        # Each step draws from its own generator, so one step's data never shifts another's.
        context.rng = random.Random(f"{seed}:{name}")
        with transaction.atomic():  # each step all-or-nothing, and its audit entries inside it
            step(context)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def phone_number(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + "".join(str(rng.randrange(10)) for _ in range(9))


def ensure_organization(
    region: Region,
    name: str,
    kind: str,
    sector: str = "",
    parent: Organization | None = None,
    phone: str = "",
) -> Organization:
    """The organization named `name` in `region`, created (and audited) if missing."""
    existing = Organization.objects.filter(region=region, name=name).first()
    if existing is not None:
        return existing
    organization = Organization.objects.create(
        region=region, name=name, kind=kind, sector=sector, parent=parent, phone=phone
    )
    audit.record(DEMO_ACTOR, "organization.created", organization, after=audit.snapshot(organization))
    return organization


def ensure_user(
    context: DemoContext, username: str, role: str, region: Region, organization: Organization | None = None
) -> User:
    """The demo account `username`, created (and audited) with the demo password if missing."""
    # Draw the random details first, so the generator advances the same way on every run.
    full_name, phone = person_name(context.rng), phone_number(context.rng)
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    user = User(
        username=username,
        role=role,
        region=region,
        organization=organization,
        full_name=full_name,
        phone=phone,
        password=context.password_hash,
    )
    user.save()
    audit.record(DEMO_ACTOR, "user.created", user, after=audit.snapshot(user))
    return user


def tell_once(about: Any, task: str, moment: datetime, tell: Callable[[], int]) -> int:
    """Write the to-do that a story's state calls for, as at `moment`, unless it is there already.

    Stories that set a record's state directly (a hazard waiting for acceptance) call the service's
    own `tell_…` function here, so the inbox says what the service would have said when it happened.
    """
    about_it = Notification.objects.filter(
        object_type=about._meta.label_lower, object_id=str(about.pk), task=task
    )
    if about_it.exists():
        return 0
    written = tell()
    about_it.update(created_at=moment, next_attempt_at=moment)
    return written


@register_demo_step(0, "行政区划")
def load_region_tree(context: DemoContext) -> None:
    if not Region.objects.filter(code=CITY_CODE).exists():
        load_regions()


@register_demo_step(10, "单位与账号")
def build_organizations_and_accounts(context: DemoContext) -> None:
    city = Region.objects.get(code=CITY_CODE)
    counties = list(Region.objects.filter(level=regioncodes.COUNTY, parent=city).order_by("code"))
    with transaction.atomic():
        bureau = ensure_organization(
            city, "忻州市应急管理局", Organization.BUREAU, "emergency", phone="0350-3335000"
        )
        ensure_user(context, "demo-city", roles.CITY_ADMIN, city, bureau)
        ensure_user(context, "demo-duty", roles.DUTY_OFFICER, city, bureau)
        for sector, name in CITY_DEPARTMENTS:
            department = ensure_organization(city, name, Organization.DEPARTMENT, sector)
            ensure_user(context, f"demo-dept-{sector}", roles.DEPARTMENT_STAFF, city, department)
        for county in counties:
            county_bureau = ensure_organization(
                county, f"{county.name}应急管理局", Organization.BUREAU, "emergency", parent=bureau
            )
            for sector, suffix in COUNTY_DEPARTMENTS:
                ensure_organization(county, f"{county.name}{suffix}", Organization.DEPARTMENT, sector)
            ensure_user(context, f"demo-county-{county.code}", roles.COUNTY_ADMIN, county, county_bureau)
            ensure_user(
                context, f"demo-reporter-{county.code}", roles.DISASTER_REPORTER, county, county_bureau
            )
        _township_reporters(context, counties)


def _township_reporters(context: DemoContext, counties: list[Region]) -> None:
    """At scale N, N−1 more grassroots reporters per county, each in one of its townships."""
    if context.scale <= 1:
        return
    for county in counties:
        townships = list(Region.objects.filter(parent=county, level=regioncodes.TOWNSHIP).order_by("code"))
        bureau = Organization.objects.get(region=county, name=f"{county.name}应急管理局")
        for number in range(2, context.scale + 1):
            township = townships[(number - 2) % len(townships)]
            ensure_user(
                context, f"demo-reporter-{county.code}-{number}", roles.DISASTER_REPORTER, township, bureau
            )


def demo_accounts() -> list[dict[str, Any]]:
    """The demo accounts to print: one line per role and region (extra reporters summarized)."""
    users = User.objects.filter(username__startswith="demo-").select_related("region").order_by("username")
    return [
        {"username": user.username, "role": user.role_label, "region": user.region.name}
        for user in users
        if user.username.count("-") <= 2 or not user.username.startswith("demo-reporter-")
    ]
