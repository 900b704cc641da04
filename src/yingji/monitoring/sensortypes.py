"""The kinds of sensor the platform knows: label, unit, default alarm limits and offline time.

Pure data (no Django). The defaults seed the per-kind threshold rules, which the city edits; a
sensor's own rule overrides its kind's. Limits are four levels, blue → red, for readings at or above
a high limit and/or at or below a low limit; `None` means the level is not used.

Sources: coal-mine gas limits follow 《煤矿安全规程》 (2022) art. 135/136 and AQ 6201 (methane alarm
at 1.0 %, power cut at 1.5 %; CO 24 ppm; H2S 6.6 ppm; O2 below 18.5 % unsafe); combustible gas
detectors in chemical plants GB/T 50493-2019 (first alarm ≤ 25 %LEL, second ≤ 50 %LEL); wind
speed bands are the Beaufort scale (force 6–9). Values marked `# chosen` are sensible defaults
with no single national figure (a pressure or level limit belongs to the vessel): set them per sensor.
"""

from __future__ import annotations

from dataclasses import dataclass

from yingji.core.labels import gettext_noop

Limits = tuple[float | None, float | None, float | None, float | None]


NO_LIMITS: Limits = (None, None, None, None)


@dataclass(frozen=True)
class SensorKind:
    """One kind of sensor and what an unconfigured sensor of this kind is checked against."""

    key: str
    label: str
    unit: str
    high: Limits = NO_LIMITS
    low: Limits = NO_LIMITS
    # Largest change per minute before the rate rule fires, and at which level; None = no rate rule.
    rate_per_minute: float | None = None
    rate_level: int = 2
    # Silence after which the sensor counts as offline.
    offline_after_s: int = 300
    # Readings are amounts per interval (rain) that window rules sum, not instantaneous values.
    is_amount: bool = False


KINDS: tuple[SensorKind, ...] = (
    SensorKind(
        "methane",
        gettext_noop("甲烷"),
        "%CH4",
        high=(0.5, 0.75, 1.0, 1.5),
        rate_per_minute=0.3,
        offline_after_s=120,
    ),
    SensorKind("co", gettext_noop("一氧化碳"), "ppm", high=(24, 50, 100, 200), offline_after_s=120),
    SensorKind("h2s", gettext_noop("硫化氢"), "ppm", high=(6.6, 10, 20, 50), offline_after_s=120),
    SensorKind(
        "o2",
        gettext_noop("氧气"),
        "%O2",
        high=(23.5, None, None, None),
        low=(19.5, 19.0, 18.5, 18.0),
        offline_after_s=120,
    ),
    SensorKind(
        "combustible_gas",
        gettext_noop("可燃气体"),
        "%LEL",
        high=(10, 25, 50, 75),
        rate_per_minute=20,
        offline_after_s=120,
    ),
    SensorKind(
        "toxic_gas", gettext_noop("有毒气体"), "ppm", high=(10, 20, 50, 100), offline_after_s=120
    ),  # chosen
    SensorKind("temperature", gettext_noop("温度"), "°C", high=(45, 55, 65, 80), rate_per_minute=5),  # chosen
    SensorKind(
        "pressure", gettext_noop("压力"), "MPa", high=(1.0, 1.2, 1.4, 1.6), rate_per_minute=0.3
    ),  # chosen
    SensorKind(
        "liquid_level", gettext_noop("液位"), "m", high=(8.0, 8.5, 9.0, 9.5), low=(1.0, 0.8, 0.5, 0.3)
    ),  # chosen
    SensorKind("flow", gettext_noop("流量"), "m³/h"),
    SensorKind("wind_speed", gettext_noop("风速"), "m/s", high=(10.8, 13.9, 17.2, 20.8)),
    SensorKind(
        "humidity", gettext_noop("相对湿度"), "%RH", low=(35, 30, 25, 20), offline_after_s=900
    ),  # chosen (fire danger)
    SensorKind("rainfall", gettext_noop("降雨量"), "mm", offline_after_s=900, is_amount=True),
    SensorKind("water_level", gettext_noop("水位"), "m", rate_per_minute=0.05, offline_after_s=900),
    SensorKind(
        "displacement",
        gettext_noop("位移"),
        "mm",
        high=(10, 30, 50, 100),
        rate_per_minute=1.0,
        offline_after_s=900,
    ),  # chosen
)
KIND_BY_KEY = {kind.key: kind for kind in KINDS}
KIND_CHOICES = [(kind.key, kind.label) for kind in KINDS]

# Alarm levels: 0 normal, then the four warning colours in rising severity.
NORMAL, BLUE, YELLOW, ORANGE, RED = 0, 1, 2, 3, 4
LEVEL_NAMES = ("normal", "blue", "yellow", "orange", "red")
LEVEL_LABELS = (
    gettext_noop("正常"),
    gettext_noop("蓝色"),
    gettext_noop("黄色"),
    gettext_noop("橙色"),
    gettext_noop("红色"),
)
LEVEL_COLORS = ("#3a9d5d", "#2f6fde", "#f2c400", "#f28c28", "#d7263d")
LEVEL_BY_NAME = {name: rank for rank, name in enumerate(LEVEL_NAMES)}


def level_name(level: int) -> str:
    return LEVEL_NAMES[level]
