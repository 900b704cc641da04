"""Demo early warnings: the population grid, loudspeakers, responsible people, public subscribers and a
season of warnings up to the demo's now, every one through the real services, outbox and coverage.

- The population grid of the city (population.build_grid), built once.
- Emergency-broadcast loudspeakers (村村响) in each county's most populous cells, heard 300–800 m
  around, until LOUDSPEAKER_SHARE of its people live within earshot: 75–86 % in most counties, short of
  the plan's 90 %, and 45 % and 35 % in the mountain counties 静乐县 and 岢岚县, whose gaps show on the
  coverage map. Each is named after the village whose settlement is nearest (about 9,000).
- Responsible people (预警责任人): village heads, school heads, shelter managers, hospitals and scenic
  areas, about 500, with made-up 1709… numbers.
- 50,000 public subscribers per unit of scale, 70 % SMS and 30 % app, made-up 170/171 numbers and
  push tokens; nine in ten located where people live (cells drawn by population), the others for a
  township or county; most want every level, some only yellow, orange or red and up. One bulk insert
  per 50,000 (`generate_subscribers` and `insert_subscribers` serve the benchmark too).
- The season (`season()`), in the order it happened: forest-fire danger at 清明; summer rainstorms (blue in
  忻府区; orange over 代县 and 繁峙县, updated to red for 繁峙县; yellow in 河曲县); a geological-hazard
  risk for the mountain townships after the rain; a hazardous-chemical leak in 忻府区 lifted after an
  hour; forest-fire danger in October; fog in November; and on air now a cold wave over the
  north-west, gales along the Yellow River, road icing in 忻府区's streets and forest-fire danger on
  五台山 (a drawn polygon), plus an orange blizzard warning of 五寨县 waiting for the city's approval. Each is
  drafted, submitted, approved and published by the demo accounts with `now=` at its time, its
  deliveries drained through the configured channels (the log channel by default) at that time and its
  coverage measured; the ended ones expire through the expiry handler at their expiry. The platform's
  own draft (a rainstorm from the monitoring demo's gauge in 偏关县) comes from the monitoring step.

The season is written against STORY_NOW (29 November, 08:00) and moves with the demo's clock
(`core.demo.demo_clock`), so its last warnings are on air the moment the demo is loaded. They expire
LIVE_FOR (10 days; the forest-fire danger 14) after it, longer than real signals last: the public
pages show what is on air by the wall clock, so a demo looked at in the days after it is loaded still
has live warnings to show. The times that the services take from the wall clock (drafted, submitted,
approved) are set back to the story's afterwards.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from django.db import connection
from django.utils import timezone

from yingji.core import audit, jobs, regioncodes
from yingji.core.demo import BEIJING, DEMO_ACTOR, DemoContext, demo_clock, person_name, register_demo_step
from yingji.core.errors import InvalidInput
from yingji.core.models import Deadline, Organization, Region, User
from yingji.enterprises.models import HAZARDOUS_CHEMICALS, Enterprise
from yingji.geography import population
from yingji.geography.models import PopulationGrid
from yingji.messaging import delivery
from yingji.warnings import coverage, services, subscribers, types
from yingji.warnings.cap import trust
from yingji.warnings.models import (
    ApprovalRule,
    BroadcastTerminal,
    EarlyWarning,
    Responder,
    Subscriber,
    TrustedSender,
    WarningType,
)

CITY = "140900"
# The share of each county's people within earshot of a loudspeaker: most counties near the plan's
# 90 % but short of it, the mountain counties 静乐县 and 岢岚县 far from it.
LOUDSPEAKER_SHARE = {
    "140902": 0.86, "140921": 0.85, "140922": 0.78, "140923": 0.8, "140924": 0.8, "140925": 0.76,
    "140926": 0.45, "140927": 0.8, "140928": 0.82, "140929": 0.35, "140930": 0.8, "140931": 0.82,
    "140932": 0.75, "140981": 0.84,
}  # fmt: skip
SUBSCRIBERS_PER_SCALE = 50_000  # also the block drawn from one generator, so a larger scale only adds
REGIONAL_SHARE = 0.1  # subscribers for a region (township or county) rather than a place
SMS_SHARE = 0.7
MIN_LEVEL_SHARES = {"blue": 0.55, "yellow": 0.25, "orange": 0.12, "red": 0.08}
INACTIVE_SHARE = 0.02  # unsubscribed: kept, never targeted
SUBSCRIBED_FROM = datetime(2024, 6, 1, tzinfo=BEIJING)
SUBSCRIBED_UNTIL = datetime(2026, 3, 31, tzinfo=BEIJING)  # before the season's first warning
INSERT_CHUNK = 50_000
VILLAGE_HEAD_SHARE = 0.1
DRAIN_AFTER = timedelta(minutes=2)  # the worker's pass after publication
MEASURED_AFTER = timedelta(minutes=10)  # coverage measured once the drain is done
LIVE_FOR = timedelta(days=10)
WORKER = "yingji-demo"
# (name, county, lon, lat): scenic areas whose managers pass warnings on to visitors.
SCENIC_AREAS = (
    ("五台山风景名胜区", "140922", 113.59, 39.01),
    ("芦芽山风景区", "140925", 111.93, 38.73),
    ("雁门关景区", "140923", 112.87, 39.18),
    ("老牛湾景区", "140932", 111.45, 39.63),
)


@register_demo_step(70, "预警发布")
def build_warnings(context: DemoContext) -> None:
    seed = context.rng.randrange(2**32)
    types.ensure_loaded()
    if not PopulationGrid.objects.filter(region_id=CITY).exists():
        population.build_grid(CITY)
    grid = population.load_grid(CITY)
    if grid is None:
        raise RuntimeError("the population grid of the city could not be built")
    Places(seed, grid).build()
    approval_rules()
    trusted_senders()
    for block in range(context.scale):
        added = insert_subscribers(generate_subscribers(grid, seed, block))
        if added:
            _audit_subscribers(block, added)
    # What the worker's next pass does after a bulk load: the subscribers' arrays stored for targeting.
    subscribers.keep_stored(timezone.now())
    Season().tell()


# The city's approval rules: 原平市 (a county-level city with its own warning centre) publishes
# orange itself; 定襄县's blue and yellow stay with the county, written out as the bureau's record.
APPROVAL_RULES = (
    ("140981", "orange", "county"),
    ("140921", "blue", "county"),
    ("140921", "yellow", "county"),
)


def approval_rules() -> None:
    city = User.objects.get(username="demo-city")
    for region, level, tier in APPROVAL_RULES:
        if not ApprovalRule.objects.filter(region_id=region, level=level, approver_tier=tier).exists():
            services.set_approval_rule(city, region, level, tier)


def trusted_senders() -> None:
    """The observatories whose CAP messages go on air without approval: the province's for the city,
    each county's weather bureau for its county (made-up sender ids, as a deployment would list them)."""
    if TrustedSender.objects.exists():
        return
    entries = [trust.Entry("sx-qxt@cma.example.cn", CITY, "山西省气象台")]
    for code, name in Region.objects.filter(parent_id=CITY, level=regioncodes.COUNTY).values_list(
        "code", "name"
    ):
        entries.append(trust.Entry(f"qxj-{code}@cma.example.cn", code, f"{name}气象局"))
    trust.replace(User.objects.get(username="demo-city"), entries)


# Loudspeakers and responsible people ----------------------------------------------------------


def _short(village_name: str) -> str:
    """东大街社区居民委员会 → 东大街社区, 西街村委会 → 西街村."""
    for suffix, keep in (("居民委员会", ""), ("村民委员会", "村"), ("村委会", "村"), ("委员会", "")):
        if village_name.endswith(suffix):
            return village_name.removesuffix(suffix) + keep
    return village_name


class Places:
    """The loudspeakers and responsible people of every county, placed on the population grid."""

    def __init__(self, seed: int, grid: population.LoadedGrid) -> None:
        self.seed, self.grid = seed, grid
        city = Region.objects.get(code=CITY)
        found = Region.objects.filter(path__startswith=city.path).only(
            "code", "name", "level", "path", "parent"
        )
        self.regions = {region.code: region for region in found}
        self.counties = {
            code: next(
                (
                    c
                    for c in regioncodes.codes_in_path(region.path)
                    if regioncodes.level_of(c) == regioncodes.COUNTY
                ),
                "",
            )
            for code, region in self.regions.items()
        }
        self.bureaus = dict(
            Organization.objects.filter(
                kind=Organization.BUREAU, region__level=regioncodes.COUNTY
            ).values_list("region_id", "pk")
        )

    def of_level(self, level: str) -> list[str]:
        return sorted(code for code, region in self.regions.items() if region.level == level)

    def near(self, cell: int, rng: random.Random, spread: float) -> tuple[float, float]:
        """A point within ±`spread` cells of the centre of `cell`."""
        lon, lat = self.grid.grid.centre_of(np.array([cell]))
        return (
            round(float(lon[0]) + rng.uniform(-spread, spread) * self.grid.grid.cell_lon, 5),
            round(float(lat[0]) + rng.uniform(-spread, spread) * self.grid.grid.cell_lat, 5),
        )

    def busiest_cells(self, index: np.ndarray, codes: list[str]) -> dict[str, int]:
        """The most populous cell of each township (or county) of a grid index."""
        found = {}
        for number, code in enumerate(codes):
            cells = np.flatnonzero(index == number)
            if len(cells):
                found[code] = int(cells[np.argmax(self.grid.people[cells])])
        return found

    def build(self) -> None:
        existing = set(BroadcastTerminal.objects.values_list("code", flat=True))
        for number, county in enumerate(self.grid.county_codes):
            self.terminals(number, county, existing)
        self.responders()

    # Loudspeakers --------------------------------------------------------------------------------

    def loudspeaker_cells(self, number: int, county: str) -> np.ndarray:
        """The county's most populous cells, as many as hold LOUDSPEAKER_SHARE of its people."""
        cells = np.flatnonzero(self.grid.county_index == number)
        people = self.grid.people[cells].astype(np.float64)
        order = np.argsort(-people, kind="stable")
        heard = np.cumsum(people[order]) / max(people.sum(), 1.0)
        return cells[order[: int(np.searchsorted(heard, LOUDSPEAKER_SHARE[county])) + 1]]

    def nearest_villages(self, cells: np.ndarray, county: str) -> list[str]:
        """For each cell, the county's village whose settlement is nearest."""
        villages = sorted(
            code
            for code, cell in self.grid.village_cells.items()
            if cell >= 0 and code in self.regions and self.counties[code] == county
        )
        if not villages:
            return []
        village_lon, village_lat = self.grid.grid.centre_of(
            np.array([self.grid.village_cells[v] for v in villages])
        )
        lon, lat = self.grid.grid.centre_of(cells)
        distance = (lon[:, None] - village_lon[None, :]) ** 2 + (lat[:, None] - village_lat[None, :]) ** 2
        return [villages[i] for i in distance.argmin(axis=1).tolist()]

    def terminals(self, number: int, county: str, existing: set[str]) -> None:
        """The county's loudspeakers, each named after the village whose settlement is nearest."""
        cells = self.loudspeaker_cells(number, county)
        villages = self.nearest_villages(cells, county)
        if not villages:
            return
        rng = np.random.default_rng([self.seed, int(county)])
        radius = rng.integers(6, 17, len(cells)) * 50  # 300–800 m
        # Near the cell's centre (±0.15 cells), so that even a 300 m loudspeaker reaches it.
        lon, lat = self.grid.grid.centre_of(cells)
        lon = np.round(lon + rng.uniform(-0.15, 0.15, len(cells)) * self.grid.grid.cell_lon, 5)
        lat = np.round(lat + rng.uniform(-0.15, 0.15, len(cells)) * self.grid.grid.cell_lat, 5)
        fresh: list[BroadcastTerminal] = []
        per_village: dict[str, int] = {}
        for village, x, y, reach in zip(villages, lon.tolist(), lat.tolist(), radius.tolist(), strict=True):
            per_village[village] = order = per_village.get(village, 0) + 1
            code = f"GB{village}{order:02d}"
            if code in existing:
                continue
            fresh.append(
                BroadcastTerminal(
                    code=code,
                    name=f"{_short(self.regions[village].name)}应急广播{f'{order}号' if order > 1 else ''}",
                    region_id=village,
                    organization_id=self.bureaus.get(county),
                    longitude=x,
                    latitude=y,
                    audible_radius_m=reach,
                )
            )
        if fresh:
            BroadcastTerminal.objects.bulk_create(fresh)
            # One entry per county: an entry per loudspeaker would bury the log under thousands.
            after = {"terminals_added": len(fresh), "share_in_earshot": LOUDSPEAKER_SHARE[county]}
            audit.record(DEMO_ACTOR, "broadcast_terminals.loaded", self.regions[county], after=after)

    # Responsible people --------------------------------------------------------------------------

    def wanted_responders(self) -> list[tuple[str, str, str, int | None, tuple[float, float] | None]]:
        """(kind, region, place, cell to stand near, or a fixed lon/lat) of every responsible person."""
        townships = self.busiest_cells(self.grid.township_index, self.grid.township_codes)
        counties = self.busiest_cells(self.grid.county_index, self.grid.county_codes)
        wanted: list[tuple[str, str, str, int | None, tuple[float, float] | None]] = []
        villages_per_township: dict[str, int] = {}
        for code in self.of_level(regioncodes.VILLAGE):
            township = self.regions[code].parent_id or ""
            villages_per_township[township] = villages_per_township.get(township, 0) + 1
            if random.Random(f"{self.seed}:head:{code}").random() < VILLAGE_HEAD_SHARE:
                place = f"{_short(self.regions[code].name)}委会"
                wanted.append((Responder.VILLAGE_HEAD, code, place, self.grid.village_cells.get(code), None))
        for code in self.of_level(regioncodes.TOWNSHIP):
            name = self.regions[code].name
            if villages_per_township.get(code, 0) >= 8 and not name.endswith("办事处"):
                wanted.append((Responder.SCHOOL, code, f"{name}中心学校", townships.get(code), None))
        for county in self.of_level(regioncodes.COUNTY):
            name = self.regions[county].name
            wanted.append((Responder.HOSPITAL, county, f"{name}人民医院", counties.get(county), None))
            seats = sorted(
                (code for code in townships if self.counties[code] == county),
                key=lambda code: -float(self.grid.people[townships[code]]),
            )
            for seat in seats[:2]:
                place = f"{self.regions[seat].name}应急避难场所"
                wanted.append((Responder.SHELTER_MANAGER, seat, place, townships[seat], None))
        for place, county, lon, lat in SCENIC_AREAS:
            wanted.append((Responder.SCENIC_AREA, county, place, None, (lon, lat)))
        return wanted

    def responders(self) -> None:
        existing = set(Responder.objects.values_list("kind", "region_id", "place"))
        fresh = []
        for kind, region, place, cell, fixed in self.wanted_responders():
            rng = random.Random(f"{self.seed}:responder:{kind}:{region}:{place}")
            name, phone = person_name(rng), f"1709{rng.randrange(10**7):07d}"
            where = fixed or (self.near(cell, rng, 0.3) if cell is not None and cell >= 0 else (None, None))
            if (kind, region, place) in existing:
                continue
            fresh.append(
                Responder(
                    name=name, kind=kind, phone=phone, place=place, region_id=region,
                    longitude=where[0], latitude=where[1],
                )
            )  # fmt: skip
        Responder.objects.bulk_create(fresh)
        audit.record_many(
            DEMO_ACTOR,
            [
                audit.Change(
                    "warning_responder.created", r, after=audit.snapshot(r), region=self.regions[r.region_id]
                )
                for r in fresh
            ],
        )


# Public subscribers -------------------------------------------------------------------------------


@dataclass
class SubscriberColumns:
    """Subscriber rows as columns, ready for one bulk insert (NaN coordinates: a regional subscription)."""

    channel: list[str]
    address: list[str]
    region: list[str]
    longitude: np.ndarray
    latitude: np.ndarray
    min_level: list[str]
    active: list[bool]
    created_at: np.ndarray  # datetime64[s], UTC

    def __len__(self) -> int:
        return len(self.address)


def subscriber_phone(index: np.ndarray) -> list[str]:
    """Made-up 170/171 numbers, one per index (a bijection of 0 … 2×10⁸ − 1), scattered over the range."""
    number = (index.astype(np.int64) * 61_803_399 + 12_345_678) % 200_000_000
    return [f"17{n // 100_000_000}{n % 100_000_000:08d}" for n in number.tolist()]


def subscriber_push_token(index: np.ndarray) -> list[str]:
    """Made-up app push tokens, one per index (an odd multiplier modulo 2⁴⁰ is a bijection)."""
    number = (index.astype(np.int64) * 2_654_435_761) % (1 << 40)
    return [f"demo-push-{n:010x}" for n in number.tolist()]


def generate_subscribers(
    grid: population.LoadedGrid, seed: int, block: int, size: int = SUBSCRIBERS_PER_SCALE
) -> SubscriberColumns:
    """Block `block` of the demo's subscribers (its first `size`, at most SUBSCRIBERS_PER_SCALE): the
    same rows for the same seed, whatever else exists.

    Places are drawn where people live (cells by population); a located subscriber's region is the
    township of its cell, a regional one's its township or county.
    """
    rng = np.random.default_rng([seed, block])
    index = block * SUBSCRIBERS_PER_SCALE + np.arange(size, dtype=np.int64)
    lon, lat = population.sample_locations(grid, size, rng)
    cells = grid.grid.cell_of(lon, lat)
    county = grid.county_index[cells]
    township = grid.township_index[cells]
    regional = rng.random(size) < REGIONAL_SHARE
    by_county = regional & (rng.random(size) < 0.3)
    county_codes, township_codes = np.array(grid.county_codes), np.array(grid.township_codes or [""])
    region = np.where(
        (township >= 0) & ~by_county, township_codes[np.maximum(township, 0)], county_codes[county]
    )
    lon[regional], lat[regional] = np.nan, np.nan
    sms = rng.random(size) < SMS_SHARE
    phones, tokens = subscriber_phone(index), subscriber_push_token(index)
    levels = list(MIN_LEVEL_SHARES)
    min_level = np.array(levels)[rng.choice(len(levels), size=size, p=list(MIN_LEVEL_SHARES.values()))]
    subscribed_from, subscribed_until = (
        demo_clock().story(moment) for moment in (SUBSCRIBED_FROM, SUBSCRIBED_UNTIL)
    )
    span = int((subscribed_until - subscribed_from).total_seconds())
    first = np.datetime64(subscribed_from.astimezone(UTC).replace(tzinfo=None), "s")
    active = rng.random(size) >= INACTIVE_SHARE
    return SubscriberColumns(
        channel=np.where(sms, Subscriber.SMS, Subscriber.APP).tolist(),
        address=[
            phone if is_sms else token
            for phone, token, is_sms in zip(phones, tokens, sms.tolist(), strict=True)
        ],
        region=region.tolist(),
        longitude=np.round(lon, 5),
        latitude=np.round(lat, 5),
        min_level=min_level.tolist(),
        active=active.tolist(),
        created_at=first + rng.integers(0, span, size).astype("timedelta64[s]"),
    )


_SUBSCRIBER_COLUMNS = (
    "channel, address, region_id, longitude, latitude, min_level, active, token_digest, "
    "created_at, updated_at"
)


def insert_subscribers(rows: SubscriberColumns) -> int:
    """Insert the rows in bulk, skipping addresses already subscribed on their channel; how many were new."""
    table = Subscriber._meta.db_table
    longitude = [None if np.isnan(v) else v for v in rows.longitude.tolist()]
    latitude = [None if np.isnan(v) else v for v in rows.latitude.tolist()]
    # UTC as text: what Django stores in SQLite ("2026-03-31 16:00:00"), an ISO instant for PostgreSQL.
    stamps = np.datetime_as_string(rows.created_at, unit="s")
    created = (
        np.char.add(stamps, "Z") if connection.vendor == "postgresql" else np.char.replace(stamps, "T", " ")
    ).tolist()
    added = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_CHUNK):
            part = slice(start, start + INSERT_CHUNK)
            columns = (
                rows.channel[part], rows.address[part], rows.region[part], longitude[part], latitude[part],
                rows.min_level[part], rows.active[part],
            )  # fmt: skip
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"INSERT INTO {table} ({_SUBSCRIBER_COLUMNS}) "
                    "SELECT u.c, u.a, u.r, u.x, u.y, u.m, u.o, '', u.t, u.t "
                    "FROM unnest(%s::text[], %s::text[], "
                    "%s::text[], %s::float8[], %s::float8[], %s::text[], %s::bool[], %s::timestamptz[]) "
                    "AS u(c, a, r, x, y, m, o, t) "
                    "ON CONFLICT (channel, address) DO NOTHING",
                    [*columns, created[part]],
                )
            else:
                cursor.executemany(
                    f"INSERT INTO {table} ({_SUBSCRIBER_COLUMNS}) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, '', %s, %s) "
                    "ON CONFLICT (channel, address) DO NOTHING",
                    list(zip(*columns, created[part], created[part], strict=True)),
                )
            added += max(cursor.rowcount, 0)
    return added


def _audit_subscribers(block: int, added: int) -> None:
    """One entry for a block of demo subscribers (an entry per subscriber would bury the log)."""
    city = Region.objects.get(code=CITY)
    audit.record(
        DEMO_ACTOR, "warning_subscribers.loaded", city, after={"block": block, "subscribers_added": added}
    )


# The season --------------------------------------------------------------------------------------


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of the story's year (2026, up to STORY_NOW) on the demo's clock."""
    return demo_clock().story(datetime(2026, month, day, hour, minute, tzinfo=BEIJING))


def day_span(first: datetime, last: datetime) -> str:
    """ "29日至12月1日": the days of a forecast as a Chinese bulletin names them (local time)."""
    first, last = first.astimezone(BEIJING), last.astimezone(BEIJING)
    ending = f"{last.day}日" if last.month == first.month else f"{last.month}月{last.day}日"
    return f"{first.day}日至{ending}"


@dataclass(frozen=True)
class Version:
    """What one version of a warning says (instruction: the type's default for the level if empty)."""

    level: str
    headline: str
    description: str
    instruction: str = ""
    area_codes: tuple[str, ...] = ()  # empty: the story's
    expires: datetime | None = None  # None: the story's


@dataclass(frozen=True)
class Story:
    """One warning of the season: who drafts and approves it, when, and what becomes of it."""

    warning_type: str
    issuer: str  # the issuing region
    drafter: str  # usernames of the demo accounts
    approver: str
    area_codes: tuple[str, ...]
    published: datetime
    expires: datetime
    first: Version
    area_description: str = ""
    area_shapes: Callable[[], list[dict[str, Any]]] | None = None
    update: tuple[datetime, Version] | None = None
    cancel: tuple[datetime, str] | None = None
    pending: bool = False  # submitted at `published`, waiting for approval now
    drafted_only: bool = False  # drafted at `published`, not yet submitted now


COLD_WAVE = (
    "注意添衣保暖，照顾好老、弱、病人；做好设施农业和牲畜的防寒防风准备；燃煤取暖注意通风，谨防一氧化碳中毒；"
    "驾驶人员注意路面结冰和大风影响。"
)
GALE = (
    "停止露天集体活动和高空、水上等户外危险作业；加固围板、棚架、广告牌等易被风吹动的搭建物；"
    "切断户外危险电源；严禁野外用火，注意森林草原防火。"
)
ROAD_ICING = (
    "交通、公安等部门按照职责做好道路结冰应对准备；驾驶人员注意路况，减速慢行，保持车距；"
    "行人出门注意防滑，尽量少骑自行车、电动车。"
)
FOG = "驾驶人员注意雾的变化，打开雾灯，减速慢行；高速公路视情况采取限速、封闭等管制措施；户外活动注意安全。"
BLIZZARD = (
    "政府及有关部门按照职责做好防雪灾和防冻害准备；交通、电力、通信等部门做好道路清扫和线路巡查；"
    "驾驶人员小心驾驶；农牧区储备饲料，加固棚舍。"
)
# 五台山区 (台怀镇, 石咀镇, 金岗库乡, 高洪口乡, 门限石乡) and the southern mountains of 繁峙县
# (神堂堡乡, 岩头乡, 东山乡).
GEOHAZARD_TOWNSHIPS = (
    "140971100000", "140971101000", "140971200000", "140922202000", "140922203000",
    "140924208000", "140924209000", "140924204000",
)  # fmt: skip
XINFU_CITY_STREETS = tuple(f"1409020{n:02d}000" for n in range(1, 8))  # 秀容街道 … 桥西街街道
NORTHWEST = ("140925", "140926", "140927", "140928", "140929", "140930", "140931", "140932")
# The forests around 五台山's southern terraces, drawn inside 五台县.
WUTAISHAN_FOREST = {
    "type": "Polygon",
    "coordinates": [[
        [113.74, 38.92], [113.63, 38.86], [113.52, 38.84], [113.42, 38.88], [113.403, 38.955],
        [113.444, 38.941], [113.488, 38.956], [113.569, 39.058], [113.637, 39.041], [113.654, 39.002],
        [113.678, 38.99], [113.749, 38.996], [113.74, 38.92],
    ]],
}  # fmt: skip


def chemical_plant_circle(radius_km: float = 3.0) -> list[dict[str, Any]]:
    """A circle around the first demo chemical plant of 忻府区 far enough from its boundary for the
    circle to stay in the county (a county warns only its own people; the enterprises are generated)."""
    county = Region.objects.get(code="140902")
    plants = (
        Enterprise.objects.filter(
            industry=HAZARDOUS_CHEMICALS, region__path__startswith=county.path, longitude__isnull=False
        )
        .order_by("id")
        .values_list("longitude", "latitude")
    )
    for lon, lat in plants:
        circle = [{"type": "Circle", "coordinates": [lon, lat], "radius_km": radius_km}]
        try:
            services.check_shapes_within(county, circle)
        except InvalidInput:
            continue
        return circle
    lon, lat = (county.centroid_lon, county.centroid_lat) if county.centroid_lon else (112.73, 38.42)
    return [{"type": "Circle", "coordinates": [lon, lat], "radius_km": radius_km}]


def season() -> tuple[Story, ...]:
    """The season's warnings in the order they happened, on the demo's clock."""
    now = demo_clock().now
    return (
        Story(
            "forest_fire", CITY, "demo-dept-forestry", "demo-city", ("140922",),
            at(4, 2, 16), at(4, 7, 20),
            Version("orange", "忻州市森林火险橙色预警",
                    "清明期间我市气温偏高、降水偏少、风力较大，五台县林区森林火险等级高，林内可燃物极易燃烧，"
                    "祭扫用火增多，森林火灾极易发生。"),
            area_description="五台县林区",
        ),
        Story(
            "rainstorm", "140902", "demo-duty-140902", "demo-county-140902", ("140902",),
            at(7, 8, 15, 20), at(7, 9, 8),
            Version("blue", "忻府区暴雨蓝色预警",
                    "预计未来12小时忻府区大部分地区降雨量将达50毫米以上，局地伴有短时强降水和雷暴大风，请注意防范。"),
        ),
        Story(
            "rainstorm", CITY, "demo-dept-meteorology", "demo-city", ("140923", "140924"),
            at(7, 22, 16, 40), at(7, 23, 20),
            Version("orange", "忻州市暴雨橙色预警",
                    "受西南暖湿气流和冷空气共同影响，预计未来3小时代县、繁峙县降雨量将达50毫米以上，"
                    "山区可能引发山洪、滑坡、泥石流等次生灾害。"),
            update=(
                at(7, 22, 21, 10),
                Version("red", "忻州市暴雨红色预警",
                        "繁峙县过去3小时降雨量已达100毫米以上，强降雨仍将持续，滹沱河繁峙段及峨河、羊眼河水位快速上涨，"
                        "山洪、滑坡、泥石流等灾害发生的可能性极大。",
                        area_codes=("140924",), expires=at(7, 23, 14)),
            ),
        ),
        Story(
            "geohazard", CITY, "demo-dept-natural_resources", "demo-city", GEOHAZARD_TOWNSHIPS,
            at(7, 23, 9), at(7, 26, 9),
            Version("orange", "忻州市地质灾害气象风险橙色预警",
                    "前期五台山区和繁峙县南部山区累计降雨量大，土体含水量趋于饱和，预计未来72小时仍有降雨，"
                    "发生崩塌、滑坡、泥石流等地质灾害的风险高。"),
            area_description="五台山区及繁峙县南部山区",
        ),
        Story(
            "rainstorm", "140930", "demo-duty-140930", "demo-county-140930", ("140930",),
            at(8, 5, 14, 30), at(8, 5, 23),
            Version("yellow", "河曲县暴雨黄色预警",
                    "预计未来6小时河曲县沿黄河乡镇降雨量将达50毫米以上，请注意防范城乡积涝和黄河支沟山洪。"),
        ),
        Story(
            "chemical_leak", "140902", "demo-duty-140902", "demo-city", (),
            at(9, 16, 14, 20), at(9, 16, 22),
            Version("orange", "忻府区危险化学品泄漏橙色预警",
                    "14时05分，忻府区一化工企业罐区发生液氨泄漏，企业已启动应急预案并切断泄漏源，"
                    "下风向3千米范围内可能闻到刺激性气味。"),
            area_description="泄漏企业周边3千米",
            area_shapes=chemical_plant_circle,
            cancel=(at(9, 16, 15, 25), "泄漏已处置完毕，周边氨气浓度监测恢复正常，解除预警。"),
        ),
        Story(
            "forest_fire", "140925", "demo-duty-140925", "demo-county-140925", ("140925",),
            at(10, 18, 10), at(10, 25, 18),
            Version("yellow", "宁武县森林火险黄色预警",
                    "秋冬季节林下枯枝落叶增多，近期持续晴好少雨，宁武县管涔山林区森林火险等级较高，"
                    "秋收后烧荒、上坟烧纸等野外用火增多。"),
        ),
        Story(
            "fog", "140921", "demo-duty-140921", "demo-county-140921", ("140921",),
            at(11, 12, 6, 30), at(11, 12, 11),
            Version("yellow", "定襄县大雾黄色预警",
                    "预计未来12小时定襄县大部分地区将出现能见度小于500米的雾，局地小于200米，忻阜高速、108国道通行受影响。",
                    FOG),
        ),
        # 定襄县 now: a yellow gale on air, a blue cold wave waiting for the county, an icing draft.
        Story(
            "gale", "140921", "demo-duty-140921", "demo-county-140921", ("140921",),
            at(11, 28, 16), now + LIVE_FOR,
            Version("yellow", "定襄县大风黄色预警",
                    "预计未来12小时定襄县将出现8级以上大风，阵风可达9级，滹沱河谷地风力较大。", GALE),
        ),
        Story(
            "cold_wave", "140921", "demo-duty-140921", "demo-county-140921", ("140921",),
            at(11, 29, 7, 20), now + timedelta(days=3),
            Version("blue", "定襄县寒潮蓝色预警",
                    "预计未来48小时定襄县最低气温下降8℃以上，最低气温降至4℃以下，并伴有5级以上大风。",
                    COLD_WAVE),
            pending=True,
        ),
        Story(
            "road_icing", "140921", "demo-duty-140921", "demo-county-140921", ("140921",),
            at(11, 29, 7, 50), now + timedelta(days=2),
            Version("yellow", "定襄县道路结冰黄色预警",
                    "预计未来12小时定襄县忻阜高速、108国道部分路段将出现道路结冰。", ROAD_ICING),
            drafted_only=True,
        ),
        Story(
            "forest_fire", "140922", "demo-duty-140922", "demo-city", (),
            at(11, 27, 9), now + LIVE_FOR + timedelta(days=4),
            Version("orange", "五台县森林火险橙色预警",
                    "入冬以来五台山林区降水偏少、空气干燥、风力较大，林区森林火险等级高，森林火灾极易发生。"),
            area_description="五台山林区",
            area_shapes=lambda: [WUTAISHAN_FOREST],
        ),
        Story(
            "cold_wave", CITY, "demo-dept-meteorology", "demo-city", NORTHWEST,
            at(11, 28, 10), now + LIVE_FOR,
            Version("blue", "忻州市寒潮蓝色预警",
                    f"受强冷空气影响，预计{day_span(at(11, 29, 8), at(12, 1, 8))}我市西北部气温将下降8～10℃，"
                    "最低气温降至零下18℃以下，并伴有5～6级偏北风，阵风7级。", COLD_WAVE),
            area_description="宁武、静乐、神池、五寨、岢岚、河曲、保德、偏关",
        ),
        Story(
            "gale", CITY, "demo-dept-meteorology", "demo-city", ("140930", "140931", "140932"),
            at(11, 28, 16), now + LIVE_FOR,
            Version("yellow", "忻州市大风黄色预警",
                    "受冷空气影响，预计未来24小时河曲县、保德县、偏关县沿黄河地区平均风力可达8级，阵风9～10级，"
                    "并伴有扬沙。", GALE),
        ),
        Story(
            "road_icing", "140902", "demo-duty-140902", "demo-county-140902", XINFU_CITY_STREETS,
            at(11, 29, 6, 30), now + LIVE_FOR,
            Version("yellow", "忻府区道路结冰黄色预警",
                    "受降温和夜间降雪影响，未来12小时忻府区城区路表温度将低于0℃，和平街、七一路、长征街及城区桥梁、"
                    "坡道可能出现对交通有影响的道路结冰。", ROAD_ICING),
            area_description="忻府区城区",
        ),
        Story(
            "blizzard", "140928", "demo-duty-140928", "demo-city", ("140928",),
            at(11, 29, 7, 35), now + timedelta(days=2),
            Version("orange", "五寨县暴雪橙色预警",
                    "预计今天夜间到明天白天五寨县将出现大到暴雪，6小时降雪量将达10毫米以上，管涔山区道路可能被积雪阻断。",
                    BLIZZARD),
            pending=True,
        ),
    )  # fmt: skip


class Season:
    """Tells the season's stories through the services, once each, in the order they happened."""

    def __init__(self) -> None:
        self.stories = season()
        self.now = demo_clock().now
        names = {name for story in self.stories for name in (story.drafter, story.approver)}
        self.users = {user.username: user for user in User.objects.filter(username__in=names)}

    def tell(self) -> None:
        for story in self.stories:
            if not EarlyWarning.objects.filter(
                version=1, headline=story.first.headline, onset=story.published
            ).exists():
                self.story(story)

    def draft_input(self, story: Story, version: Version) -> services.DraftInput:
        kind = WarningType.objects.get(code=story.warning_type)
        return services.DraftInput(
            warning_type=story.warning_type,
            level=version.level,
            headline=version.headline,
            description=version.description,
            instruction=version.instruction or kind.instructions.get(version.level, ""),
            onset=story.published,
            expires=version.expires or story.expires,
            area_description=story.area_description,
            area_codes=list(version.area_codes or story.area_codes),
            area_shapes=story.area_shapes() if story.area_shapes else [],
            region=story.issuer,
        )

    def story(self, story: Story) -> None:
        drafter, approver = self.users[story.drafter], self.users[story.approver]
        moment = story.published
        warning = services.create_draft(drafter, self.draft_input(story, story.first))
        if story.drafted_only:
            set_times(warning, drafted=moment)
            return
        services.submit(drafter, warning.pk)
        if story.pending:
            set_times(warning, drafted=moment - timedelta(minutes=15), submitted=moment)
            return
        services.approve(approver, warning.pk)
        current = services.publish(approver, warning.pk, now=moment)
        set_times(
            current,
            drafted=moment - timedelta(minutes=40),
            submitted=moment - timedelta(minutes=25),
            approved=moment - timedelta(minutes=5),
        )
        deliver(current, moment)
        if story.update:
            moment, version = story.update
            successor = services.start_update(approver, current.pk)
            services.edit_draft(approver, successor.pk, self.draft_input(story, version))
            services.submit(approver, successor.pk)
            current = services.publish(approver, successor.pk, now=moment)
            set_times(
                current,
                drafted=moment - timedelta(minutes=20),
                submitted=moment - timedelta(minutes=5),
                approved=moment,
            )
            deliver(current, moment)
        if story.cancel:
            moment, note = story.cancel
            lifted = services.cancel(approver, current.pk, note, now=moment)
            set_times(lifted, drafted=moment, approved=moment)
            deliver(lifted, moment)
        elif current.expires <= self.now:
            expire(current, current.expires)


def set_times(
    warning: EarlyWarning,
    *,
    drafted: datetime,
    submitted: datetime | None = None,
    approved: datetime | None = None,
) -> None:
    """Set back the times the services took from the wall clock to the story's."""
    times: dict[str, datetime] = {"created_at": drafted}
    if submitted is not None:
        times["submitted_at"] = submitted
    if approved is not None:
        times["approved_at"] = approved
    EarlyWarning.objects.filter(pk=warning.pk).update(**times)


def deliver(warning: EarlyWarning, published: datetime) -> None:
    """Drain the outbox as the worker would just after publication, then measure the coverage."""
    while delivery.drain(published + DRAIN_AFTER, WORKER).claimed:
        pass
    warning.refresh_from_db()
    coverage.refresh(warning, now=published + MEASURED_AFTER)


def expire(warning: EarlyWarning, moment: datetime) -> None:
    """Run the warning's expiry deadline at `moment`, as the worker would have then."""
    deadline = jobs.pending_deadlines(warning).get(kind=services.EXPIRE)
    Deadline.objects.filter(pk=deadline.pk).update(status=Deadline.DONE, done_at=moment, attempts=1)
    services.expire(deadline, moment)
