"""The standards' calculators as API routes: GB 18218-2018 major hazards, LEC, the LS risk matrix and
the rainstorm warning signal (暴雨预警信号).

Nothing is stored: each route checks its input, calls the pure rule module and answers. The same
`calculate_*` functions serve the `yingji calc` command, so both give the same answer to the same input.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from yingji.core.api_common import AUTH, BoundedDateTime, responses
from yingji.core.errors import InvalidInput
from yingji.majorhazards.gb18218 import (
    GB18218Error,
    SubstanceInput,
    UnitInput,
    identify_installation,
    unit_summary,
)
from yingji.monitoring.rainsignal import (
    MAX_WINDOW_H,
    MIN_WINDOW_H,
    NATIONAL_RAINSTORM_CRITERIA,
    SIGNAL_LABELS,
    RainReading,
    RainSignalError,
    criteria_from_rows,
    highest_signal,
)
from yingji.risks.grading import RiskGradingError, assess_lec, assess_ls

router = Router(auth=AUTH, tags=["calculators"])

MAX_UNITS = 100
MAX_SUBSTANCES = 100
MAX_QUANTITY_T = 1e9
MAX_POPULATION = 10**7


# GB 18218-2018 ---------------------------------------------------------------------------------


class CalcSubstanceIn(Schema):
    name: str | None = Field(None, max_length=100, description="名称或别名 / name or alias (Table 1)")
    cas: str | None = Field(None, max_length=20, description="CAS 号 / CAS number (Table 1)")
    category: str | None = Field(
        None, max_length=10, description="危险性类别 / hazard category (Table 2), e.g. W5.3"
    )
    quantity_t: float = Field(
        ge=0, le=MAX_QUANTITY_T, allow_inf_nan=False, description="实际存在量（吨）/ actual quantity in t"
    )


class CalcUnitIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    kind: Literal["production", "storage"] = Field(description="生产单元 / 储存单元")
    substances: list[CalcSubstanceIn] = Field(min_length=1, max_length=MAX_SUBSTANCES)


class CalcGB18218In(Schema):
    exposed_population: int = Field(
        ge=0, le=MAX_POPULATION, description="厂界外500米内常住人数 / people within 500 m of the boundary"
    )
    units: list[CalcUnitIn] = Field(min_length=1, max_length=MAX_UNITS)


class CalcUnitOut(Schema):
    name: str
    s: float = Field(description="S = Σq/Q, rounded down to 2 decimals")
    is_major: bool = Field(description="S ≥ 1: 构成重大危险源 / a major hazard installation")
    r: float | None = Field(description="R = α·Σβq/Q (2 decimals, rounded down); null when not major")
    level: int | None = Field(description="1 一级 (highest) … 4 四级; null when not major")


class CalcGB18218Out(Schema):
    units: list[CalcUnitOut]


def calculate_gb18218(payload: CalcGB18218In) -> dict[str, Any]:
    """Identify and grade every unit of `payload`; a substance the standard cannot place is a 400."""
    units = [
        UnitInput(
            name=unit.name,
            kind=unit.kind,
            substances=tuple(
                SubstanceInput(name=s.name, cas=s.cas, category=s.category, quantity_t=s.quantity_t)
                for s in unit.substances
            ),
        )
        for unit in payload.units
    ]
    try:
        results = identify_installation(units, payload.exposed_population)
    except GB18218Error as error:
        details = {
            key: value for key, value in (("unit", error.unit), ("substance", error.substance)) if value
        }
        raise InvalidInput(error.message, details=details) from None
    return {"units": [unit_summary(result) for result in results]}


@router.post(
    "/calc/gb18218",
    response=responses(CalcGB18218Out),
    summary="GB 18218-2018 重大危险源辨识与分级 / major hazard identification and grading",
)
def calc_gb18218(request: HttpRequest, payload: CalcGB18218In) -> Any:
    return calculate_gb18218(payload)


# LEC and LS ------------------------------------------------------------------------------------


class CalcLecIn(Schema):
    # The fields carry the method's own letters, `l` included.
    l: float = Field(allow_inf_nan=False, description="可能性 / likelihood: 10, 6, 3, 1, 0.5, 0.2, 0.1")  # noqa: E741
    e: float = Field(allow_inf_nan=False, description="暴露频繁程度 / exposure: 10, 6, 3, 2, 1, 0.5")
    c: float = Field(allow_inf_nan=False, description="后果 / consequence: 100, 40, 15, 7, 3, 1")


class CalcLecOut(Schema):
    d: int | float = Field(description="D = L×E×C")
    level: str = Field(description="重大 / 较大 / 一般 / 低")
    color: str = Field(description="red / orange / yellow / blue")


class CalcLsIn(Schema):
    l: int = Field(ge=1, le=5, description="可能性 / likelihood 1–5")  # noqa: E741
    s: int = Field(ge=1, le=5, description="严重性 / severity 1–5")


class CalcLsOut(Schema):
    r: int = Field(description="R = L×S")
    level: str = Field(description="重大 / 较大 / 一般 / 低")
    color: str = Field(description="red / orange / yellow / blue")


def calculate_lec(payload: CalcLecIn) -> dict[str, Any]:
    """D = L×E×C graded with the default banding (≥320 重大, ≥160 较大, ≥70 一般)."""
    try:
        result = assess_lec(payload.l, payload.e, payload.c)
    except RiskGradingError as error:
        raise InvalidInput(str(error)) from None
    return {"d": result.score, "level": result.label, "color": result.color}


def calculate_ls(payload: CalcLsIn) -> dict[str, Any]:
    """R = L×S graded with the default banding (≥20 重大, ≥15 较大, ≥9 一般)."""
    try:
        result = assess_ls(payload.l, payload.s)
    except RiskGradingError as error:
        raise InvalidInput(str(error)) from None
    return {"r": result.score, "level": result.label, "color": result.color}


@router.post("/calc/lec", response=responses(CalcLecOut), summary="LEC 作业条件危险性评价 / LEC risk grading")
def calc_lec(request: HttpRequest, payload: CalcLecIn) -> Any:
    return calculate_lec(payload)


@router.post("/calc/ls", response=responses(CalcLsOut), summary="LS 风险矩阵 / risk matrix grading")
def calc_ls(request: HttpRequest, payload: CalcLsIn) -> Any:
    return calculate_ls(payload)


# Rainstorm warning signal (暴雨预警信号) -----------------------------------------------------------

MAX_READINGS = 20_000  # a month of 5-minute amounts; fits the 2.5 MB request limit
MAX_READING_MM = 1000
MAX_CRITERIA = 50
MAX_THRESHOLD_MM = 10_000
SignalLevel = Literal["blue", "yellow", "orange", "red"]


class CalcRainReadingIn(Schema):
    ts: BoundedDateTime = Field(
        description="时段结束时间，须带时区 / end of the interval, with its UTC offset, "
        "e.g. 2027-07-01T08:00:00+08:00"
    )
    mm: float = Field(
        ge=0,
        le=MAX_READING_MM,
        allow_inf_nan=False,
        description="该时段降雨量（毫米）/ rainfall in mm of the interval ending at ts",
    )


class CalcRainCriterionIn(Schema):
    level: SignalLevel
    window_h: int = Field(ge=MIN_WINDOW_H, le=MAX_WINDOW_H, description="统计时段（小时）/ window in hours")
    threshold_mm: float = Field(
        gt=0, le=MAX_THRESHOLD_MM, allow_inf_nan=False, description="雨量阈值（毫米）/ threshold in mm, ≥"
    )


class CalcRainSignalIn(Schema):
    readings: list[CalcRainReadingIn] = Field(min_length=1, max_length=MAX_READINGS)
    criteria: list[CalcRainCriterionIn] | None = Field(
        None,
        min_length=1,
        max_length=MAX_CRITERIA,
        description="地方标准，省略时用国家标准 / a local variant; the national criteria when omitted",
    )


class CalcRainSignalOut(Schema):
    level: SignalLevel | None = Field(description="达到的最高级别 / highest level reached; null for none")
    color: SignalLevel | None = Field(description="blue / yellow / orange / red")
    label: str | None = Field(description="e.g. 暴雨橙色预警信号")
    window_h: int | None = Field(description="首次达到该级别的统计时段 / window that first reached it")
    total_mm: float | None = Field(description="该时段雨量（0.01 毫米）/ that window's total, to 0.01 mm")
    at: str | None = Field(
        description="首次达到的时段结束时间，沿用输入的时区 / end of that window, in the input's offset"
    )


def calculate_rain_signal(payload: CalcRainSignalIn) -> dict[str, Any]:
    """The highest rainstorm signal the readings reach, nationally or under the given local criteria."""
    for index, reading in enumerate(payload.readings):
        if reading.ts.utcoffset() is None:
            raise InvalidInput(
                f"第 {index + 1} 条读数的时间缺少时区（如 +08:00） / "
                f"Reading {index + 1} has a time without a UTC offset (e.g. +08:00)",
                details={"reading": index},
            )
    try:
        criteria = (
            NATIONAL_RAINSTORM_CRITERIA
            if payload.criteria is None
            else criteria_from_rows((c.level, c.window_h, c.threshold_mm) for c in payload.criteria)
        )
        result = highest_signal([RainReading(ts=r.ts, mm=r.mm) for r in payload.readings], criteria)
    except RainSignalError as error:
        raise InvalidInput(str(error)) from None
    return {
        "level": result.level,
        "color": result.level,
        "label": SIGNAL_LABELS[result.level] if result.level else None,
        "window_h": result.window_h,
        "total_mm": result.total_mm,
        "at": result.at.isoformat() if result.at else None,
    }


@router.post(
    "/calc/rain-signal",
    response=responses(CalcRainSignalOut),
    summary="暴雨预警信号 / rainstorm warning signal from rainfall readings",
)
def calc_rain_signal(request: HttpRequest, payload: CalcRainSignalIn) -> Any:
    return calculate_rain_signal(payload)
