"""The tables of emergency resources: kinds of teams and equipment, team readiness, shelter types.

Pure data, no Django: the labels are marked for the catalog with `gettext_noop` and translated
where they are shown. The shelter per-person areas are the defaults the `ShelterNorm` table starts
from (GB 51143-2015 as commonly quoted, marked unconfirmed in STANDARDS.md §11).
"""

from __future__ import annotations

from dataclasses import dataclass

from yingji.core.labels import gettext_noop

# Team kinds (救援队伍类别): the plan's four rings, by speciality.
FIRE_STATION = "fire_station"
TEAM_KINDS: dict[str, str] = {
    FIRE_STATION: gettext_noop("消防救援站"),
    "mine_rescue": gettext_noop("矿山救护队"),
    "hazmat": gettext_noop("危险化学品救援队"),
    "forest_fire": gettext_noop("森林草原灭火队"),
    "flood": gettext_noop("防汛抢险队"),
    "medical": gettext_noop("医疗救护队"),
    "power": gettext_noop("电力抢修队"),
    "communications": gettext_noop("通信保障队"),
    "social": gettext_noop("社会救援力量"),
}

# Readiness (战备状态) of a team; only a team standing by (待命) can be sent.
STANDBY = "standby"  # 待命: at base, ready to go
DISPATCHED = "dispatched"  # 出动: ordered out, leaving base
EN_ROUTE = "en_route"  # 在途: on the way to the scene
ON_SCENE = "on_scene"  # 到场: working at the scene
RETURNING = "returning"  # 返回: on the way back
RESTING = "resting"  # 休整: back but not yet ready (rest, resupply, repairs)
TEAM_STATUSES: dict[str, str] = {
    STANDBY: gettext_noop("待命"),
    DISPATCHED: gettext_noop("出动"),
    EN_ROUTE: gettext_noop("在途"),
    ON_SCENE: gettext_noop("到场"),
    RETURNING: gettext_noop("返回"),
    RESTING: gettext_noop("休整"),
}
TEAM_STATUS_COLORS = {
    STANDBY: "#2e9d57",
    DISPATCHED: "#d7263d",
    EN_ROUTE: "#f28c28",
    ON_SCENE: "#8e44ad",
    RETURNING: "#2f6fde",
    RESTING: "#9aa3ad",
}
# Which readiness may follow which: the cycle of a call-out, and a stand-down from any point.
TEAM_TRANSITIONS: dict[str, frozenset[str]] = {
    STANDBY: frozenset({DISPATCHED, RESTING}),
    DISPATCHED: frozenset({EN_ROUTE, ON_SCENE, RETURNING, STANDBY}),
    EN_ROUTE: frozenset({ON_SCENE, RETURNING}),
    ON_SCENE: frozenset({RETURNING}),
    RETURNING: frozenset({RESTING, STANDBY}),
    RESTING: frozenset({STANDBY}),
}


def may_move(current: str, new: str) -> bool:
    """Whether a team's readiness may change from `current` to `new`."""
    return new in TEAM_TRANSITIONS.get(current, frozenset())


@dataclass(frozen=True)
class EquipmentKind:
    """A kind of equipment: its name, the unit its capability is measured in, whether it is a vehicle."""

    label: str
    unit: str = ""
    vehicle: bool = False


EQUIPMENT_KINDS: dict[str, EquipmentKind] = {
    "pump": EquipmentKind(gettext_noop("排涝泵"), "m³/h"),
    "generator": EquipmentKind(gettext_noop("发电机"), "kW"),
    "boat": EquipmentKind(gettext_noop("冲锋舟"), gettext_noop("座")),
    "excavator": EquipmentKind(gettext_noop("挖掘机"), "t"),
    "drone": EquipmentKind(gettext_noop("无人机"), gettext_noop("分钟续航")),
    "light_tower": EquipmentKind(gettext_noop("移动照明灯塔"), "kW"),
    "breathing": EquipmentKind(gettext_noop("正压式空气呼吸器"), gettext_noop("套")),
    "fire_engine": EquipmentKind(gettext_noop("消防车"), gettext_noop("吨水"), vehicle=True),
    "tracked_fire_engine": EquipmentKind(gettext_noop("履带式消防车"), gettext_noop("吨水"), vehicle=True),
    "rescue_vehicle": EquipmentKind(gettext_noop("抢险救援车"), gettext_noop("座"), vehicle=True),
    "command_vehicle": EquipmentKind(gettext_noop("指挥车"), gettext_noop("座"), vehicle=True),
    "communications_vehicle": EquipmentKind(gettext_noop("通信保障车"), vehicle=True),
    "ambulance": EquipmentKind(gettext_noop("救护车"), gettext_noop("座"), vehicle=True),
    "truck": EquipmentKind(gettext_noop("运输车"), "t", vehicle=True),
}
VEHICLE_KINDS = frozenset(code for code, kind in EQUIPMENT_KINDS.items() if kind.vehicle)

AVAILABLE = "available"  # 可用: ready to be sent
IN_USE = "in_use"  # 使用中: out at an incident
MAINTENANCE = "maintenance"  # 维修保养: in the workshop
OUT_OF_SERVICE = "out_of_service"  # 报废停用
EQUIPMENT_STATUSES: dict[str, str] = {
    AVAILABLE: gettext_noop("可用"),
    IN_USE: gettext_noop("使用中"),
    MAINTENANCE: gettext_noop("维修保养"),
    OUT_OF_SERVICE: gettext_noop("停用"),
}

# Shelter types (GB 51143-2015) and levels (GB/T 44013-2024, by administrative level).
EMERGENCY = "emergency"
SHORT_TERM = "short_term"
MEDIUM_TERM = "medium_term"
LONG_TERM = "long_term"
CENTRAL = "central"
SHELTER_TYPES: dict[str, str] = {
    EMERGENCY: gettext_noop("紧急避难场所"),
    SHORT_TERM: gettext_noop("固定避难场所（短期）"),
    MEDIUM_TERM: gettext_noop("固定避难场所（中期）"),
    LONG_TERM: gettext_noop("固定避难场所（长期）"),
    CENTRAL: gettext_noop("中心避难场所"),
}
FIXED_TYPES = frozenset({SHORT_TERM, MEDIUM_TERM, LONG_TERM, CENTRAL})


@dataclass(frozen=True)
class ShelterDefault:
    """The starting values of a shelter type: m² of effective area per person and service radius."""

    area_per_person_m2: float
    service_km: float


# Per-person areas as commonly quoted from GB 51143-2015 (STANDARDS.md §11, unconfirmed); a central
# shelter is taken as long-term. Service radii: 500 m (a 10-minute walk) for emergency shelters,
# the common planning figures for the others; all of them are rows of `ShelterNorm`, editable.
SHELTER_DEFAULTS: dict[str, ShelterDefault] = {
    EMERGENCY: ShelterDefault(0.5, 0.5),
    SHORT_TERM: ShelterDefault(2.0, 1.0),
    MEDIUM_TERM: ShelterDefault(3.0, 1.5),
    LONG_TERM: ShelterDefault(4.5, 2.0),
    CENTRAL: ShelterDefault(4.5, 5.0),
}
# Planning rule: fixed shelters hold at least 15 % of the planned population.
FIXED_SHARE_TARGET = 0.15

SHELTER_LEVELS: dict[str, str] = {
    "province": gettext_noop("省级"),
    "city": gettext_noop("市级"),
    "county": gettext_noop("县级"),
    "township": gettext_noop("乡镇（街道）级"),
    "village": gettext_noop("村（社区）级"),
}

CLOSED = "closed"  # 未启用
OPEN = "open"  # 已开放, room left
FULL = "full"  # 已满员 (set by the occupancy reaching the capacity)
SHELTER_STATUSES: dict[str, str] = {
    CLOSED: gettext_noop("未启用"),
    OPEN: gettext_noop("开放"),
    FULL: gettext_noop("已满"),
}
SHELTER_STATUS_COLORS = {CLOSED: "#9aa3ad", OPEN: "#2e9d57", FULL: "#d7263d"}

FACILITIES: dict[str, str] = {
    "water": gettext_noop("应急供水"),
    "power": gettext_noop("应急供电"),
    "toilets": gettext_noop("应急厕所"),
    "medical": gettext_noop("医疗救护"),
    "food": gettext_noop("物资储备"),
    "lighting": gettext_noop("应急照明"),
    "broadcast": gettext_noop("应急广播"),
    "fire": gettext_noop("消防设施"),
    "signs": gettext_noop("标志标识"),
    "accessible": gettext_noop("无障碍设施"),
}

HELIPAD_KINDS: dict[str, str] = {
    "ground": gettext_noop("地面起降点"),
    "rooftop": gettext_noop("楼顶停机坪"),
    "airport": gettext_noop("通用机场"),
}


def capacity(area_m2: float, area_per_person_m2: float) -> int:
    """People a shelter holds: its effective area divided by the per-person area, rounded down."""
    if area_per_person_m2 <= 0:
        return 0
    return int(area_m2 // area_per_person_m2)
