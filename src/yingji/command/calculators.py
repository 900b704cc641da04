"""国务院令第493号 as calculators: `POST /api/v1/calc/accident-grade` and `/calc/accident-deadlines`, and
the same functions behind `yingji calc accident-grade|accident-deadlines`.

Nothing is stored. Deaths and injuries are whole numbers (JSON `true`, `1.5` or `"3"` are refused, not
coerced); times must carry their UTC offset; the answers' times are in Beijing time (+08:00).
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from yingji.command import gb493
from yingji.core.api_common import AUTH, BoundedDateTime, responses
from yingji.core.errors import InvalidInput

router = Router(auth=AUTH, tags=["calculators"])

Grade = Literal["一般", "较大", "重大", "特别重大"]
Criterion = Literal["deaths", "serious_injuries", "direct_loss_cny"]


class CalcAccidentGradeIn(Schema):
    deaths: int = Field(strict=True, ge=0, le=gb493.MAX_PEOPLE, description="死亡人数 / deaths")
    serious_injuries: int = Field(
        strict=True,
        ge=0,
        le=gb493.MAX_PEOPLE,
        description="重伤人数（含急性工业中毒）/ serious injuries, acute industrial poisoning included",
    )
    direct_loss_cny: float = Field(
        strict=True,
        ge=0,
        le=gb493.MAX_LOSS_CNY,
        allow_inf_nan=False,
        description="直接经济损失（元）/ direct economic loss in CNY",
    )


class CalcAccidentGradeOut(Schema):
    grade: Grade = Field(description="事故等级 / grade (Art.3)")
    by: list[Criterion] = Field(description="达到该等级的指标 / the figures that reach this grade")


class CalcAccidentDeadlinesIn(Schema):
    grade: Grade
    known_at: BoundedDateTime = Field(
        description="事故单位获知时间，须带时区 / when the unit learned of it, with offset"
    )
    occurred_at: BoundedDateTime = Field(description="事故发生时间，须带时区 / when it happened, with offset")
    kind: Literal["road_traffic", "fire", "other"] = Field(
        description="道路交通、火灾（续报 7 天）或其他（30 天）/ road traffic, fire (7 days), other (30 days)"
    )


class CalcAccidentDeadlinesOut(Schema):
    county_by: str = Field(description="报县级（获知后 1 小时）/ county, known_at + 1 h")
    city_by: str = Field(description="报设区的市（+3 小时）/ city, + 3 h")
    province_by: str | None = Field(description="报省级（较大及以上，+5 小时）/ province from 较大, + 5 h")
    national_by: str | None = Field(
        description="报国务院部门（重大、特别重大，+7 小时）/ State Council, + 7 h"
    )
    casualty_updates_until: str = Field(description="伤亡人数变化补报截止 / casualty updates until")


def _refused(error: gb493.AccidentRuleError) -> InvalidInput:
    return InvalidInput(str(error), details={"field": error.field})


def calculate_accident_grade(payload: CalcAccidentGradeIn) -> dict[str, Any]:
    """The Art.3 grade of an accident's figures."""
    try:
        grading = gb493.grade_accident(payload.deaths, payload.serious_injuries, payload.direct_loss_cny)
    except gb493.AccidentRuleError as error:
        raise _refused(error) from None
    return {"grade": grading.grade, "by": list(grading.by)}


def calculate_accident_deadlines(payload: CalcAccidentDeadlinesIn) -> dict[str, Any]:
    """When each report up the chain is due (Art.9–11) and how long casualty changes are reported (Art.13)."""
    try:
        clocks = gb493.reporting_clocks(payload.grade, payload.known_at, payload.occurred_at, payload.kind)
    except gb493.AccidentRuleError as error:
        raise _refused(error) from None
    return {
        name: (moment.isoformat() if moment is not None else None)
        for name, moment in (
            ("county_by", clocks.county_by),
            ("city_by", clocks.city_by),
            ("province_by", clocks.province_by),
            ("national_by", clocks.national_by),
            ("casualty_updates_until", clocks.casualty_updates_until),
        )
    }


@router.post(
    "/calc/accident-grade",
    response=responses(CalcAccidentGradeOut),
    summary="生产安全事故等级（国务院令第493号第三条）/ accident grade (State Council Order 493, Art.3)",
)
def calc_accident_grade(request: HttpRequest, payload: CalcAccidentGradeIn) -> Any:
    return calculate_accident_grade(payload)


@router.post(
    "/calc/accident-deadlines",
    response=responses(CalcAccidentDeadlinesOut),
    summary="事故逐级上报时限 / accident reporting deadlines (Order 493, Art.9–13)",
)
def calc_accident_deadlines(request: HttpRequest, payload: CalcAccidentDeadlinesIn) -> Any:
    return calculate_accident_deadlines(payload)
