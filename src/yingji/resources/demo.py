"""Demo resources for Xinzhou: a fire and rescue station in every county (a special-service station in
the city), the four enterprise-based regional teams the plan names, forest and grassland fire teams in
五台县 and 五寨县, mine rescue, hazardous-chemicals, flood, medical, power, communications and social
teams, their members, certificates and equipment; about 300 shelters spread by population (their
managers from the warning responders' register); and the helipads of the aviation rescue network.

Deterministic (a seed drawn from context.rng), idempotent (nothing is added once teams exist), in bulk.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
from django.db import transaction

from yingji.core import audit, regioncodes
from yingji.core.demo import (
    DEMO_ACTOR,
    DemoContext,
    demo_clock,
    ensure_organization,
    person_name,
    phone_number,
    register_demo_step,
)
from yingji.core.models import Organization, Region
from yingji.enterprises.models import Enterprise
from yingji.geography import population
from yingji.resources import checks, kinds
from yingji.resources.models import (
    Certificate,
    Equipment,
    Helipad,
    Member,
    Shelter,
    ShelterMovement,
    ShelterNorm,
    Team,
    TeamStatusChange,
)
from yingji.warnings.models import Responder

CITY = "140900"
SHELTER_TOTAL = 300
# The plan's enterprise-based regional teams: (organization, county, team kind, team name, headcount).
REGIONAL_TEAMS = (
    ("晋能控股集团忻州公司", "140902", "mine_rescue", "晋能控股集团忻州公司矿山救护大队", 86, "mining"),
    ("忻州神达能源集团", "140981", "mine_rescue", "忻州神达能源集团矿山救护队", 48, "mining"),
    ("山西宁武大运华盛集团", "140925", "mine_rescue", "山西宁武大运华盛集团矿山救护队", 42, "mining"),
    ("忻州禹王化工", "140981", "hazmat", "忻州禹王化工危险化学品救援队", 36, "hazardous_chemicals"),
)
FOREST_COUNTIES = {"140922": 60, "140928": 55}  # 五台县 and 五寨县 (the plan: 五寨 on 五台's scale)
FLOOD_COUNTIES = ("140902", "140981", "140923", "140930", "140931", "140932")
SOCIAL_TEAMS = (
    ("140902", "忻州蓝天救援队"),
    ("140981", "原平市应急救援志愿者协会"),
    ("140922", "五台山红十字救援队"),
)
POWER_TEAMS = (("140902", "国网忻州供电公司电力抢修队"), ("140981", "国网原平市供电公司电力抢修队"))
COMMS_TEAMS = (("140902", "中国移动忻州分公司应急通信保障队"),)
HELIPADS = (
    ("忻州五台山机场", "140921", "airport", 112.969, 38.597),
    ("忻州市人民医院停机坪", "140902", "rooftop", 112.738, 38.416),
    ("原平市应急救援起降点", "140981", "ground", 112.712, 38.731),
    ("五台山台怀起降点", "140922", "ground", 113.592, 39.010),
    ("宁武芦芽山起降点", "140925", "ground", 112.215, 38.842),
    ("五寨县森林防火起降点", "140928", "ground", 111.846, 38.905),
    ("河曲县应急救援起降点", "140930", "ground", 111.146, 39.384),
)
# Helipads the plan still has to build (规划建设中): registered, not yet usable, so the one-hour
# network shows the gap they will close along the Yellow River.
PLANNED_HELIPADS = {"五台山台怀起降点", "宁武芦芽山起降点", "五寨县森林防火起降点", "河曲县应急救援起降点"}
EQUIPMENT_BY_TEAM = {
    "fire_station": [
        ("fire_engine", "水罐消防车", 8, 2),
        ("fire_engine", "泡沫消防车", 6, 1),
        ("rescue_vehicle", "抢险救援车", 6, 1),
        ("breathing", "正压式空气呼吸器", 30, 1),
        ("light_tower", "移动照明灯塔", 4, 1),
        ("generator", "移动发电机", 30, 1),
    ],
    "mine_rescue": [
        ("rescue_vehicle", "矿山救护车", 8, 2),
        ("breathing", "正压氧气呼吸器", 40, 1),
        ("pump", "矿用潜水排水泵", 500, 2),
        ("generator", "应急电源车", 200, 1),
        ("command_vehicle", "救护指挥车", 5, 1),
    ],
    "hazmat": [
        ("fire_engine", "化学洗消车", 4, 1),
        ("fire_engine", "高喷消防车", 12, 1),
        ("breathing", "重型防化服", 20, 1),
        ("drone", "侦检无人机", 45, 1),
    ],
    "forest_fire": [
        ("tracked_fire_engine", "履带式森林消防车", 3, 2),
        ("drone", "小型侦察无人机", 50, 2),
        ("excavator", "开设隔离带挖掘机", 20, 1),
        ("truck", "运兵车", 5, 2),
    ],
    "flood": [
        ("boat", "冲锋舟", 12, 3),
        ("pump", "大流量排涝泵", 1000, 2),
        ("generator", "移动发电机", 100, 1),
        ("light_tower", "移动照明灯塔", 4, 1),
        ("truck", "抢险物资运输车", 10, 1),
    ],
    "medical": [("ambulance", "负压救护车", 4, 2), ("command_vehicle", "医疗指挥车", 6, 1)],
    "power": [("generator", "应急发电车", 500, 2), ("rescue_vehicle", "电力抢修车", 5, 2)],
    "communications": [
        ("communications_vehicle", "卫星应急通信车", 0, 1),
        ("drone", "系留通信无人机", 120, 1),
    ],
    "social": [
        ("boat", "救生艇", 8, 1),
        ("drone", "搜救无人机", 35, 1),
        ("rescue_vehicle", "越野救援车", 5, 1),
    ],
}
SKILLS = {
    "fire_station": ["灭火救援", "破拆", "高空救援", "水域救援"],
    "mine_rescue": ["矿山救护", "气体检测", "心肺复苏", "排水"],
    "hazmat": ["侦检", "堵漏", "洗消", "化学品处置"],
    "forest_fire": ["风力灭火", "以水灭火", "隔离带开设", "无人机侦察"],
    "flood": ["舟艇驾驶", "排涝", "堤防巡查", "水域救援"],
    "medical": ["院前急救", "检伤分类", "心肺复苏"],
    "power": ["配网抢修", "应急供电"],
    "communications": ["卫星通信", "应急组网"],
    "social": ["山地搜救", "水域救援", "心肺复苏"],
}
CERTIFICATES = {
    "fire_station": "消防员职业资格证",
    "mine_rescue": "矿山救护队员资格证",
    "hazmat": "危险化学品应急救援员证",
    "forest_fire": "森林消防员证",
    "flood": "船舶驾驶证",
    "medical": "执业医师证",
    "power": "电工特种作业操作证",
    "communications": "无线电操作证",
    "social": "应急救援员证",
}
# Readiness mix of the demo's teams, most standing by (the weight of each status).
STATUS_WEIGHTS = (
    (kinds.STANDBY, 70),
    (kinds.DISPATCHED, 3),
    (kinds.EN_ROUTE, 4),
    (kinds.ON_SCENE, 6),
    (kinds.RETURNING, 4),
    (kinds.RESTING, 13),
)
SHELTER_TYPE_WEIGHTS = (
    (kinds.EMERGENCY, 64),
    (kinds.SHORT_TERM, 22),
    (kinds.MEDIUM_TERM, 10),
    (kinds.LONG_TERM, 4),
)
# Effective areas (m²): squares and parks for emergency shelters, schools and stadiums for fixed ones.
SHELTER_AREAS = {
    kinds.EMERGENCY: (600, 4_000),
    kinds.SHORT_TERM: (4_000, 16_000),
    kinds.MEDIUM_TERM: (6_000, 20_000),
    kinds.LONG_TERM: (8_000, 30_000),
    kinds.CENTRAL: (40_000, 70_000),
}
SHELTER_PLACES = {
    kinds.EMERGENCY: [
        "广场",
        "公园",
        "中心学校操场",
        "文化广场",
        "体育场",
        "小学操场",
        "街心公园",
        "农贸市场空地",
        "卫生院前广场",
        "村委会广场",
    ],
    kinds.SHORT_TERM: ["中学", "体育中心", "公园", "第二中学", "职业技术学校", "人民广场"],
    kinds.MEDIUM_TERM: ["体育中心", "职业中学", "人民公园", "会展中心"],
    kinds.LONG_TERM: ["体育馆及周边", "生态公园", "滨河公园"],
    kinds.CENTRAL: ["中心避难场所"],
}
SHELTER_WORD = {
    kinds.EMERGENCY: "紧急避难场所",
    kinds.SHORT_TERM: "固定避难场所",
    kinds.MEDIUM_TERM: "固定避难场所",
    kinds.LONG_TERM: "固定避难场所",
    kinds.CENTRAL: "",
}
# A flood in 河曲县 and 保德县 along the Yellow River: some of their shelters are open, one is full.
OPEN_COUNTIES = ("140930", "140931")


def _weighted(rng: random.Random, weights: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([code for code, _w in weights], [w for _c, w in weights])[0]


@dataclass
class Seat:
    """The most populous cell of a county (its seat) and its populated cells, from the population grid."""

    code: str
    lon: float
    lat: float


class Builder:
    def __init__(self, seed: int, grid: population.LoadedGrid) -> None:
        self.seed = seed
        self.grid = grid
        self.now = demo_clock().now
        self.today = demo_clock().today
        self.counties = {
            r.code: r
            for r in Region.objects.filter(level=regioncodes.COUNTY, parent_id=CITY).defer("geometry")
        }
        self.seats = {}
        for number, code in enumerate(grid.county_codes):
            cells = np.flatnonzero(grid.county_index == number)
            if len(cells) and code in self.counties:
                cell = int(cells[np.argmax(grid.people[cells])])
                lon, lat = grid.grid.centre_of(np.array([cell]))
                self.seats[code] = (float(lon[0]), float(lat[0]))
        self.bureaus = {
            r: o
            for r, o in Organization.objects.filter(
                kind=Organization.BUREAU, name__endswith="应急管理局"
            ).values_list("region_id", "pk")
        }
        self.teams: list[Team] = []

    def rng(self, *key: object) -> random.Random:
        return random.Random(":".join([str(self.seed), *map(str, key)]))

    def near_seat(self, county: str, rng: random.Random, spread_km: float = 3.0) -> tuple[float, float]:
        lon, lat = self.seats[county]
        return (
            round(lon + rng.uniform(-spread_km, spread_km) / 86.7, 5),
            round(lat + rng.uniform(-spread_km, spread_km) / 111.3, 5),
        )

    def organization(self, county: str, name: str, kind: str, sector: str) -> Organization:
        return ensure_organization(self.counties[county], name, kind, sector)

    def team(
        self,
        organization: Organization | int,
        county: str,
        kind: str,
        name: str,
        headcount: int,
        where: tuple[float, float] | None = None,
        address: str = "",
        region: str = "",
    ) -> None:
        rng = self.rng("team", name)
        lon, lat = where or self.near_seat(county, rng)
        status = _weighted(rng, STATUS_WEIGHTS)
        self.teams.append(
            Team(
                name=name,
                kind=kind,
                region_id=region or county,
                address=address or f"{self.counties[county].name}",
                organization_id=organization if isinstance(organization, int) else organization.pk,
                longitude=lon,
                latitude=lat,
                headcount=headcount,
                leader=person_name(rng),
                phone=phone_number(rng),
                status=status,
                status_since=self.now - timedelta(minutes=rng.randrange(20, 60 * 24 * 5)),
                created_at=self.now - timedelta(days=rng.randrange(200, 1500)),
            )
        )

    # Teams --------------------------------------------------------------------------------------

    def plan_teams(self) -> None:
        # The chemical plants' own full-time fire brigades (企业专职消防队), kept by their safety officers.
        for enterprise in (
            Enterprise.objects.filter(name__contains="化")
            .order_by("pk")
            .only("pk", "name", "organization_id", "region_id", "longitude", "latitude")
        ):
            county = enterprise.region_id[:6]
            if county not in self.counties or enterprise.longitude is None:
                continue
            self.team(
                enterprise.organization_id,
                county,
                "hazmat",
                f"{enterprise.name}专职消防队",
                15,
                where=(enterprise.longitude, enterprise.latitude),
                address=enterprise.name,
                region=enterprise.region_id,
            )
        fire_city = self.organization("140902", "忻州市消防救援支队", Organization.TEAM, "fire_rescue")
        self.team(fire_city, "140902", kinds.FIRE_STATION, "忻州市消防救援支队特勤站", 45)
        for county, region in sorted(self.counties.items()):
            short = region.name[:-1] if len(region.name) > 2 else region.name
            brigade = self.organization(
                county, f"{region.name}消防救援大队", Organization.TEAM, "fire_rescue"
            )
            self.team(
                brigade,
                county,
                kinds.FIRE_STATION,
                f"{short}消防救援站",
                28 + self.rng("fs", county).randrange(18),
            )
            bureau = self.bureaus.get(county)
            if bureau is not None:
                self.team(
                    bureau,
                    county,
                    "medical",
                    f"{region.name}人民医院医疗救护队",
                    12 + self.rng("med", county).randrange(10),
                )
                if county in FOREST_COUNTIES:
                    self.team(
                        bureau,
                        county,
                        "forest_fire",
                        f"{region.name}森林草原专业扑火队",
                        FOREST_COUNTIES[county],
                    )
                if county in FLOOD_COUNTIES:
                    self.team(
                        bureau,
                        county,
                        "flood",
                        f"{region.name}防汛抢险队",
                        30 + self.rng("fl", county).randrange(20),
                    )
        for org_name, county, kind, name, headcount, sector in REGIONAL_TEAMS:
            owner = self.organization(county, org_name, Organization.ENTERPRISE, sector)
            self.team(owner, county, kind, name, headcount)
        for county, name in SOCIAL_TEAMS:
            owner = self.organization(county, name, Organization.TEAM, "other")
            self.team(owner, county, "social", name + "救援分队" if not name.endswith("队") else name, 25)
        for county, name in POWER_TEAMS + COMMS_TEAMS:
            owner = self.organization(
                county,
                name.replace("电力抢修队", "").replace("应急通信保障队", ""),
                Organization.ENTERPRISE,
                "other",
            )
            self.team(owner, county, "power" if "电力" in name else "communications", name, 20)

    def write_teams(self) -> list[Team]:
        Team.objects.bulk_create(self.teams, batch_size=500)
        teams = list(Team.objects.order_by("pk"))
        history, members, equipment = [], [], []
        for team in teams:
            rng = self.rng("history", team.name)
            history += self.history_of(team, rng)
            members += self.members_of(team, rng)
            equipment += self.equipment_of(team, rng)
        TeamStatusChange.objects.bulk_create(history, batch_size=1000)
        Member.objects.bulk_create(members, batch_size=1000)
        certificates = []
        for member in Member.objects.select_related("team").order_by("pk"):
            rng = self.rng("cert", member.pk)
            days = rng.choice([-20, 12, 25, 80, 200, 400, 700, 900])
            certificates.append(
                Certificate(
                    member=member,
                    name=CERTIFICATES[member.team.kind],
                    number=f"YJ{rng.randrange(10**8):08d}",
                    expires_on=self.today + timedelta(days=days),
                )
            )
        Certificate.objects.bulk_create(certificates, batch_size=1000)
        Equipment.objects.bulk_create(equipment, batch_size=1000)
        return teams

    def history_of(self, team: Team, rng: random.Random) -> list[TeamStatusChange]:
        """A few call-outs before now, ending in the team's current readiness."""
        cycle = [
            kinds.DISPATCHED,
            kinds.EN_ROUTE,
            kinds.ON_SCENE,
            kinds.RETURNING,
            kinds.RESTING,
            kinds.STANDBY,
        ]
        rows = [
            TeamStatusChange(
                team=team, from_status="", to_status=kinds.STANDBY, at=team.created_at, note="登记"
            )
        ]
        status = kinds.STANDBY

        def change(to: str, at: Any) -> TeamStatusChange:
            return TeamStatusChange(team=team, from_status=status, to_status=to, at=at)

        at = team.status_since - timedelta(days=rng.randrange(20, 120))
        for _call in range(rng.randrange(0, 3)):  # earlier call-outs, each back to standing by
            for step in cycle:
                at += timedelta(minutes=rng.randrange(10, 240))
                rows.append(change(step, at))
                status = step
        # The last call-out reaches the team's readiness at `status_since` (a whole one if standing by).
        tail = cycle if team.status == kinds.STANDBY else cycle[: cycle.index(team.status) + 1]
        moments, moment = [], team.status_since
        for _step in tail:
            moments.append(moment)
            moment -= timedelta(minutes=rng.randrange(10, 240))
        for step, when in zip(tail, reversed(moments), strict=True):
            rows.append(change(step, when))
            status = step
        return rows

    def members_of(self, team: Team, rng: random.Random) -> list[Member]:
        posts = ["队长", "副队长", "班长", "队员", "队员", "驾驶员"]
        skills = SKILLS[team.kind]
        return [
            Member(
                team=team,
                name=person_name(rng),
                post=post,
                phone=phone_number(rng),
                skills="、".join(rng.sample(skills, min(2, len(skills)))),
            )
            for post in posts[: min(len(posts), max(3, team.headcount // 6))]
        ]

    def equipment_of(self, team: Team, rng: random.Random) -> list[Equipment]:
        rows = []
        for kind, name, capability, count in EQUIPMENT_BY_TEAM[team.kind]:
            for number in range(count):
                status = rng.choices([kinds.AVAILABLE, kinds.IN_USE, kinds.MAINTENANCE], [85, 5, 10])[0]
                if (
                    team.status in (kinds.DISPATCHED, kinds.EN_ROUTE, kinds.ON_SCENE)
                    and kinds.EQUIPMENT_KINDS[kind].vehicle
                ):
                    status = kinds.IN_USE
                plate = ""
                if kinds.EQUIPMENT_KINDS[kind].vehicle:
                    plate = f"晋H{rng.choice('ABCDEFGJ')}{rng.randrange(10000):04d}"
                rows.append(
                    Equipment(
                        name=f"{name}{number + 1}号" if count > 1 else name,
                        kind=kind,
                        capability=capability,
                        plate=plate,
                        team=team,
                        organization_id=team.organization_id,
                        region_id=team.region_id,
                        longitude=team.longitude,
                        latitude=team.latitude,
                        status=status,
                        maintenance_due_on=self.today + timedelta(days=rng.randrange(-30, 300)),
                        created_at=team.created_at,
                    )
                )
        return rows

    # Shelters -----------------------------------------------------------------------------------

    def shelters(self) -> list[Shelter]:
        norms = {n.shelter_type: n.area_per_person_m2 for n in ShelterNorm.objects.all()}
        for code, default in kinds.SHELTER_DEFAULTS.items():
            norms.setdefault(code, default.area_per_person_m2)
        managers = {
            (place, region): pk
            for pk, place, region in Responder.objects.filter(kind=Responder.SHELTER_MANAGER).values_list(
                "pk", "place", "region_id"
            )
        }
        townships = {
            r.code: r.name
            for r in Region.objects.filter(
                level=regioncodes.TOWNSHIP, path__startswith="140000/140900/"
            ).only("code", "name")
        }
        total_people = sum(r.population or 0 for r in self.counties.values())
        grid = self.grid
        shelters: list[Shelter] = []
        for number, county in enumerate(grid.county_codes):
            if county not in self.counties:
                continue
            share = (self.counties[county].population or 0) / total_people
            count = max(6, round(SHELTER_TOTAL * share))
            cells = np.flatnonzero(grid.county_index == number)
            cells = cells[np.argsort(-grid.people[cells], kind="stable")][: count * 3]
            rng = self.rng("shelters", county)
            picked = sorted(rng.sample(range(len(cells)), min(count, len(cells))))
            used_names: set[str] = set()
            for rank, index in enumerate(picked):
                cell = int(cells[index])
                township_no = int(grid.township_index[cell])
                township = grid.township_codes[township_no] if township_no >= 0 else county
                place_name = townships.get(township, self.counties[county].name)
                stype = (
                    kinds.CENTRAL
                    if rank == 0 and county in ("140902", "140981")
                    else _weighted(rng, SHELTER_TYPE_WEIGHTS)
                )
                name = f"{place_name}{rng.choice(SHELTER_PLACES[stype])}{SHELTER_WORD[stype]}"
                if stype == kinds.CENTRAL:
                    name = f"{self.counties[county].name}中心避难场所"
                manager = managers.pop((f"{place_name}应急避难场所", township), None)
                if manager is not None:
                    name = f"{place_name}应急避难场所"
                suffix = 2
                base = name
                while name in used_names:
                    name, suffix = f"{base}（{suffix}）", suffix + 1
                used_names.add(name)
                lon, lat = grid.grid.centre_of(np.array([cell]))
                low, high = SHELTER_AREAS[stype]
                area = float(round(rng.uniform(low, high), -2))
                capacity = kinds.capacity(area, norms[stype])
                shelters.append(
                    Shelter(
                        name=name,
                        shelter_type=stype,
                        region_id=township,
                        level="county"
                        if stype in (kinds.CENTRAL, kinds.LONG_TERM)
                        else "township"
                        if stype != kinds.EMERGENCY
                        else "village",
                        address=f"{self.counties[county].name}{place_name}",
                        longitude=round(float(lon[0]) + rng.uniform(-0.4, 0.4) * grid.grid.cell_lon, 5),
                        latitude=round(float(lat[0]) + rng.uniform(-0.4, 0.4) * grid.grid.cell_lat, 5),
                        area_m2=area,
                        capacity=capacity,
                        facilities=sorted(
                            rng.sample(list(kinds.FACILITIES), rng.randrange(3, len(kinds.FACILITIES)))
                        ),
                        manager_id=manager,
                        created_at=self.now - timedelta(days=rng.randrange(100, 2000)),
                    )
                )
        self.open_some(shelters)
        Shelter.objects.bulk_create(shelters, batch_size=500)
        stored = list(Shelter.objects.order_by("pk"))
        ShelterMovement.objects.bulk_create(self.movements(stored), batch_size=1000)
        return stored

    def movements(self, shelters: list[Shelter]) -> list[ShelterMovement]:
        """The check-ins of the open shelters over the last hours, and a drill (避难演练) in every county
        some weeks ago: people counted in, then out again."""
        rows = []
        for shelter in shelters:
            if shelter.occupancy:
                rng = self.rng("moves", shelter.name)
                left, at, total = shelter.occupancy, self.now - timedelta(hours=10), 0
                while left > 0:
                    batch = min(left, max(1, int(shelter.occupancy * rng.uniform(0.15, 0.4))))
                    left, total = left - batch, total + batch
                    at += timedelta(minutes=rng.randrange(20, 90))
                    rows.append(
                        ShelterMovement(
                            shelter=shelter, change=batch, occupancy_after=total, at=min(at, self.now)
                        )
                    )
        drilled: set[str] = set()
        for shelter in shelters:
            county = shelter.region_id[:6]
            if county in drilled or shelter.occupancy or shelter.capacity < 200:
                continue
            drilled.add(county)
            rng = self.rng("drill", county)
            people = min(shelter.capacity, rng.randrange(120, 600))
            at = self.now - timedelta(days=rng.randrange(20, 120), hours=rng.randrange(0, 8))
            rows.append(ShelterMovement(shelter=shelter, change=people, occupancy_after=people, at=at))
            rows.append(
                ShelterMovement(
                    shelter=shelter, change=-people, occupancy_after=0, at=at + timedelta(hours=2)
                )
            )
        return rows

    def open_some(self, shelters: list[Shelter]) -> None:
        """The Yellow River flood: the first shelters of two counties are open (one of them full)."""
        for county in OPEN_COUNTIES:
            mine = [s for s in shelters if s.region_id.startswith(county)][:5]
            for number, shelter in enumerate(mine):
                rng = self.rng("open", shelter.name)
                shelter.status = kinds.OPEN
                shelter.occupancy = (
                    shelter.capacity if number == 0 else int(shelter.capacity * rng.uniform(0.1, 0.7))
                )
                if shelter.occupancy >= shelter.capacity:
                    shelter.status = kinds.FULL

    def helipads(self) -> list[Helipad]:
        rows = [
            Helipad(
                name=name,
                kind=kind,
                region_id=county,
                longitude=lon,
                latitude=lat,
                usable=name not in PLANNED_HELIPADS,
                note="规划建设中" if name in PLANNED_HELIPADS else "",
                created_at=self.now - timedelta(days=400),
            )
            for name, county, kind, lon, lat in HELIPADS
            if county in self.counties
        ]
        Helipad.objects.bulk_create(rows)
        return list(Helipad.objects.order_by("pk"))


@register_demo_step(85, "应急资源")
def build_resources(context: DemoContext) -> None:
    seed = context.rng.randrange(2**32)
    if Team.objects.exists():
        return
    grid = population.load_grid(CITY)
    if grid is None:
        population.build_grid(CITY)
        grid = population.load_grid(CITY)
    assert grid is not None
    with transaction.atomic():
        builder = Builder(seed, grid)
        builder.plan_teams()
        teams = builder.write_teams()
        shelters = builder.shelters()
        helipads = builder.helipads()
        regions = {
            r.code: r for r in Region.objects.filter(code__in={t.region_id for t in teams}).defer("geometry")
        }
        changes = [
            audit.Change("rescue_team.created", t, after=audit.snapshot(t), region=regions[t.region_id])
            for t in teams
        ]
        changes += [audit.Change("helipad.created", h, after=audit.snapshot(h)) for h in helipads]
        audit.record_many(DEMO_ACTOR, changes)
        # One entry per county for the shelters: an entry per shelter would bury the log.
        for county, region in builder.counties.items():
            mine = [s for s in shelters if s.region_id.startswith(county)]
            after = {"shelters_added": len(mine), "capacity": sum(s.capacity for s in mine)}
            audit.record(DEMO_ACTOR, "shelters.loaded", region, after=after)
        # What the worker's checks said as the dates came near: the certificate and maintenance notices.
        while checks.certificates_expiring(builder.now) or checks.maintenance_due(builder.now):
            pass
    context.progress(f"{len(teams)} 支队伍、{len(shelters)} 处避难场所、{len(helipads)} 个起降点")
