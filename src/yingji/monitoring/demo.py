"""Demo monitoring: sensors on the demo's major hazard installations and coal mines, natural-hazard sites
in every county, the last hours of readings through the real pipeline, and the alarms to look at.

The demo clock's now (`core.demo.demo_clock`, the moment the demo is loaded) ends the history; the
story below is written against STORY_NOW (08:00) and moves with the clock, so the same seed and clock
give the same readings, and `yingji run-due --now` replays what follows. History is six
hours of one-minute readings (rain gauges: 24 hours of five-minute amounts, because the national
rainstorm criteria look back 12 hours, so a storm of the evening before is still being graded at
night). Each batch goes through `pipeline.ingest_items` as if it arrived when its last reading was
taken, so alarm timelines read as they happened. The story a newcomer finds:

- a methane excursion at a coal mine's working face about three hours ago, blue → red, acknowledged
  and then closed with a disposal note by the mine's safety officer;
- a rainstorm at a gauge in 偏关县 seventeen hours ago whose 3-hour total reached the orange
  criterion, since back to normal (cleared) and waiting for someone to close it;
- a reactor pressure slowly climbing into yellow at a chemical plant in 忻府区, still open;
- a gas detector in 定襄县 silent for the last two hours, offline.

Every county gets a duty officer account (`demo-duty-<county code>`), whom alarms from orange reach.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.db.models import Q
from shapely.geometry import Point, shape

from yingji.core import regioncodes, roles
from yingji.core.demo import STORY_NOW, DemoContext, demo_clock, ensure_user, register_demo_step
from yingji.core.models import Organization, Region, User
from yingji.enterprises import models as enterprise_models
from yingji.enterprises.demo import random_point_in
from yingji.enterprises.models import Enterprise
from yingji.majorhazards.models import PRODUCTION, Installation
from yingji.monitoring import alarms, pipeline, services
from yingji.monitoring.models import Alarm, Gateway, Sensor, SensorState, Site
from yingji.monitoring.sensortypes import KIND_BY_KEY, LEVEL_NAMES
from yingji.monitoring.simulate import (
    BEIJING,
    MINUTE_MS,
    SIGNALS,
    day_shape,
    local_hours,
    pause_demo_sensors,
    wander_paths,
)
from yingji.risks.models import RiskPoint

HISTORY_MINUTES = 6 * 60
RAIN_STEP_MINUTES = 5
RAIN_HISTORY_MINUTES = 24 * 60
BATCH_SIZE = 10_000

Limits = tuple[float | None, float | None, float | None, float | None]


@dataclass(frozen=True)
class Spec:
    """A sensor of a template: code suffix, name, kind, its normal value, where it sits, own limits."""

    suffix: str
    name: str
    kind: str
    base: float
    location: str = ""
    high: Limits | None = None
    low: Limits | None = None
    rate: float | None = None
    risk_point: str = ""  # the coal mine's risk point it watches, when the mine has one of that name


# 《煤矿安全规程》: working-face air above 26 °C needs cooling, above 30 °C work stops (art. 655); the
# main return airway alarms from 0.75 % methane (art. 172); wind speed in district return airways
# 0.25–6 m/s, in main airways up to 8 m/s (art. 136). Other gases use the kinds' defaults.
COAL_MINE_SENSORS = (
    Spec("CH4-01", "综采工作面甲烷", "methane", 0.32, "3101综采工作面", risk_point="综采工作面"),
    Spec("CH4-02", "综采工作面回风巷甲烷", "methane", 0.28, "3101回风巷", risk_point="综采工作面"),
    Spec("CH4-03", "掘进工作面甲烷", "methane", 0.22, "2201掘进工作面", risk_point="掘进工作面"),
    Spec("CH4-04", "总回风巷甲烷", "methane", 0.16, "总回风巷", high=(0.4, 0.55, 0.75, 1.0)),
    Spec("CO-01", "回风巷一氧化碳", "co", 4, "3101回风巷", risk_point="综采工作面"),
    Spec("CO-02", "带式输送机机头一氧化碳", "co", 3, "主运输大巷机头", risk_point="主运输带式输送机"),
    Spec("O2-01", "综采工作面氧气", "o2", 20.7, "3101综采工作面", risk_point="综采工作面"),
    Spec("FS-01", "回风巷风速", "wind_speed", 1.8, "3101回风巷", (5.0, 5.5, 6.0, 7.0), (0.5, 0.4, 0.3, 0.25)),
    Spec("FS-02", "总回风巷风速", "wind_speed", 4.2, "总回风巷", (7.0, 7.5, 8.0, 9.0), (2.0, 1.5, 1.0, 0.5),
         risk_point="主通风机房"),
    Spec("T-01", "综采工作面温度", "temperature", 22.5, "3101综采工作面", (26.0, 28.0, 30.0, 32.0),
         risk_point="综采工作面"),
)  # fmt: skip

NH3: Limits = (15.0, 30.0, 60.0, 100.0)  # ammonia, ppm (PC-STEL 30 mg/m³ ≈ 42 ppm)
CL2: Limits = (0.3, 0.6, 1.0, 3.0)  # chlorine, ppm (MAC 1 mg/m³ ≈ 0.33 ppm)
BENZENE: Limits = (1.5, 3.0, 6.0, 10.0)  # ppm (PC-STEL 10 mg/m³ ≈ 3 ppm)
HCL: Limits = (2.0, 5.0, 10.0, 20.0)  # hydrogen chloride, ppm (MAC 7.5 mg/m³ ≈ 5 ppm)
SMALL_TANK_LOW: Limits = (0.4, 0.3, 0.25, 0.2)  # horizontal tanks about 2.6 m across
SMALL_TANK_HIGH: Limits = (2.1, 2.2, 2.3, 2.4)
TALL_TANK_HIGH: Limits = (10.5, 11.0, 11.5, 12.0)
TALL_TANK_LOW: Limits = (1.5, 1.2, 1.0, 0.8)

# Per unit name of the majorhazards demo; a unit not listed gets its kind's generic set.
UNIT_SENSORS: dict[str, tuple[Spec, ...]] = {
    "液氨罐区": (
        Spec("TOX-01", "罐区氨气", "toxic_gas", 2.0, "液氨球罐区", NH3),
        Spec("TOX-02", "装卸区氨气", "toxic_gas", 1.5, "装卸鹤位", NH3),
        Spec("P-01", "1#液氨球罐压力", "pressure", 0.38, "1#球罐", (1.2, 1.4, 1.6, 1.8)),
        Spec("L-01", "1#液氨球罐液位", "liquid_level", 6.5, "1#球罐", (9.0, 9.5, 10.0, 10.5), TALL_TANK_LOW),
        Spec("T-01", "1#液氨球罐温度", "temperature", -1.0, "1#球罐", (32.0, 36.0, 40.0, 45.0)),
    ),
    "甲醇罐区": (
        Spec("LEL-01", "罐区可燃气体", "combustible_gas", 1.0, "防火堤内"),
        Spec("LEL-02", "装卸区可燃气体", "combustible_gas", 0.8, "装卸区"),
        Spec("L-01", "1#甲醇储罐液位", "liquid_level", 7.2, "1#储罐", TALL_TANK_HIGH, TALL_TANK_LOW),
        Spec("T-01", "1#甲醇储罐温度", "temperature", 2.0, "1#储罐"),
    ),
    "溶剂罐区": (
        Spec("LEL-01", "罐区可燃气体", "combustible_gas", 1.0, "防火堤内"),
        Spec("LEL-02", "泵区可燃气体", "combustible_gas", 0.8, "输送泵区"),
        Spec("TOX-01", "罐区甲苯", "toxic_gas", 1.2, "甲苯储罐"),
        Spec("L-01", "1#甲苯储罐液位", "liquid_level", 5.8, "1#储罐"),
    ),
    "合成车间": (
        Spec("LEL-01", "反应釜区可燃气体", "combustible_gas", 1.2, "反应釜区"),
        Spec("LEL-02", "离心机区可燃气体", "combustible_gas", 0.9, "离心机区"),
        Spec("TOX-01", "车间甲苯", "toxic_gas", 1.5, "合成车间"),
        Spec("P-01", "1#反应釜压力", "pressure", 0.22, "1#反应釜", (0.35, 0.40, 0.45, 0.50), rate=0.05),
        Spec("T-01", "1#反应釜温度", "temperature", 78.0, "1#反应釜", (88.0, 92.0, 96.0, 100.0), rate=2.0),
    ),
    "粗苯储罐区": (
        Spec("LEL-01", "罐区可燃气体", "combustible_gas", 1.1, "防火堤内"),
        Spec("LEL-02", "装车区可燃气体", "combustible_gas", 0.9, "装车站"),
        Spec("TOX-01", "罐区苯", "toxic_gas", 0.3, "粗苯储罐", BENZENE),
        Spec("L-01", "1#粗苯储罐液位", "liquid_level", 6.0, "1#储罐"),
    ),
    "焦炉煤气柜": (
        Spec("LEL-01", "柜区可燃气体", "combustible_gas", 1.2, "煤气柜底部"),
        Spec("CO-01", "柜区一氧化碳", "co", 6, "煤气柜底部"),
        Spec("H2S-01", "柜区硫化氢", "h2s", 0.6, "煤气柜底部"),
        Spec(
            "L-01",
            "煤气柜柜位",
            "liquid_level",
            27.5,
            "活塞",
            (36.0, 38.0, 40.0, 42.0),
            (10.0, 8.0, 6.0, 5.0),
        ),
    ),
    "化产回收装置": (
        Spec("LEL-01", "洗苯塔区可燃气体", "combustible_gas", 1.5, "洗苯塔"),
        Spec("LEL-02", "粗苯蒸馏区可燃气体", "combustible_gas", 1.0, "粗苯蒸馏"),
        Spec("H2S-01", "脱硫工段硫化氢", "h2s", 0.8, "脱硫塔"),
        Spec("TOX-01", "硫铵工段氨气", "toxic_gas", 3.0, "饱和器", NH3),
        Spec("P-01", "洗苯塔塔底压力", "pressure", 0.115, "洗苯塔", (0.14, 0.15, 0.16, 0.17), rate=0.02),
        Spec("T-01", "管式炉出口温度", "temperature", 182.0, "管式炉", (190.0, 195.0, 200.0, 210.0)),
    ),
    "液氯库": (
        Spec("TOX-01", "库区氯气", "toxic_gas", 0.03, "液氯库", CL2),
        Spec("TOX-02", "包装间氯气", "toxic_gas", 0.02, "包装间", CL2),
        Spec("P-01", "1#液氯储罐压力", "pressure", 0.32, "1#储罐", (0.8, 0.9, 1.0, 1.2)),
        Spec("L-01", "1#液氯储罐液位", "liquid_level", 1.3, "1#储罐", (1.9, 2.0, 2.1, 2.2), SMALL_TANK_LOW),
    ),
    "氯气处理及液化装置": (
        Spec("TOX-01", "压缩机区氯气", "toxic_gas", 0.04, "氯气压缩机", CL2),
        Spec("TOX-02", "液化器区氯气", "toxic_gas", 0.03, "液化器", CL2),
        Spec("LEL-01", "氢气处理区可燃气体", "combustible_gas", 0.8, "氢气处理"),
        Spec(
            "P-01", "氯气压缩机出口压力", "pressure", 0.26, "氯气压缩机", (0.32, 0.35, 0.38, 0.42), rate=0.03
        ),
    ),
    "盐酸合成装置": (
        Spec("TOX-01", "合成炉区氯化氢", "toxic_gas", 0.5, "石墨合成炉", HCL),
        Spec("LEL-01", "合成炉区可燃气体", "combustible_gas", 0.6, "石墨合成炉"),
    ),
    "合成氨装置": (
        Spec("LEL-01", "压缩机厂房可燃气体", "combustible_gas", 1.5, "压缩机厂房"),
        Spec("LEL-02", "合成塔区可燃气体", "combustible_gas", 1.2, "合成塔"),
        Spec("TOX-01", "冰机区氨气", "toxic_gas", 4.0, "冰机", NH3),
        Spec("CO-01", "变换工段一氧化碳", "co", 7, "变换炉"),
        Spec("P-01", "合成塔入口压力", "pressure", 14.8, "合成塔", (15.8, 16.2, 16.6, 17.0), rate=0.6),
        Spec("T-01", "合成塔热点温度", "temperature", 468.0, "合成塔", (485.0, 495.0, 505.0, 515.0)),
    ),
    "LNG储罐区": (
        Spec("LEL-01", "储罐区可燃气体", "combustible_gas", 0.6, "储罐区"),
        Spec("LEL-02", "卸车区可燃气体", "combustible_gas", 0.5, "卸车台"),
        Spec("P-01", "1#LNG储罐压力", "pressure", 0.36, "1#储罐", (0.55, 0.60, 0.65, 0.70)),
        Spec("L-01", "1#LNG储罐液位", "liquid_level", 8.2, "1#储罐", (12.0, 12.5, 13.0, 13.5), TALL_TANK_LOW),
    ),
    "液化石油气储配站": (
        Spec("LEL-01", "储罐区可燃气体", "combustible_gas", 0.7, "储罐区"),
        Spec("LEL-02", "灌瓶间可燃气体", "combustible_gas", 0.9, "灌瓶间"),
        Spec("P-01", "1#液化石油气储罐压力", "pressure", 0.33, "1#储罐"),
        Spec("L-01", "1#液化石油气储罐液位", "liquid_level", 1.45, "1#储罐", SMALL_TANK_HIGH, SMALL_TANK_LOW),
    ),
    "埋地油罐区": (
        Spec("LEL-01", "卸油区可燃气体", "combustible_gas", 0.5, "卸油口"),
        Spec("L-01", "1#汽油罐液位", "liquid_level", 1.6, "1#埋地油罐", (2.2, 2.3, 2.4, 2.5), SMALL_TANK_LOW),
    ),
}
GENERIC_UNIT_SENSORS = {
    "storage": (
        Spec("LEL-01", "罐区可燃气体", "combustible_gas", 1.0),
        Spec("L-01", "1#储罐液位", "liquid_level", 5.0),
    ),
    "production": (
        Spec("LEL-01", "装置区可燃气体", "combustible_gas", 1.0),
        Spec("T-01", "装置温度", "temperature", 30.0),
    ),
}

# Natural-hazard sites. Rain gauges per county at scale 1, more in the mountainous north and west.
RAIN_GAUGES = {"140902": 3, "140921": 3, "140922": 5, "140923": 4, "140924": 4, "140925": 6, "140926": 4,
               "140927": 4, "140928": 4, "140929": 5, "140930": 4, "140931": 4, "140932": 4,
               "140981": 3}  # fmt: skip
HAZARD_POINTS = {"140902": 1, "140921": 1, "140981": 1}  # landslide/collapse points; 2 elsewhere
# (river, place, approximate position): gauges on the main rivers, placed inside their county.
RIVER_GAUGES = {
    "140902": [("牧马河", "忻府", 112.72, 38.40)],
    "140921": [("滹沱河", "定襄", 112.98, 38.45)],
    "140922": [("清水河", "五台", 113.25, 38.72)],
    "140923": [("滹沱河", "代县", 112.96, 39.05)],
    "140924": [("滹沱河", "繁峙", 113.26, 39.17)],
    "140925": [("汾河", "宁武东寨", 112.05, 38.87), ("恢河", "宁武", 112.30, 39.00)],
    "140926": [("汾河", "静乐", 111.94, 38.35)],
    "140927": [("朱家川河", "神池", 112.10, 39.05)],
    "140928": [("清涟河", "五寨", 111.84, 38.90)],
    "140929": [("岚漪河", "岢岚", 111.57, 38.70)],
    "140930": [("黄河", "河曲", 111.14, 39.38)],
    "140931": [("黄河", "保德", 111.09, 39.02)],
    "140932": [("偏关河", "偏关", 111.50, 39.43)],
    "140981": [("滹沱河", "原平", 112.78, 38.72), ("阳武河", "原平", 112.65, 38.90)],
}
RESERVOIR_GAUGES = {"140924": [("下茹越水库", 113.08, 39.14)], "140932": [("万家寨水库", 111.43, 39.57)]}
FIRE_WATCH_POINTS = [
    ("140922", "五台山东台", 113.68, 39.06),
    ("140922", "五台山南台", 113.56, 38.93),
    ("140925", "芦芽山", 111.94, 38.75),
    ("140925", "管涔山", 112.05, 38.90),
    ("140926", "管涔山静乐林区", 111.98, 38.55),
    ("140928", "芦芽山五寨林区", 111.82, 38.80),
]
# Cumulative displacement (mm) since the gauge was set; the rate limits catch a slope starting to move.
LANDSLIDE_SENSORS = (
    Spec("D-01", "GNSS地表位移", "displacement", 4.0, "坡体中部", (15.0, 30.0, 50.0, 100.0), rate=0.5),
    Spec("D-02", "裂缝位移", "displacement", 3.0, "后缘拉张裂缝", (8.0, 15.0, 25.0, 40.0), rate=0.3),
)
COLLAPSE_SENSORS = (
    Spec("D-01", "裂缝位移", "displacement", 2.5, "危岩体裂缝", (8.0, 15.0, 25.0, 40.0), rate=0.3),
)
FIRE_SENSORS = (
    Spec("T", "气温", "temperature", -6.0),
    Spec("RH", "相对湿度", "humidity", 62.0),
    Spec("WS", "风速", "wind_speed", 4.0),
)

# The story's places.
METHANE_COUNTY, STORM_COUNTY, PRESSURE_COUNTY, OFFLINE_COUNTY = "140925", "140932", "140902", "140921"
# The story's moments are written against STORY_NOW (08:00); `demo_clock().story(...)` moves them.
# Methane at the working face (% CH4), a minute apart from 05:11: every step below the 0.3 %/min rate
# limit, so the alarm is one of concentration, not of a sudden change.
METHANE_EXCURSION = (0.41, 0.55, 0.78, 1.02, 1.26, 1.51, 1.58, 1.36, 1.12, 0.88, 0.65, 0.47)
METHANE_STARTS = STORY_NOW.replace(hour=5, minute=11)
METHANE_ACKNOWLEDGED_AFTER = timedelta(minutes=6)  # the officer takes it on at red
# The evening before, 15:00–19:00: hourly rain (mm) at one gauge; 55 mm in 15:00–18:00 passes the 50 mm
# in 3 h of the orange signal, and from 04:00 the 12 h total is below the 50 mm of blue.
STORM_STARTS = STORY_NOW - timedelta(hours=17)
STORM_HOURS_MM = (9.0, 27.0, 19.0, 3.0)
PRESSURE_RISES = (STORY_NOW - timedelta(minutes=45), STORY_NOW - timedelta(minutes=15))
SILENT_FROM = STORY_NOW - timedelta(hours=2)


def methane_note(starts: datetime) -> str:
    """The mine's disposal note, its times (local) counted from the excursion's first reading at `starts`."""
    local = starts.astimezone(BEIJING)

    def clock(minutes: int) -> str:
        return f"{local + timedelta(minutes=minutes):%H:%M}"

    return (
        f"{clock(5)} 甲烷浓度超过1.5%，监控系统自动切断工作面电源，停止作业、撤出人员"
        f"（{clock(6)} 峰值1.58%）；"
        f"通风区调整风量并检查上隅角，{clock(11)} 浓度降至0.5%以下。原因：气压下降，采空区瓦斯涌出。"
        "已加密上隅角瓦斯抽采，经瓦斯检查员复查正常后恢复生产。"
    )


@dataclass
class Planned:
    """A demo sensor and what its history looks like."""

    sensor: Sensor
    base: float
    drift: float  # per minute: a tank filling or emptying, a slope creeping
    swing: float  # the day's amplitude (outdoor air, tanks in the sun)
    seed: int


@register_demo_step(60, "监测报警")
def build_monitoring(context: DemoContext) -> None:
    seed = context.rng.randrange(2**32)
    counties = list(Region.objects.filter(level=regioncodes.COUNTY, parent_id="140900").order_by("code"))
    for county in counties:
        bureau = Organization.objects.get(region=county, name=f"{county.name}应急管理局")
        ensure_user(context, f"demo-duty-{county.code}", roles.DUTY_OFFICER, county, bureau)
    builder = Builder(seed, context.scale)
    builder.coal_mines()
    builder.installations()
    for county in counties:
        builder.county_sites(county)
    builder.fire_watch_points()
    fresh = builder.fresh()
    if fresh:
        History(fresh).ingest()
    alarms.detect_offline(demo_clock().now)
    # The history ends at the demo's now; by the wall clock the demo's sensors fall silent the moment
    # it is loaded. The live feed (`make run`) or `yingji simulate` brings them back online.
    pause_demo_sensors()


def headroom(spec: Spec, base: float) -> float:
    """How far the baseline lies from the nearest blue limit, high or low."""
    kind = KIND_BY_KEY[spec.kind]
    high, low = (spec.high or kind.high)[0], (spec.low or kind.low)[0]
    gaps = [
        gap for gap in (None if high is None else high - base, None if low is None else base - low) if gap
    ]
    return min(gaps) if gaps else abs(base)


def rng_for(seed: int, key: str) -> random.Random:
    return random.Random(f"{seed}:{key}")


class Builder:
    """Creates the demo's gateways, sites and sensors through the services, once each."""

    def __init__(self, seed: int, scale: int) -> None:
        self.seed = seed
        self.scale = scale
        self.planned: list[Planned] = []
        self.gateways = {g.name: g for g in Gateway.objects.filter(name__startswith="demo-")}
        self.sites = {s.code: s for s in Site.objects.all()}
        self.sensors = {s.code: s for s in Sensor.objects.filter(gateway__name__startswith="demo-")}

    def fresh(self) -> list[Planned]:
        """The planned sensors with no readings yet, whose history is still to be written."""
        reported = set(
            SensorState.objects.filter(
                sensor_id__in=[p.sensor.pk for p in self.planned], last_ts__isnull=False
            ).values_list("sensor_id", flat=True)
        )
        return [p for p in self.planned if p.sensor.pk not in reported]

    def gateway(self, name: str, title: str, **owner: Any) -> Gateway:
        if name not in self.gateways:
            self.gateways[name] = services.create_gateway(None, name=name, title=title, **owner).gateway
        return self.gateways[name]

    def sensor(
        self,
        code: str,
        spec: Spec,
        gateway: Gateway,
        rng: random.Random,
        swing: float = 0.0,
        site: Site | None = None,
        **watched: Any,
    ) -> None:
        """The sensor `code` (created with its own limits if new) and its planned history.

        A site's sensors are named after it, so an alarm list or a message says where.
        """
        jitter = {"temperature": 1.0, "o2": 0.1}.get(spec.kind, abs(spec.base) * 0.08)
        base = spec.base + rng.uniform(-1, 1) * min(jitter, 0.3 * headroom(spec, spec.base))
        drift = rng.uniform(-0.3, 0.3) * headroom(spec, base) / HISTORY_MINUTES
        if spec.kind == "displacement":
            drift = abs(drift)  # a slope only creeps downhill
        elif spec.kind != "liquid_level":
            drift = 0.0
        numbers_seed = rng.randrange(2**32)
        sensor = self.sensors.get(code)
        if sensor is None:
            if site is not None:
                watched["site_id"] = site.pk
            sensor = services.create_sensor(
                None,
                code=code,
                name=f"{site.name}{spec.name}" if site else spec.name,
                kind=spec.kind,
                gateway_id=gateway.pk,
                location=spec.location,
                **watched,
            )
            if spec.high or spec.low or spec.rate:
                kind = KIND_BY_KEY[spec.kind]
                services.set_sensor_thresholds(
                    None,
                    sensor.pk,
                    high=list(spec.high or kind.high),
                    low=list(spec.low or kind.low),
                    rate_per_minute=spec.rate or kind.rate_per_minute,
                    rate_level=LEVEL_NAMES[kind.rate_level],
                )
            self.sensors[code] = sensor
        self.planned.append(Planned(sensor, round(base, 4), drift, swing, numbers_seed))

    # Enterprises --------------------------------------------------------------------------------

    def coal_mines(self) -> None:
        mines = Enterprise.objects.filter(industry=enterprise_models.COAL_MINE).order_by("id")
        points: dict[int, dict[str, int]] = defaultdict(dict)
        for point in RiskPoint.objects.filter(enterprise__in=mines).order_by("id"):
            points[point.enterprise_id].setdefault(point.name, point.pk)
        for mine in mines:
            gateway = self.gateway(f"demo-gw-{mine.pk}", f"{mine.name}安全监控系统", enterprise_id=mine.pk)
            for spec in COAL_MINE_SENSORS:
                code = f"MJ{mine.pk}-{spec.suffix}"
                point_id = points[mine.pk].get(spec.risk_point)
                self.sensor(
                    code,
                    spec,
                    gateway,
                    rng_for(self.seed, code),
                    enterprise_id=mine.pk,
                    risk_point_id=point_id,
                )

    def installations(self) -> None:
        installations = Installation.objects.select_related("enterprise").prefetch_related("units")
        for installation in installations.order_by("id"):
            enterprise = installation.enterprise
            gateway = self.gateway(
                f"demo-gw-{enterprise.pk}",
                f"{enterprise.name}重大危险源监测预警系统",
                enterprise_id=enterprise.pk,
            )
            for number, unit in enumerate(sorted(installation.units.all(), key=lambda u: u.pk), 1):
                specs = UNIT_SENSORS.get(unit.name) or GENERIC_UNIT_SENSORS[unit.kind]
                for spec in specs:
                    code = f"WX{installation.pk}-U{number}-{spec.suffix}"
                    # Tanks stand in the sun; process temperatures are controlled.
                    swing = 1.5 if spec.kind == "temperature" and spec.base < 50 else 0.0
                    self.sensor(
                        code,
                        spec,
                        gateway,
                        rng_for(self.seed, code),
                        swing,
                        hazard_unit_id=unit.pk,
                        longitude=installation.longitude,
                        latitude=installation.latitude,
                    )

    # Natural-hazard sites ------------------------------------------------------------------------

    def county_sites(self, county: Region) -> None:
        water = Organization.objects.get(region=county, name=f"{county.name}水利局")
        bureau = Organization.objects.get(region=county, name=f"{county.name}应急管理局")
        gateway = self.gateway(
            f"demo-hydro-{county.code}",
            f"{county.name}水文监测站网",
            region_code=county.code,
            organization_id=water.pk,
        )
        townships = list(county.children.filter(level=regioncodes.TOWNSHIP).order_by("code"))
        polygon = shape(county.geometry) if county.geometry else None
        rng = rng_for(self.seed, f"townships:{county.code}")
        order = rng.sample(townships, len(townships))
        for number in range(1, RAIN_GAUGES[county.code] * self.scale + 1):
            township = order[(number - 1) % len(order)]
            repeat = "" if number <= len(order) else str((number - 1) // len(order) + 1)
            code = f"YL{county.code}-{number:02d}"
            site = self.site(
                code, f"{township.name}{repeat}雨量站", Site.RAIN_GAUGE, township, water, county, polygon
            )
            rain = Spec("RAIN", "降雨量", "rainfall", 0.0)
            self.sensor(f"{code}-RAIN", rain, gateway, rng_for(self.seed, code), site=site)
        gauges = [
            (river, place, lon, lat, Site.RIVER_GAUGE) for river, place, lon, lat in RIVER_GAUGES[county.code]
        ]
        gauges += [
            (name, "", lon, lat, Site.RESERVOIR_GAUGE)
            for name, lon, lat in RESERVOIR_GAUGES.get(county.code, [])
        ]
        for number, (river, place, lon, lat, kind) in enumerate(gauges, 1):
            code = f"SW{county.code}-{number:02d}"
            name = f"{river}{place}水位站"
            site = self.site(code, name, kind, county, water, county, polygon, near=(lon, lat))
            self.water_level_sensor(code, site, gateway)
        for number in range(1, HAZARD_POINTS.get(county.code, 2) * self.scale + 1):
            township = order[-number % len(order)]
            kind = Site.LANDSLIDE if number % 2 else Site.COLLAPSE
            code = f"DZ{county.code}-{number:02d}"
            label = "滑坡隐患点" if kind == Site.LANDSLIDE else "崩塌隐患点"
            site = self.site(code, f"{township.name}{label}", kind, township, bureau, county, polygon)
            for spec in LANDSLIDE_SENSORS if kind == Site.LANDSLIDE else COLLAPSE_SENSORS:
                sensor_code = f"{code}-{spec.suffix}"
                self.sensor(sensor_code, spec, gateway, rng_for(self.seed, sensor_code), site=site)

    def water_level_sensor(self, code: str, site: Site, gateway: Gateway) -> None:
        """A stage gauge: 警戒水位 yellow, 保证水位 orange, 0.5 m above that red, 0.3 m below 警戒 blue."""
        rng = rng_for(self.seed, f"{code}-WL")
        base = round(rng.uniform(1.2, 2.2), 2)
        warning = round(base + rng.uniform(1.4, 2.2), 2)
        guarantee = round(warning + rng.uniform(0.8, 1.4), 2)
        reservoir = site.kind == Site.RESERVOIR_GAUGE
        label = ("汛限水位", "设计洪水位") if reservoir else ("警戒水位", "保证水位")
        spec = Spec(
            "WL", "水位", "water_level", base, f"{label[0]} {warning:.2f} m，{label[1]} {guarantee:.2f} m",
            high=(round(warning - 0.3, 2), warning, guarantee, round(guarantee + 0.5, 2)),
        )  # fmt: skip
        self.sensor(f"{code}-WL", spec, gateway, rng, site=site)

    def fire_watch_points(self) -> None:
        forestry = Organization.objects.get(region_id="140900", name="忻州市林业局")
        gateway = self.gateway(
            "demo-forestfire", "忻州市森林防火监测网", region_code="140900", organization_id=forestry.pk
        )
        for number, (county_code, area, lon, lat) in enumerate(FIRE_WATCH_POINTS, 1):
            county = Region.objects.get(code=county_code)
            polygon = shape(county.geometry) if county.geometry else None
            code = f"FH{county_code}-{number:02d}"
            name = f"{area}森林防火监测点"
            site = self.site(code, name, Site.FOREST_FIRE, county, forestry, county, polygon, near=(lon, lat))
            for spec in FIRE_SENSORS:
                sensor_code = f"{code}-{spec.suffix}"
                swing = SIGNALS[spec.kind].swing
                self.sensor(sensor_code, spec, gateway, rng_for(self.seed, sensor_code), swing, site=site)

    def site(
        self,
        code: str,
        name: str,
        kind: str,
        region: Region,
        owner: Organization,
        county: Region,
        polygon: Any,
        near: tuple[float, float] | None = None,
    ) -> Site:
        rng = rng_for(self.seed, f"site:{code}")
        lon, lat = (
            point_near(polygon, near, rng, county) if near else random_point_in(county.geometry, rng, county)
        )
        if code not in self.sites:
            self.sites[code] = services.create_site(
                None, code=code, name=name, kind=kind, region_code=region.code, longitude=lon, latitude=lat,
                organization_id=owner.pk,
            )  # fmt: skip
        return self.sites[code]


def point_near(
    polygon: Any, near: tuple[float, float], rng: random.Random, county: Region
) -> tuple[float, float]:
    """`near` if it lies in the county, else the first of random points ever further from it that does."""
    if polygon is None:
        return near
    for attempt in range(300):
        radius = 0.005 + attempt * 0.002
        lon, lat = near[0] + rng.uniform(-radius, radius), near[1] + rng.uniform(-radius, radius)
        if polygon.contains(Point(lon, lat)):
            return round(lon, 5), round(lat, 5)
    lon_or_none, lat_or_none = random_point_in(county.geometry, rng, county)
    return lon_or_none or near[0], lat_or_none or near[1]


# History ----------------------------------------------------------------------------------------


class History:
    """Writes the fresh sensors' history through the pipeline, with the story's excursions in it."""

    def __init__(self, planned: list[Planned]) -> None:
        self.planned = planned
        self.clock = demo_clock()
        self.now_ms = self.clock.now_ms
        self.values: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # sensor id → (ts ms, values)
        # Per gateway: the times at which a batch ends, and what to do after each.
        self.cuts: dict[int, set[int]] = defaultdict(set)
        self.after: dict[tuple[int, int], list[Callable[[], None]]] = defaultdict(list)

    def ingest(self) -> None:
        self._draw_minute_series([p for p in self.planned if p.sensor.kind != "rainfall"])
        self._draw_rain([p for p in self.planned if p.sensor.kind == "rainfall"])
        if not Alarm.objects.filter(sensor__gateway__name__startswith="demo-").exists():
            self._tell_the_story()  # once: a larger scale later only adds quiet sensors
        by_gateway: dict[int, list[Planned]] = defaultdict(list)
        for planned in self.planned:
            by_gateway[planned.sensor.gateway_id].append(planned)
        for members in by_gateway.values():
            self._ingest_gateway(members[0].sensor.gateway, members)

    def _draw_minute_series(self, planned: list[Planned]) -> None:
        if not planned:
            return
        steps = np.arange(-HISTORY_MINUTES + 1, 1)
        stamps = self.now_ms + steps * MINUTE_MS
        shocks = np.empty((len(planned), steps.size))
        noise = np.empty_like(shocks)
        sd_noise, sd_wander, swing = (np.empty(len(planned)) for _ in range(3))
        for row, item in enumerate(planned):
            generator = np.random.default_rng(item.seed)
            shocks[row], noise[row] = generator.standard_normal((2, steps.size))
            sd_noise[row], sd_wander[row] = SIGNALS[item.sensor.kind].spread(item.base)
            swing[row] = item.swing
        daily = day_shape(local_hours(stamps))
        matrix = (
            np.array([p.base for p in planned])[:, None]
            + wander_paths(shocks, sd_wander)
            + noise * sd_noise[:, None]
            + swing[:, None] * daily[None, :]
            + np.array([p.drift for p in planned])[:, None] * steps[None, :]
        )
        for row, item in enumerate(planned):
            signal = SIGNALS[item.sensor.kind]
            values = np.round(np.clip(matrix[row], signal.floor, signal.ceiling), signal.decimals)
            self.values[item.sensor.pk] = (stamps, values)

    def _draw_rain(self, planned: list[Planned]) -> None:
        """Five-minute amounts: dry, with a light shower at about one gauge in four."""
        steps = np.arange(-RAIN_HISTORY_MINUTES // RAIN_STEP_MINUTES + 1, 1)
        stamps = self.now_ms + steps * RAIN_STEP_MINUTES * MINUTE_MS
        for item in planned:
            rng = random.Random(item.seed)
            amounts = np.zeros(steps.size)
            if rng.random() < 0.25:
                start, length = rng.randrange(steps.size - 30), rng.randint(6, 24)
                amounts[start : start + length] = [round(rng.uniform(0.0, 0.4), 1) for _ in range(length)]
            self.values[item.sensor.pk] = (stamps, amounts)

    def ms(self, story_moment: datetime) -> int:
        """A moment of the story (written against STORY_NOW) in milliseconds on the demo's clock."""
        return int(self.clock.story(story_moment).timestamp() * 1000)

    # The story ------------------------------------------------------------------------------------

    def _tell_the_story(self) -> None:
        fresh = {p.sensor.pk: p for p in self.planned}
        self._methane(fresh)
        self._storm(fresh)
        self._pressure(fresh)
        self._silence(fresh)

    def _first(self, fresh: dict[int, Planned], sensors: Any) -> Planned | None:
        for sensor_id in sensors.order_by("id").values_list("id", flat=True):
            if sensor_id in fresh:
                return fresh[sensor_id]
        return None

    def _methane(self, fresh: dict[int, Planned]) -> None:
        in_county = Q(region__path__contains=f"/{METHANE_COUNTY}/")
        face = Sensor.objects.filter(code__startswith="MJ", code__endswith="-CH4-01")
        planned = self._first(fresh, face.filter(in_county)) or self._first(fresh, face)
        if planned is None:
            return
        stamps, values = self.values[planned.sensor.pk]
        start = self.ms(METHANE_STARTS)
        at = np.searchsorted(stamps, start)
        values[at : at + len(METHANE_EXCURSION)] = METHANE_EXCURSION
        gateway_id = planned.sensor.gateway_id
        self.cuts[gateway_id].update(start + k * MINUTE_MS for k in range(-1, 20))
        officer = User.objects.filter(
            role=roles.ENTERPRISE_OFFICER, organization_id=planned.sensor.organization_id, is_active=True
        ).first()
        if officer is None:
            return
        sensor_id = planned.sensor.pk

        def acknowledge() -> None:
            alarm = Alarm.objects.get(sensor_id=sensor_id, rule=Alarm.THRESHOLD, status=Alarm.RAISED)
            alarms.acknowledge(officer, alarm.pk, "已断电撤人，通知通风区处理", at=acknowledged)

        def close() -> None:
            alarm = Alarm.objects.get(sensor_id=sensor_id, rule=Alarm.THRESHOLD, status=Alarm.CLEARED)
            alarms.close(officer, alarm.pk, methane_note(excursion), at=self.clock.now)

        excursion = self.clock.story(METHANE_STARTS)
        acknowledged = excursion + METHANE_ACKNOWLEDGED_AFTER
        self.after[(gateway_id, int(acknowledged.timestamp() * 1000))].append(acknowledge)
        self.after[(gateway_id, self.now_ms)].append(close)

    def _storm(self, fresh: dict[int, Planned]) -> None:
        gauges = Sensor.objects.filter(kind="rainfall", site__code__startswith=f"YL{STORM_COUNTY}-")
        planned = self._first(fresh, gauges)
        if planned is None:
            return
        stamps, amounts = self.values[planned.sensor.pk]
        amounts[:] = 0.0  # no shower of its own: the storm is the story
        rng = random.Random(planned.seed)
        start = self.ms(STORM_STARTS)
        per_hour = 60 // RAIN_STEP_MINUTES
        for hour, total in enumerate(STORM_HOURS_MM):
            shares = np.array([rng.uniform(0.6, 1.4) for _ in range(per_hour)])
            shares = np.round(shares / shares.sum() * total, 1)
            shares[-1] = round(total - shares[:-1].sum(), 1)
            first = np.searchsorted(stamps, start + hour * 3_600_000 + RAIN_STEP_MINUTES * MINUTE_MS)
            amounts[first : first + per_hour] = shares
        # Gauges of a hydrology network report every 5 minutes while it rains, hourly otherwise.
        gateway_id = planned.sensor.gateway_id
        self.cuts[gateway_id].update(start - 3_600_000 + k * 15 * MINUTE_MS for k in range(28))
        self.cuts[gateway_id].update(range(start + 6 * 3_600_000, self.now_ms, 3_600_000))

    def _pressure(self, fresh: dict[int, Planned]) -> None:
        pressures = Sensor.objects.filter(
            kind="pressure",
            region__path__contains=f"/{PRESSURE_COUNTY}/",
            enterprise__industry=enterprise_models.HAZARDOUS_CHEMICALS,
        )
        planned = self._first(fresh, pressures.filter(hazard_unit__kind=PRODUCTION)) or self._first(
            fresh, pressures
        )
        if planned is None:
            return
        limits = services.effective_limits(planned.sensor)[1]
        yellow, orange = limits[1], limits[2]
        if yellow is None or orange is None:
            return
        stamps, values = self.values[planned.sensor.pk]
        target = (yellow + orange) / 2
        rise_from, rise_to = (self.ms(moment) for moment in PRESSURE_RISES)
        share = np.clip((stamps - rise_from) / (rise_to - rise_from), 0.0, 1.0)
        values[:] = np.round(values + (target - planned.base) * share, SIGNALS["pressure"].decimals)
        self.cuts[planned.sensor.gateway_id].update(range(rise_from, self.now_ms, 10 * MINUTE_MS))

    def _silence(self, fresh: dict[int, Planned]) -> None:
        detectors = Sensor.objects.filter(
            kind="combustible_gas", region__path__contains=f"/{OFFLINE_COUNTY}/", enterprise__isnull=False
        )
        planned = self._first(fresh, detectors)
        if planned is None:
            return
        stamps, values = self.values[planned.sensor.pk]
        keep = stamps <= self.ms(SILENT_FROM)
        self.values[planned.sensor.pk] = (stamps[keep], values[keep])

    # Ingestion ------------------------------------------------------------------------------------

    def _ingest_gateway(self, gateway: Gateway, members: list[Planned]) -> None:
        """The gateway's readings in time order, a batch up to each cut (and at most BATCH_SIZE)."""
        stamps = np.concatenate([self.values[p.sensor.pk][0] for p in members])
        values = np.concatenate([self.values[p.sensor.pk][1] for p in members])
        codes = np.concatenate([np.full(self.values[p.sensor.pk][0].size, i) for i, p in enumerate(members)])
        order = np.argsort(stamps, kind="stable")
        stamps, values, codes = stamps[order], values[order], codes[order]
        names = [p.sensor.code for p in members]
        cuts = [*sorted(cut for cut in self.cuts.get(gateway.pk, ()) if cut < self.now_ms), self.now_ms]
        texts: dict[int, str] = {}  # ISO text per timestamp: a gateway's sensors share them
        begin = 0
        for cut in cuts:
            end = int(np.searchsorted(stamps, cut, side="right"))
            for start in range(begin, end, BATCH_SIZE):
                stop = min(start + BATCH_SIZE, end)
                rows = zip(
                    stamps[start:stop].tolist(),
                    codes[start:stop].tolist(),
                    values[start:stop].tolist(),
                    strict=True,
                )
                items = [
                    (
                        line,
                        {
                            "sensor": names[code],
                            "ts": texts.get(ts) or texts.setdefault(ts, iso(ts)),
                            "value": v,
                        },
                    )
                    for line, (ts, code, v) in enumerate(rows, 1)
                ]
                moment = datetime.fromtimestamp((cut if stop == end else stamps[stop - 1]) / 1000, tz=BEIJING)
                result = pipeline.ingest_items(gateway, items, now=moment)
                if result.rejected:
                    raise RuntimeError(f"demo readings refused: {result.rejected[:3]}")
            begin = end
            for action in self.after.get((gateway.pk, cut), []):
                action()


def iso(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=BEIJING).isoformat()
