"""Demo incidents (order 93–94), a season of them through the real services, relative to the demo clock:

- 宁武县: a gas explosion at a coal mine (the one with the methane sensors), first 一般, regraded 较大 as
  the dead are counted; its reports to the county and the city on time, the province's one 迟报;
- 原平市: a hazardous-chemicals leak three hours before the demo's now at the chemical plant nearest
  忻州禹王化工's rescue team, which the city takes over (越级指挥), its response under way;
- 定襄县: a road accident of a transport company, live at the demo time, its clocks counting down;
- 五台县: a forest fire that broke out two and a half hours ago;
- 偏关县: a flood from the rain gauge's rainstorm alarm, with a duplicate phone intake merged into it;
- 原平市: a landslide closed with its summary.

Titles are stable: other modules (the response helper) look incidents up by subtype and county.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from yingji.command import incident_services as services
from yingji.command.models import AccidentReport, Incident
from yingji.core.demo import DemoContext, demo_clock, register_demo_step
from yingji.core.models import Region, User

TITLES = {
    "mine": "宁武县煤矿瓦斯爆炸事故",
    "chemical": "原平市化工企业液氯泄漏事故",
    "road": "定襄县货车侧翻道路交通事故",
    "road_call": "定襄县群众报告省道 S312 车祸",
    "forest": "五台县森林火灾",
    "flood": "偏关县暴雨洪涝",
    "flood_call": "偏关县水泉镇群众报告河水漫堤",
    "landslide": "原平市山体滑坡",
}


def _user(username: str) -> User:
    return User.objects.select_related("region").get(username=username)


def _duty(code: str) -> User:
    return _user(f"demo-duty-{code}")


def _enterprise(**filters: Any) -> Any:
    from yingji.enterprises.models import Enterprise

    return Enterprise.objects.filter(longitude__isnull=False, **filters).order_by("pk").first()


def _mine() -> Any:
    from yingji.monitoring.models import Sensor

    sensor = (
        Sensor.objects.filter(enterprise__industry="coal_mine", enterprise__region__path__contains="/140925/")
        .select_related("enterprise")
        .order_by("pk")
        .first()
    )
    return (
        sensor.enterprise if sensor else _enterprise(industry="coal_mine", region__path__contains="/140925/")
    )


def _chemical_plant() -> Any:
    """The chemical plant nearest 忻州禹王化工's rescue team (the demo has no enterprise of that name)."""
    from yingji.enterprises.models import Enterprise
    from yingji.geography.areas import haversine_km
    from yingji.resources.models import Team

    team = Team.objects.filter(name__contains="禹王").first()
    plants = list(
        Enterprise.objects.filter(
            industry="hazardous_chemicals", name__contains="化工", longitude__isnull=False
        )
        .filter(region__path__contains="/140981/")
        .order_by("pk")
    )
    if team is None or team.longitude is None:
        return plants[0] if plants else None
    return min(
        plants, key=lambda e: float(haversine_km(team.longitude, team.latitude, e.longitude, e.latitude))
    )


def _site_point(kind: str, county: str) -> tuple[float, float] | None:
    from yingji.monitoring.models import Site

    site = Site.objects.filter(kind=kind, region__path__contains=f"/{county}/").order_by("pk").first()
    return (site.longitude, site.latitude) if site else None


def _centroid(county: str) -> tuple[float, float]:
    region = Region.objects.get(code=county)
    return region.centroid_lon, region.centroid_lat


def _take(actor: User, key: str, at: datetime, **fields: Any) -> Incident:
    existing = Incident.objects.filter(title=TITLES[key]).first()
    if existing is not None:
        return existing
    return services.take_in(actor, title=TITLES[key], now=at, **fields).incident


@register_demo_step(93, "事件接报")
def take_in_the_season(context: DemoContext) -> None:
    now = demo_clock().now
    mine = _mine()
    if mine is not None:
        known = now - timedelta(days=21, hours=5)
        _take(
            _duty("140925"),
            "mine",
            known + timedelta(minutes=5),
            category="accident",
            subtype="矿山事故",
            source=Incident.PHONE,
            longitude=mine.longitude,
            latitude=mine.latitude,
            address=f"{mine.name}井下 +850 水平",
            occurred_at=known - timedelta(minutes=25),
            known_at=known,
            enterprise_id=mine.pk,
            deaths=2,
            serious_injuries=4,
            trapped=3,
            direct_loss_cny=3_200_000,
            description="井下综采工作面发生瓦斯爆炸，矿方报告 2 人死亡、3 人被困，"
            "已组织撤人并请求矿山救护队。",
        )
    plant = _chemical_plant()
    if plant is not None:
        known = now - timedelta(hours=3, minutes=10)
        _take(
            _duty("140981"),
            "chemical",
            known + timedelta(minutes=3),
            category="accident",
            subtype="危险化学品事故",
            source=Incident.TRANSFER_119,
            longitude=plant.longitude,
            latitude=plant.latitude,
            address=f"{plant.name}液氯储罐区",
            occurred_at=known - timedelta(minutes=18),
            known_at=known,
            enterprise_id=plant.pk,
            serious_injuries=2,
            direct_loss_cny=800_000,
            description="液氯储罐出料阀门泄漏，厂区及下风向有刺激性气味，2 名工人吸入中毒送医。",
        )
    carrier = _enterprise(industry="road_transport", region__path__contains="/140921/")
    if carrier is not None:
        known = now - timedelta(minutes=40)
        _take(
            _duty("140921"),
            "road",
            known + timedelta(minutes=2),
            category="accident",
            subtype="道路交通事故",
            source=Incident.TRANSFER_110,
            longitude=112.9745,
            latitude=38.4862,
            address="省道 S312 定襄县城东 3 公里处",
            occurred_at=known - timedelta(minutes=10),
            known_at=known,
            enterprise_id=carrier.pk,
            deaths=1,
            serious_injuries=3,
            trapped=1,
            description=f"{carrier.name}一辆重型货车与客车相撞后侧翻，1 人死亡，1 人被困驾驶室。",
        )
        # A second call about the same crash, waiting to be merged at the demo time.
        _take(
            _duty("140921"),
            "road_call",
            known + timedelta(minutes=12),
            category="accident",
            subtype="道路交通事故",
            source=Incident.PUBLIC_REPORT,
            longitude=112.9761,
            latitude=38.4855,
            occurred_at=known - timedelta(minutes=10),
            known_at=known + timedelta(minutes=8),
            description="过路司机来电：省道上一辆货车翻了，有人受伤。",
        )
    lon, lat = _site_point("forest_fire", "140922") or _centroid("140922")
    known = now - timedelta(hours=2, minutes=30)
    _take(
        _duty("140922"),
        "forest",
        known + timedelta(minutes=4),
        category="natural",
        subtype="森林草原火灾",
        source=Incident.PHONE,
        longitude=lon,
        latitude=lat,
        address="五台山北台林区",
        occurred_at=known - timedelta(minutes=40),
        known_at=known,
        description="护林员报告北台林区起火，过火面积约 30 亩，风力 4 级，火势向东北蔓延。",
    )
    _flood(now)
    lon, lat = _site_point("landslide", "140981") or _centroid("140981")
    known = now - timedelta(days=25, hours=2)
    _take(
        _duty("140981"),
        "landslide",
        known + timedelta(minutes=6),
        category="natural",
        subtype="地质灾害",
        source=Incident.SUPERIOR,
        longitude=lon,
        latitude=lat,
        occurred_at=known - timedelta(hours=1),
        known_at=known,
        description="连续降雨后山体滑坡，掩埋乡道 50 米，无人员伤亡。",
    )


def _flood(now: datetime) -> None:
    """The flood of 偏关县 taken in from the rainstorm alarm of its gauge, and a phone call about it."""
    from yingji.monitoring.models import Alarm

    alarm = (
        Alarm.objects.filter(sensor__site__kind="rain_gauge", region__path__contains="/140932/")
        .select_related("sensor__site")
        .order_by("-peak_level", "pk")
        .first()
    )
    if alarm is not None and alarm.sensor.site is not None:
        site = alarm.sensor.site
        lon, lat, raised, ref = site.longitude, site.latitude, alarm.raised_at, f"monitoring.alarm:{alarm.pk}"
    else:
        (lon, lat), raised, ref = _centroid("140932"), now - timedelta(hours=17), ""
    known = raised + timedelta(minutes=15)
    officer = _duty("140932")
    _take(
        officer,
        "flood",
        known,
        category="natural",
        subtype="洪涝",
        source=Incident.ALARM if ref else Incident.PHONE,
        source_ref=ref,
        longitude=lon,
        latitude=lat,
        address="水泉镇沿河村庄",
        occurred_at=raised,
        known_at=known,
        trapped=6,
        description="雨量站 3 小时降雨量达暴雨橙色标准，沿河低洼村庄进水，6 名群众被困待转移。",
    )
    _take(
        officer,
        "flood_call",
        known + timedelta(minutes=20),
        category="natural",
        subtype="洪涝",
        source=Incident.PUBLIC_REPORT,
        longitude=lon + 0.003,
        latitude=lat - 0.002,
        occurred_at=raised,
        known_at=known + timedelta(minutes=20),
        description="群众来电：村口河水漫过河堤，有人被困。",
    )


def _file(actor: User, incident: Incident, level: str, at: datetime, to_whom: str, unit: str) -> None:
    if incident.reports.filter(
        level=level, kind=AccidentReport.INITIAL, status=AccidentReport.FILED
    ).exists():
        return
    services.file_report(
        actor,
        incident.pk,
        level=level,
        reporting_unit=unit,
        to_whom=to_whom,
        unit_summary=f"{incident.organization.name if incident.organization else ''}，正常生产经营",
        course=incident.description,
        measures="已启动企业应急预案，组织撤离、警戒和救援，医疗救护力量已到场。",
        filed_at=at,
        now=at,
    )


@register_demo_step(94, "事故报告与处置")
def report_and_handle(context: DemoContext) -> None:
    """Reports up the chain, a regrade, the city's take-over, notes, a merge and a closing."""
    incidents = {key: Incident.objects.filter(title=title).first() for key, title in TITLES.items()}
    city = _user("demo-city")
    mine = incidents["mine"]
    if mine is not None and mine.deaths < 3:
        county = _user("demo-county-140925")
        known = mine.known_at
        _file(
            county,
            mine,
            AccidentReport.COUNTY,
            known + timedelta(minutes=40),
            "宁武县应急管理局",
            mine.organization.name,
        )
        services.update_incident(county, mine.pk, deaths=3, trapped=0, now=known + timedelta(minutes=90))
        _file(
            county,
            mine,
            AccidentReport.CITY,
            known + timedelta(hours=2, minutes=30),
            "忻州市应急管理局",
            "宁武县应急管理局",
        )
        _file(
            city,
            mine,
            AccidentReport.PROVINCE,
            known + timedelta(hours=6, minutes=10),
            "山西省应急管理厅",
            "忻州市应急管理局",
        )
        services.add_note(
            county,
            mine.pk,
            "被困 3 人已全部升井，其中 1 人经抢救无效死亡。",
            now=known + timedelta(minutes=95),
        )
    chemical = incidents["chemical"]
    if chemical is not None and not chemical.commanded_by_city:
        county = _user("demo-county-140981")
        known = chemical.known_at
        _file(
            county,
            chemical,
            AccidentReport.COUNTY,
            known + timedelta(minutes=30),
            "原平市应急管理局",
            chemical.organization.name,
        )
        _file(
            county,
            chemical,
            AccidentReport.CITY,
            known + timedelta(hours=1, minutes=50),
            "忻州市应急管理局",
            "原平市应急管理局",
        )
        services.take_over(city, chemical.pk, now=known + timedelta(hours=1))
        services.add_note(
            city,
            chemical.pk,
            "市应急局接管指挥，下风向 1 公里内群众开始疏散。",
            now=known + timedelta(hours=1, minutes=5),
        )
    road = incidents["road"]
    if road is not None and not road.reports.filter(status=AccidentReport.FILED).exists():
        county = _user("demo-county-140921")
        _file(
            county,
            road,
            AccidentReport.COUNTY,
            road.known_at + timedelta(minutes=25),
            "定襄县应急管理局",
            road.organization.name,
        )
        services.add_note(
            _duty("140921"),
            road.pk,
            "交警、消防、120 已到场，被困司机正在破拆救出。",
            now=road.known_at + timedelta(minutes=30),
        )
    flood, call = incidents["flood"], incidents["flood_call"]
    if flood is not None and call is not None and call.status != Incident.MERGED:
        services.merge(_duty("140932"), call.pk, flood.pk, now=call.known_at + timedelta(minutes=10))
    forest = incidents["forest"]
    if forest is not None and not forest.log.filter(kind="note").exists():
        services.add_note(
            _duty("140922"),
            forest.pk,
            "县森林消防队已出动，请求市级协调航空护林直升机支援。",
            now=forest.known_at + timedelta(minutes=30),
        )
    slide = incidents["landslide"]
    if slide is not None and slide.is_open:
        services.close_incident(
            _user("demo-county-140981"),
            slide.pk,
            "滑坡体已清理，乡道恢复通行；对周边 3 户群众完成避险搬迁，设立监测点专人值守，无人员伤亡。",
            now=slide.known_at + timedelta(days=2),
        )
