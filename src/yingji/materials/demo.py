"""Demo reserves for Xinzhou: the city reserve, one per county, township and village points, stock of
every category with a history of receipts and issues (some batches near expiry, a few items below
their minimum), reserve agreements, carriers with vehicles, and requests in every state of the flow.

Stock, agreements and carriers are bulk writes with one audit entry per record (`audit.record_many`);
requests go through the services (road times, reservations, shipments), as a user would make them.
Supplier and carrier names are invented.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from yingji.core import audit, regioncodes
from yingji.core.audit import Change
from yingji.core.demo import (
    DEMO_ACTOR,
    DemoContext,
    demo_clock,
    person_name,
    phone_number,
    register_demo_step,
)
from yingji.core.models import Organization, Region, User
from yingji.enterprises.demo import random_point_in
from yingji.materials import checks, requests, services
from yingji.materials.models import (
    IN,
    OUT,
    PURCHASE,
    Agreement,
    Batch,
    Carrier,
    Material,
    MaterialRequest,
    Movement,
    StockItem,
    Vehicle,
    Warehouse,
)

CITY_CODE = "140900"
CITY_RESERVE = ("忻州市应急物资储备库", 112.7526, 38.4436, "忻州市忻府区开发区物流园区")
TIER_FACTOR = {"city": 3.0, "county": 1.0, "township": 0.08, "village": 0.03}
TOWNSHIP_ITEMS = [
    "1010201",
    "1010301",
    "1020101",
    "1020202",
    "1030201",
    "1050101",
    "3010101",
    "2030101",
    "2030201",
]
VILLAGE_ITEMS = ["1010201", "1030201", "1050101", "3010101", "2030101"]
FOREST_COUNTIES = {"140922", "140928", "140924", "140926", "140929", "140925"}  # 五台山、芦芽山、管涔山林区
COAL_COUNTIES = {"140981", "140925", "140926", "140930", "140931", "140932", "140928", "140927"}
SUPPLIERS = [
    "晋北商贸",
    "恒安纺织",
    "华通塑编",
    "顺丰源帐篷",
    "晋源动力设备",
    "安泰应急装备",
    "金盾消防器材",
    "利民粮油",
]
CARRIER_NAMES = ["顺达物流", "晋运通", "鑫泰运输", "长运物流", "恒通货运"]
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXY"


def short_name(region: Region) -> str:
    for suffix in ("市", "县", "区"):
        if region.name.endswith(suffix) and len(region.name) > 2:
            return region.name[: -len(suffix)]
    return region.name


def _counties() -> list[Region]:
    return list(Region.objects.filter(level=regioncodes.COUNTY, parent_id=CITY_CODE).order_by("code"))


# Warehouses ------------------------------------------------------------------------------------


@register_demo_step(80, "应急物资仓库")
def build_warehouses(context: DemoContext) -> None:
    rng = context.rng
    city = Region.objects.get(code=CITY_CODE)
    bureaus = {
        o.region_id: o for o in Organization.objects.filter(kind=Organization.BUREAU, sector="emergency")
    }
    name, lon, lat, address = CITY_RESERVE
    planned = [
        Warehouse(
            name=name,
            tier="city",
            region=city,
            organization=bureaus.get(CITY_CODE),
            manager=person_name(rng),
            phone=phone_number(rng),
            address=address,
            longitude=lon,
            latitude=lat,
            area_m2=6800,
        )
    ]
    for county in _counties():
        x, y = _point(county, rng)
        planned.append(
            Warehouse(
                name=f"{county.name}应急物资储备库",
                tier="county",
                region=county,
                organization=bureaus.get(county.code),
                manager=person_name(rng),
                phone=phone_number(rng),
                address=f"忻州市{county.name}城区",
                longitude=x,
                latitude=y,
                area_m2=rng.choice((1200, 1500, 2000, 2400)),
            )
        )
        townships = list(county.children.filter(level=regioncodes.TOWNSHIP).order_by("code"))
        chosen = sorted(rng.sample(townships, min(2 * context.scale, len(townships))), key=lambda r: r.code)
        for township in chosen:
            x, y = _point(county, rng)
            planned.append(
                Warehouse(
                    name=f"{township.name}应急物资储备点",
                    tier="township",
                    region=township,
                    organization=bureaus.get(county.code),
                    manager=person_name(rng),
                    phone=phone_number(rng),
                    address=f"{county.name}{township.name}政府院内",
                    longitude=x,
                    latitude=y,
                    area_m2=rng.choice((120, 200, 300)),
                )
            )
        villages = list(chosen[0].children.order_by("code")) if chosen else []
        if villages:
            village = rng.choice(villages)
            x, y = _point(county, rng)
            planned.append(
                Warehouse(
                    name=f"{village.name}应急物资储备点",
                    tier="village",
                    region=village,
                    organization=None,
                    manager=person_name(rng),
                    phone=phone_number(rng),
                    address=f"{chosen[0].name}{village.name}村委会",
                    longitude=x,
                    latitude=y,
                    area_m2=rng.choice((30, 50, 80)),
                )
            )
    existing = set(Warehouse.objects.values_list("region_id", "name"))
    new = [w for w in planned if (w.region.code, w.name) not in existing]
    Warehouse.objects.bulk_create(new)
    audit.record_many(DEMO_ACTOR, [Change("warehouse.created", w, after=audit.snapshot(w)) for w in new])


def _point(county: Region, rng: random.Random) -> tuple[float, float]:
    x, y = random_point_in(county.geometry, rng, county)
    assert x is not None and y is not None
    return x, y


# Stock -----------------------------------------------------------------------------------------


def county_target(material: Material) -> int:
    """A county reserve's target for an item: many light things, few heavy ones."""
    return max(1, min(50_000, round(3000 / max(material.unit_weight_kg, 0.05) ** 0.8)))


def items_for(warehouse: Warehouse, materials: list[Material]) -> list[Material]:
    if warehouse.tier == "city":
        return materials
    if warehouse.tier == "township":
        return [m for m in materials if m.code in TOWNSHIP_ITEMS]
    if warehouse.tier == "village":
        return [m for m in materials if m.code in VILLAGE_ITEMS]
    county = warehouse.region_id
    chosen = []
    for m in materials:
        if (
            m.category in ("living", "flood")
            or (m.category == "fire_rescue" and m.unit_weight_kg < 20)
            or (m.category == "forest_fire" and (county in FOREST_COUNTIES or m.unit_weight_kg < 2))
            or (m.category == "mine_rescue" and county in COAL_COUNTIES)
        ):
            chosen.append(m)
    return chosen


@register_demo_step(81, "物资库存")
def build_stock(context: DemoContext) -> None:
    if StockItem.objects.exists():
        return
    rng = context.rng
    now = demo_clock().now
    today = demo_clock().today
    materials = list(Material.objects.order_by("code"))
    warehouses = list(Warehouse.objects.select_related("region").order_by("id"))
    items: list[StockItem] = []
    plans: list[tuple[StockItem, list[dict[str, Any]], list[tuple[datetime, int]]]] = []
    for warehouse in warehouses:
        for material in items_for(warehouse, materials):
            target = max(1, round(county_target(material) * TIER_FACTOR[warehouse.tier]))
            minimum = max(1, round(target * 0.6)) if target > 1 else 1
            low = rng.random() < 0.035
            on_hand = round(target * (rng.uniform(0.2, 0.55) if low else rng.uniform(0.75, 1.15)))
            if target == 1 and not low:
                on_hand = 1
            item = StockItem(
                warehouse=warehouse, material=material, minimum=minimum, target=target, on_hand=on_hand
            )
            batches, issues = _batches(rng, material, on_hand, now, today)
            items.append(item)
            plans.append((item, batches, issues))
    StockItem.objects.bulk_create(items)
    batch_rows: list[Batch] = []
    for item, batches, _issues in plans:
        for spec in batches:
            spec["row"] = Batch(stock_item=item, **{k: v for k, v in spec.items() if k != "issued"})
            batch_rows.append(spec["row"])
    Batch.objects.bulk_create(batch_rows)
    movements: list[Movement] = []
    for item, batches, issues in plans:
        events = [(spec["received_at"], IN, spec["row"], spec["received_quantity"]) for spec in batches]
        events += [(at, OUT, batches[0]["row"], -quantity) for at, quantity in issues]
        balance = 0
        for at, kind, batch, quantity in sorted(events, key=lambda e: (e[0], e[1] != IN)):
            balance += quantity
            note = (
                "采购入库"
                if kind == IN
                else rng.choice(("应急演练领用", "防汛巡查领用", "受灾群众发放", "森林防火值守领用"))
            )
            movements.append(
                Movement(
                    stock_item=item,
                    batch=batch,
                    kind=kind,
                    quantity=quantity,
                    balance_after=balance,
                    at=at,
                    actor_name=DEMO_ACTOR,
                    note=note,
                )
            )
    Movement.objects.bulk_create(movements, batch_size=2000)
    audit.record_many(
        DEMO_ACTOR,
        [
            Change(
                "stock.received",
                item,
                after={
                    "on_hand": item.on_hand,
                    "minimum": item.minimum,
                    "target": item.target,
                    "batches": len(batches),
                },
            )
            for item, batches, _issues in plans
        ],
    )


def _batches(
    rng: random.Random, material: Material, on_hand: int, now: datetime, today: date
) -> tuple[list[dict[str, Any]], list[tuple[datetime, int]]]:
    """Batches that hold `on_hand` now, the oldest having given out some units (the issues)."""
    count = 1 if on_hand < 3 else rng.choice((1, 2, 2, 3))
    shares = sorted(rng.sample(range(1, on_hand), count - 1)) if count > 1 else []
    parts = [b - a for a, b in zip([0, *shares], [*shares, on_hand], strict=True)]
    life = material.shelf_life_days
    batches, issues = [], []
    for index, remaining in enumerate(parts):
        if life and rng.random() < 0.04:  # due for rotation: expiring within the notice days, a few just past
            expires = today + timedelta(days=rng.randint(-20, 80))
            produced = expires - timedelta(days=life)
        else:
            age = rng.randint(60, min(life - 120, 4 * 365) if life and life > 240 else 4 * 365)
            produced = today - timedelta(days=age)
            expires = produced + timedelta(days=life) if life else None
        received_at = max(
            datetime.combine(
                produced + timedelta(days=rng.randint(5, 40)), datetime.min.time(), tzinfo=now.tzinfo
            ),
            now - timedelta(days=5 * 365),
        ).replace(hour=rng.randint(8, 17), minute=rng.choice((0, 15, 30, 45)))
        received_at = min(received_at, now - timedelta(days=1))
        issued = 0
        if index == 0 and remaining > 4 and rng.random() < 0.35:
            issued = max(1, round(remaining * rng.uniform(0.05, 0.3)))
            at = received_at + (now - received_at) * rng.uniform(0.3, 0.95)
            issues.append((at, issued))
        batches.append(
            {
                "number": f"{received_at:%Y%m%d}-{rng.randrange(16**4):04X}",
                "source": rng.choice((PURCHASE,) * 5 + ("donation", "allocation")),
                "received_quantity": remaining + issued,
                "remaining": remaining,
                "produced_on": produced,
                "expires_on": expires,
                "received_at": received_at,
            }
        )
    return batches, issues


# Agreements and carriers -----------------------------------------------------------------------


@register_demo_step(82, "储备协议与运输保障")
def build_agreements_and_carriers(context: DemoContext) -> None:
    rng = context.rng
    today = demo_clock().today
    city = Region.objects.get(code=CITY_CODE)
    by_code = {m.code: m for m in Material.objects.all()}
    agreements: list[Agreement] = []
    city_deals = [
        ("agreement", "1050101", 20_000, 0, 24),
        ("capacity", "1010201", 0, 3000, 48),
        ("capacity", "3010101", 0, 200_000, 24),
        ("agreement", "1020101", 1500, 0, 24),
        ("agreement", "2030301", 40, 0, 12),
        ("capacity", "1010101", 0, 2000, 72),
    ]
    places = [(city, deal) for deal in city_deals]
    for county in _counties():
        places.append((county, rng.choice(city_deals)))
    for number, (region, (kind, code, quantity, capacity, hours)) in enumerate(places, start=1):
        supplier = (
            f"{short_name(region) if region.code != CITY_CODE else '忻州'}{rng.choice(SUPPLIERS)}有限公司"
        )
        starts = today - timedelta(days=rng.randint(60, 700))
        ends = starts + timedelta(days=rng.choice((365, 730, 1095)))
        if number in (2, 9):  # two contracts run out within the month
            ends = today + timedelta(days=rng.randint(5, 25))
        elif ends < today:
            ends = today + timedelta(days=rng.randint(40, 500))
        agreements.append(
            Agreement(
                region=region,
                kind=kind,
                number=f"忻应急储协〔{starts:%Y}〕{number:03d}号",
                supplier=supplier,
                contact=person_name(rng),
                phone=phone_number(rng),
                material=by_code[code],
                quantity=round(quantity * (1 if region.code == CITY_CODE else 0.2)),
                daily_capacity=round(capacity * (1 if region.code == CITY_CODE else 0.2)),
                delivery_hours=hours,
                starts_on=starts,
                ends_on=ends,
            )
        )
    existing = set(Agreement.objects.values_list("region_id", "number"))
    agreements = [a for a in agreements if (a.region.code, a.number) not in existing]
    Agreement.objects.bulk_create(agreements)
    carriers: list[Carrier] = []
    for region in [city, city, *_counties()]:
        prefix = "忻州市" if region.code == CITY_CODE else region.name
        name = f"{prefix}{rng.choice(CARRIER_NAMES)}有限公司"
        while any(c.name == name and c.region == region for c in carriers):
            name = f"{prefix}{rng.choice(CARRIER_NAMES)}{rng.choice(('运输', '物流'))}有限公司"
        carriers.append(
            Carrier(
                region=region,
                name=name,
                contact=person_name(rng),
                phone=phone_number(rng),
                agreement_number=f"忻应急运协〔{today:%Y}〕{len(carriers) + 1:02d}号",
                agreement_ends_on=today + timedelta(days=rng.randint(90, 700)),
            )
        )
    existing_carriers = set(Carrier.objects.values_list("region_id", "name"))
    carriers = [c for c in carriers if (c.region.code, c.name) not in existing_carriers]
    Carrier.objects.bulk_create(carriers)
    vehicles: list[Vehicle] = []
    taken = set(Vehicle.objects.values_list("plate", flat=True))
    for carrier in carriers:
        county = (
            carrier.region
            if carrier.region.level == regioncodes.COUNTY
            else Region.objects.get(code="140902")
        )
        for _ in range(
            rng.randint(2, 4) if carrier.region.level == regioncodes.COUNTY else rng.randint(4, 6)
        ):
            kind, capacity, seats = rng.choice(
                (
                    ("truck", 8, 2),
                    ("truck", 12, 2),
                    ("flatbed", 30, 2),
                    ("light_truck", 3, 2),
                    ("van", 1, 7),
                    ("bus", 0, 45),
                )
            )
            plate = f"晋H{rng.choice(PLATE_LETTERS)}{rng.randrange(10**4, 10**5)}"
            while plate in taken:
                plate = f"晋H{rng.choice(PLATE_LETTERS)}{rng.randrange(10**4, 10**5)}"
            taken.add(plate)
            x, y = _point(county, rng)
            vehicles.append(
                Vehicle(
                    carrier=carrier,
                    plate=plate,
                    kind=kind,
                    capacity_t=capacity,
                    seats=seats,
                    longitude=x,
                    latitude=y,
                    status="out_of_service" if rng.random() < 0.08 else "available",
                )
            )
    Vehicle.objects.bulk_create(vehicles)
    audit.record_many(
        DEMO_ACTOR,
        [Change("agreement.created", a, after=audit.snapshot(a)) for a in agreements]
        + [Change("carrier.created", c, after=audit.snapshot(c)) for c in carriers]
        + [Change("vehicle.created", v, after=audit.snapshot(v)) for v in vehicles],
    )


# Requests, stocktakes and notices --------------------------------------------------------------

STORIES = [
    ("暴雨洪涝受灾群众转移安置", ["1020101", "1010201", "1020202", "1050101"]),
    ("河道险情抢护", ["3010101", "2030101", "2030201"]),
    ("寒潮受灾群众救助", ["1010101", "1010201", "1030101"]),
    ("地震应急演练物资保障", ["1020101", "1030201", "1020301"]),
    ("山洪灾害临时安置点", ["1010301", "1050101", "1040101"]),
]
# The story each county's requests follow: the state it is left in.
STATES = ["received", "dispatched", "allocated", "approved", "submitted", "rejected", "cancelled"]
DINGXIANG = "140921"


@register_demo_step(83, "物资申请")
def build_requests(context: DemoContext) -> None:
    if MaterialRequest.objects.exists():
        return
    rng = context.rng
    now = demo_clock().now
    admins = {
        u.region_id: u
        for u in User.objects.filter(username__startswith="demo-county-").select_related("region")
    }
    city_admin = User.objects.select_related("region").get(username="demo-city")
    for index, county in enumerate(_counties()):
        admin = admins[county.code]
        states = (
            ["submitted", "submitted", "approved", "allocated", "dispatched", "received"]
            if county.code == DINGXIANG
            else []
        )
        states.append(STATES[index % len(STATES)])
        for number, state in enumerate(states):
            _story(rng, admin, county, state, now - timedelta(hours=6 + 17 * index + 31 * number))
    # The city's reserve supplies a county's flood emergency.
    xinfu = Region.objects.get(code="140902")
    _story(rng, admins["140902"], xinfu, "dispatched", now - timedelta(hours=5), supplier=city_admin)
    for warehouse in Warehouse.objects.filter(tier="county").select_related("region").order_by("id"):
        batch = Batch.objects.filter(stock_item__warehouse=warehouse, remaining__gt=20).order_by("id").first()
        counts = [(batch.pk, batch.remaining - rng.randint(1, 3))] if batch and rng.random() < 0.4 else []
        services.take_stock(admins[warehouse.region_id], warehouse.pk, counts=counts, note="季度盘点")
    checks.tell_low_stock(now)
    checks.tell_near_expiry(now)
    checks.tell_expiring_agreements(now)


def _story(
    rng: random.Random, admin: User, county: Region, state: str, at: datetime, supplier: User | None = None
) -> None:
    title, codes = rng.choice(STORIES)
    township = rng.choice(list(county.children.filter(level=regioncodes.TOWNSHIP).order_by("code")))
    x, y = _point(county, rng)
    stock = dict(
        StockItem.objects.filter(
            warehouse__region__path__startswith=(supplier.region if supplier else county).path,
            material__code__in=codes,
        ).values_list("material__code", "on_hand")
    )
    lines = [
        (code, max(1, min(round(stock[code] * rng.uniform(0.03, 0.12)), 500)))
        for code in codes
        if stock.get(code)
    ]
    approver = supplier or admin
    request = requests.create_request(
        admin,
        region_code=county.code,
        supplier_region_code=approver.region_id,
        title=f"{township.name}{title}",
        destination=f"{township.name}政府",
        longitude=x,
        latitude=y,
        needed_by=at + timedelta(hours=rng.randint(4, 12)),
        lines=lines,
        now=at,
    )
    if state == "submitted":
        return
    if state == "rejected":
        requests.reject(
            approver, request.pk, note="本级储备另有安排，请向上级申请", now=at + timedelta(minutes=25)
        )
        return
    if state == "cancelled":
        requests.cancel(admin, request.pk, note="险情解除", now=at + timedelta(minutes=50))
        return
    requests.approve(approver, request.pk, note="同意，就近调拨", now=at + timedelta(minutes=15))
    if state == "approved":
        return
    requests.allocate(approver, request.pk)
    if state == "allocated":
        return
    shipments = requests.dispatch_all(approver, request.pk, now=at + timedelta(minutes=40))
    if state == "dispatched":
        return
    for shipment in shipments:
        received = {}
        if rng.random() < 0.3:
            line = shipment.lines.select_related("material").first()
            if line and line.quantity > 2:
                received[line.material.code] = line.quantity - 1
        requests.receive_shipment(
            admin,
            shipment.pk,
            received=received,
            now=min(timezone.now(), at + timedelta(minutes=40 + (shipment.minutes or 60) + 20)),
        )
