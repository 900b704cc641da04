"""The standards' calculators as API routes: GB 18218-2018 major hazards, LEC and the LS risk matrix.

Nothing is stored: each route checks its input, calls the pure rule module and answers. The same
`calculate_*` functions serve the `yingji calc` command, so both give the same answer to the same input.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from yingji.core.api_common import AUTH, responses
from yingji.core.errors import InvalidInput
from yingji.majorhazards.gb18218 import (
    GB18218Error,
    SubstanceInput,
    UnitInput,
    identify_installation,
    unit_summary,
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
