"""Demo enterprises for Xinzhou: coal mines where its coal fields are, coke and chemical plants, gas
stations, construction sites and the rest, each with a valid credit code, a location inside its county,
licences and a safety officer account `demo-ent-<n>`.

Names are invented from common words, never those of real companies.
"""

from __future__ import annotations

from datetime import timedelta

from shapely.geometry import Point, shape

from yingji.core import audit, regioncodes, roles
from yingji.core.demo import (
    DemoContext,
    demo_clock,
    ensure_user,
    person_name,
    phone_number,
    register_demo_step,
)
from yingji.core.models import Organization, Region
from yingji.enterprises import models
from yingji.enterprises.gb32100 import make_credit_code

# Counties on Xinzhou's coal fields (宁武、河东、西山 coal fields; plan §: 原平 to 神池).
COAL_COUNTIES = {"140981": 4, "140925": 5, "140926": 3, "140930": 4, "140931": 4, "140932": 3, "140928": 2,
                 "140927": 2}  # fmt: skip
# Coking, chlor-alkali, synthetic ammonia and fine chemicals along the Xinding basin and the Yellow River.
CHEMICAL_COUNTIES = {
    "140902": 2,
    "140921": 1,
    "140981": 3,
    "140923": 1,
    "140924": 1,
    "140931": 2,
    "140930": 1,
}
# Iron ore and tailings ponds in the Wutai mountains.
NON_COAL_COUNTIES = {"140923": 2, "140924": 2, "140922": 2, "140921": 1}
PER_COUNTY = {
    models.HAZARDOUS_CHEMICALS: 2,  # gas stations: 危险化学品经营
    models.GAS: 1,
    models.CONSTRUCTION: 2,
    models.INDUSTRY_TRADE: 1,
    models.ROAD_TRANSPORT: 1,
}
FIREWORKS_COUNTIES = {"140902", "140981", "140922", "140925"}

TRADE_NAMES = (
    "鑫源 华盛 永兴 宏达 恒泰 金泰 兴盛 瑞丰 昌盛 德润 聚鑫 天和 长青 汇丰 通达 "
    "福源 荣达 新旺 锦程 泰安 晋北 东昇 广源 宝丰 利民 众诚 同心 鸿运 益民 安达"
).split()
SUFFIXES = {
    models.COAL_MINE: ["煤业有限公司", "煤矿有限责任公司"],
    models.HAZARDOUS_CHEMICALS: ["加油站"],
    models.GAS: ["燃气有限公司"],
    models.CONSTRUCTION: ["建筑工程有限公司", "建设集团有限公司"],
    models.INDUSTRY_TRADE: ["铸造有限公司", "铁合金有限公司", "食品有限公司"],
    models.ROAD_TRANSPORT: ["物流有限公司", "危货运输有限公司"],
    models.NON_COAL_MINE: ["矿业有限公司", "选矿厂"],
    models.FIREWORKS: ["烟花爆竹批发有限公司"],
}
CHEMICAL_SUFFIXES = ["焦化有限公司", "化工有限公司", "氯碱化工有限公司", "精细化工有限公司"]
LICENCES = {
    models.COAL_MINE: ["safety_production", "mining"],
    models.NON_COAL_MINE: ["safety_production", "mining"],
    models.HAZARDOUS_CHEMICALS: ["hazardous_chemicals_operation"],
    models.GAS: ["gas_operation"],
    models.CONSTRUCTION: ["construction"],
    models.ROAD_TRANSPORT: ["road_transport"],
    models.FIREWORKS: ["fireworks_operation"],
}
LICENCE_PREFIX = {
    "safety_production": "安许证字", "mining": "采矿证", "hazardous_chemicals_operation": "忻危化经字",
    "gas_operation": "燃经字", "construction": "JZ安许证字", "road_transport": "道运经字",
    "fireworks_operation": "烟花经字",
}  # fmt: skip
SCALES = {
    models.COAL_MINE: ["large", "medium", "medium", "small"],
    "chemical": ["large", "medium", "medium"],
    models.HAZARDOUS_CHEMICALS: ["small", "micro"],  # gas stations
    models.CONSTRUCTION: ["medium", "small"],
}
EMPLOYEES = {"large": (1000, 3000), "medium": (300, 1000), "small": (20, 300), "micro": (3, 20)}


def short_name(county: Region) -> str:
    """忻府区 → 忻府, 宁武县 → 宁武, but 代县 stays 代县."""
    return county.name[:-1] if len(county.name) > 2 else county.name


def plan_for(county: Region, scale: int) -> list[str]:
    """The industries of the county's demo enterprises, in a fixed order."""
    industries = [models.COAL_MINE] * COAL_COUNTIES.get(county.code, 0)
    industries += ["chemical"] * CHEMICAL_COUNTIES.get(county.code, 0)
    industries += [models.NON_COAL_MINE] * NON_COAL_COUNTIES.get(county.code, 0)
    for industry, count in PER_COUNTY.items():
        industries += [industry] * count
    if county.code in FIREWORKS_COUNTIES:
        industries.append(models.FIREWORKS)
    return industries * scale


def random_point_in(
    geometry: dict | None, rng: object, fallback: Region
) -> tuple[float | None, float | None]:
    if not geometry:
        return fallback.centroid_lon, fallback.centroid_lat
    polygon = shape(geometry)
    min_x, min_y, max_x, max_y = polygon.bounds
    for _ in range(200):
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)  # type: ignore[attr-defined]
        if polygon.contains(Point(x, y)):
            return round(x, 5), round(y, 5)
    return fallback.centroid_lon, fallback.centroid_lat


@register_demo_step(20, "企业")
def build_enterprises(context: DemoContext) -> None:
    rng = context.rng
    counties = list(Region.objects.filter(level=regioncodes.COUNTY, parent_id="140900").order_by("code"))
    number = 0
    for county in counties:
        townships = list(county.children.filter(level=regioncodes.TOWNSHIP).order_by("code"))
        used_names: set[str] = set()
        for industry in plan_for(county, context.scale):
            number += 1
            real_industry = models.HAZARDOUS_CHEMICALS if industry == "chemical" else industry
            suffix = rng.choice(CHEMICAL_SUFFIXES if industry == "chemical" else SUFFIXES[industry])
            name = f"{short_name(county)}{rng.choice(TRADE_NAMES)}{suffix}"
            while name in used_names:
                name = f"{short_name(county)}{rng.choice(TRADE_NAMES)}{rng.choice(TRADE_NAMES)}{suffix}"
            used_names.add(name)
            township = rng.choice(townships)
            lon, lat = random_point_in(county.geometry, rng, county)
            scale = rng.choice(SCALES.get(industry, ["small", "small", "micro", "medium"]))
            credit_code = make_credit_code(county.code, 10_000_000 + number * 7919 % 89_999_999)
            is_new = not models.Enterprise.objects.filter(credit_code=credit_code).exists()
            if is_new and Organization.objects.filter(region=township, name=name).exists():
                name = name.replace(suffix, f"{number}{suffix}")  # taken by an earlier run at a smaller scale
            enterprise = _ensure_enterprise(
                context, credit_code, name, real_industry, scale, township, lon, lat, industry == "chemical"
            )
            ensure_user(context, f"demo-ent-{number}", roles.ENTERPRISE_OFFICER, enterprise.region,
                        enterprise.organization)  # fmt: skip


def _ensure_enterprise(context: DemoContext, credit_code: str, name: str, industry: str, scale: str,
                       township: Region, lon: float | None, lat: float | None, chemical_plant: bool
                       ) -> models.Enterprise:  # fmt: skip
    rng = context.rng
    existing = models.Enterprise.objects.filter(credit_code=credit_code).first()
    legal, officer = person_name(rng), person_name(rng)
    legal_phone, officer_phone = phone_number(rng), phone_number(rng)
    low, high = EMPLOYEES[scale]
    employees = rng.randint(low, high)
    licence_days = [rng.randint(-60, 1000) for _ in range(2)]
    if existing is not None:
        return existing
    organization = Organization.objects.create(name=name, kind=Organization.ENTERPRISE, region=township,
                                               phone=officer_phone, address=f"{township.name}")  # fmt: skip
    enterprise = models.Enterprise.objects.create(
        organization=organization, name=name, credit_code=credit_code, industry=industry, scale=scale,
        region=township, address=f"忻州市{township.parent.name}{township.name}", longitude=lon, latitude=lat,
        legal_representative=legal, legal_representative_phone=legal_phone, safety_officer=officer,
        safety_officer_phone=officer_phone, employees=employees,
    )  # fmt: skip
    audit.record("yingji demo", "enterprise.created", enterprise, after=audit.snapshot(enterprise))
    kinds = LICENCES.get(industry, []) + (["safety_production"] if chemical_plant else [])
    for index, kind in enumerate(dict.fromkeys(kinds)):
        licence = models.Licence.objects.create(
            enterprise=enterprise,
            kind=kind,
            number=f"（晋）{LICENCE_PREFIX[kind]}〔2023〕{credit_code[2:16]}",
            issuer="山西省应急管理厅" if kind == "safety_production" else "忻州市行政审批服务管理局",
            issued_on=demo_clock().today - timedelta(days=3 * 365 - licence_days[index % 2]),
            expires_on=demo_clock().today + timedelta(days=licence_days[index % 2]),
        )  # fmt: skip
        audit.record("yingji demo", "licence.created", licence, after=audit.snapshot(licence))
    return enterprise
