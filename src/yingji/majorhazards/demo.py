"""Demo register of major hazard installations for the demo's chemical plants, gas companies and gas stations.

Quantities are design maxima of realistic equipment (tank volume × density × fill ratio), so the
identification gives what such sites give in practice: a synthetic-ammonia tank farm or a liquid
chlorine store is 一级 or 二级, a coking plant's crude benzene tank farm 三级, a small LNG station 四级
or nothing, and a gas station (4 × 30 m³ of gasoline ≈ 80 t < 200 t) is not a major hazard. Every
county gets at least its gas company and one gas station. Idempotent: an installation that exists
(by enterprise and name) is left alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction

from yingji.core import audit, regioncodes
from yingji.core.demo import DEMO_ACTOR, DemoContext, demo_clock, register_demo_step
from yingji.core.models import Region
from yingji.enterprises import models as enterprise_models
from yingji.enterprises.models import Enterprise
from yingji.majorhazards import services
from yingji.majorhazards.models import FILED, PRODUCTION, REVIEW_DUE, STORAGE, Installation, Unit

FILING_VALIDITY = timedelta(days=3 * 365)  # safety assessment and filing renewed every three years

# (name, cas, category, quantity_t) per line; (unit name, kind, lines) per unit.
Line = tuple[str, str, str, float]


@dataclass(frozen=True)
class Site:
    """An installation template: its name and units, chosen for an enterprise by its name."""

    name: str
    units: list[tuple[str, str, list[Line]]]
    population: tuple[int, ...]


def _tanks(count: int, volume_m3: float, density: float, fill: float = 0.85) -> float:
    return round(count * volume_m3 * density * fill, 1)


def coking_plant(rng: random.Random, variant: int) -> Site:
    benzene_tanks, population = ((6, 150), (2, 45), (3, 20))[variant % 3]
    return Site(
        "焦化厂区",
        [
            ("粗苯储罐区", STORAGE, [("苯", "71-43-2", "", _tanks(benzene_tanks, 500, 0.88))]),
            ("焦炉煤气柜", STORAGE, [("煤气", "", "", rng.choice((23.0, 27.6)))]),
            (
                "化产回收装置",
                PRODUCTION,
                [("苯", "71-43-2", "", 40.0), ("煤气", "", "", 6.0), ("氨", "7664-41-7", "", 3.0)],
            ),
        ],
        (population,),
    )


def ammonia_plant(rng: random.Random, variant: int) -> Site:
    spheres, population = (((2, 1000), 35), ((4, 100), 60), ((2, 400), 10))[variant % 3]
    return Site(
        "合成氨厂区",
        [
            ("液氨罐区", STORAGE, [("液氨", "7664-41-7", "", _tanks(spheres[0], spheres[1], 0.6))]),
            (
                "合成氨装置",
                PRODUCTION,
                [("氨", "7664-41-7", "", 25.0), ("氢", "1333-74-0", "", 1.8), ("煤气", "", "", 8.0)],
            ),
            ("甲醇罐区", STORAGE, [("甲醇", "67-56-1", "", _tanks(2, 1000, 0.79))]),
        ],
        (population,),
    )


def chlor_alkali_plant(rng: random.Random, variant: int) -> Site:
    tanks, population = ((3, 90), (2, 60), (2, 0))[variant % 3]
    return Site(
        "氯碱厂区",
        [
            ("液氯库", STORAGE, [("液氯", "7782-50-5", "", _tanks(tanks, 30, 1.4, 0.8))]),
            ("氯气处理及液化装置", PRODUCTION, [("氯", "7782-50-5", "", 8.0), ("氢", "1333-74-0", "", 0.6)]),
            (
                "盐酸合成装置",
                PRODUCTION,
                [("氯化氢(无水)", "7647-01-0", "", 3.0), ("氢", "1333-74-0", "", 0.4)],
            ),
        ],
        (population,),
    )


def fine_chemicals_plant(rng: random.Random, variant: int) -> Site:
    return Site(
        "精细化工厂区",
        [
            (
                "溶剂罐区",
                STORAGE,
                [
                    ("甲醇", "67-56-1", "", _tanks(rng.choice((1, 2)), 500, 0.79)),
                    ("甲苯", "108-88-3", "", _tanks(1, 500, 0.87)),
                    ("乙酸乙酯", "141-78-6", "", _tanks(1, 300, 0.9)),
                ],
            ),
            ("合成车间", PRODUCTION, [("甲苯", "108-88-3", "", 20.0), ("过氧乙酸", "79-21-0", "", 2.0)]),
        ],
        (0, 15, 40, 70),
    )


def gas_company(rng: random.Random, variant: int) -> Site:
    lng = ((2, 60), (2, 150), (2, 60), (3, 150), (2, 1000))[variant % 5]
    units: list[tuple[str, str, list[Line]]] = [
        ("LNG储罐区", STORAGE, [("液化天然气", "74-82-8", "", _tanks(lng[0], lng[1], 0.43, 0.9))]),
    ]
    if rng.random() < 0.5:
        lpg = _tanks(4, 50, 0.51, 0.85)
        units.append(("液化石油气储配站", STORAGE, [("液化石油气", "68476-85-7", "", lpg)]))
    return Site("LNG储配站", units, (5, 20, 35, 60))


def gas_station(rng: random.Random, variant: int) -> Site:
    return Site(
        "加油站油罐区",
        [
            (
                "埋地油罐区",
                STORAGE,
                [
                    ("汽油", "86290-81-5", "", _tanks(4, 30, 0.74, 0.9)),
                    ("柴油", "", "W5.4", _tanks(2, 30, 0.84, 0.9)),
                ],
            )
        ],
        (30, 60, 120),
    )


CHEMICAL_SITES = (
    ("焦化", coking_plant),
    ("氯碱", chlor_alkali_plant),
    ("精细化工", fine_chemicals_plant),
    ("化工", ammonia_plant),
)


def sites_for(county: Region) -> list[tuple[Enterprise, object]]:
    """The county's enterprises to register: every chemical plant, its gas companies, one gas station."""
    enterprises = list(
        Enterprise.objects.filter(
            region__path__startswith=county.path,
            industry__in=(enterprise_models.HAZARDOUS_CHEMICALS, enterprise_models.GAS),
        ).order_by("id")
    )
    chosen: list[tuple[Enterprise, object]] = []
    station_added = False
    for enterprise in enterprises:
        if enterprise.industry == enterprise_models.GAS:
            chosen.append((enterprise, gas_company))
            continue
        template = next((site for word, site in CHEMICAL_SITES if word in enterprise.name), None)
        if template is not None:
            chosen.append((enterprise, template))
        elif not station_added:
            chosen.append((enterprise, gas_station))
            station_added = True
    return chosen


@register_demo_step(40, "重大危险源")
def build_major_hazards(context: DemoContext) -> None:
    base = context.rng.randrange(2**32)
    # Each kind of site cycles through its sizes (largest first), so the city has every level.
    variants: dict[object, int] = {}
    city = Region.objects.get(code="140900")
    counties = Region.objects.filter(level=regioncodes.COUNTY, parent=city).order_by("code")
    for county in counties:
        for enterprise, template in sites_for(county):
            rng = random.Random(f"{base}:{enterprise.credit_code}")
            site = template(rng, variants.setdefault(template, 0))  # type: ignore[operator]
            variants[template] += 1
            with transaction.atomic():
                _ensure_installation(rng, enterprise, site)


def _ensure_installation(rng: random.Random, enterprise: Enterprise, site: Site) -> None:
    if Installation.objects.filter(enterprise=enterprise, name=site.name).exists():
        return
    lon, lat = enterprise.longitude, enterprise.latitude
    own_position = lon is not None and lat is not None and site.name != "加油站油罐区"
    installation = Installation.objects.create(
        enterprise=enterprise,
        name=site.name,
        exposed_population=rng.choice(site.population),
        longitude=round(lon + rng.uniform(-0.004, 0.004), 5) if own_position and lon is not None else None,
        latitude=round(lat + rng.uniform(-0.003, 0.003), 5) if own_position and lat is not None else None,
    )
    audit.record(DEMO_ACTOR, "major_hazard.created", installation, after=audit.snapshot(installation))
    for unit_name, kind, lines in site.units:
        unit = Unit.objects.create(installation=installation, name=unit_name, kind=kind)
        audit.record(DEMO_ACTOR, "major_hazard_unit.created", unit, after=audit.snapshot(unit))
        for name, cas, category, quantity in lines:
            services._create_inventory(
                DEMO_ACTOR, unit, {"name": name, "cas": cas, "category": category, "quantity_t": quantity}
            )
    services.recompute(DEMO_ACTOR, installation)
    if installation.is_major:
        _file(rng, enterprise, installation, Installation.objects.filter(is_major=True).count())


def _file(rng: random.Random, enterprise: Enterprise, installation: Installation, number: int) -> None:
    """Every fifth major installation is not yet filed; every fifth filing's review falls due about now."""
    if number % 5 == 4:
        return
    before = audit.snapshot(installation)
    days_ago = (
        rng.randint(FILING_VALIDITY.days - 25, FILING_VALIDITY.days + 10)
        if number % 5 == 1
        else rng.randint(200, 1000)
    )
    filed_on = demo_clock().today - timedelta(days=days_ago)
    installation.filed_on = filed_on
    installation.review_due_on = filed_on + FILING_VALIDITY
    installation.filing_number = f"忻应急危备〔{filed_on.year}〕{enterprise.pk % 1000:03d}号"
    notice = services.review_notice_at(installation.review_due_on).date()
    installation.filing_status = REVIEW_DUE if notice <= demo_clock().today else FILED
    installation.save()
    after = audit.snapshot(installation)
    audit.record(DEMO_ACTOR, "major_hazard.filed", installation, before=before, after=after)
    if installation.filing_status == FILED:
        services.schedule_review_notice(installation)
