"""`yingji calc accident-grade|accident-deadlines` and `POST /api/v1/calc/accident-…`: same answers,
clear refusals (a non-zero exit with one line, never a traceback; a 4xx in the error format)."""

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

DEADLINES_IN = {
    "grade": "较大",
    "known_at": "2026-11-29T09:30:00+08:00",
    "occurred_at": "2026-11-29T01:00:00Z",
    "kind": "other",
}
DEADLINES_OUT = {
    "county_by": "2026-11-29T10:30:00+08:00",
    "city_by": "2026-11-29T12:30:00+08:00",
    "province_by": "2026-11-29T14:30:00+08:00",
    "national_by": None,
    "casualty_updates_until": "2026-12-29T09:00:00+08:00",
}


def _calc(method: str, data: Any) -> Any:
    out = io.StringIO()
    call_command("calc", method, stdin=io.StringIO(json.dumps(data, ensure_ascii=False)), stdout=out)
    return json.loads(out.getvalue())


def test_the_command_grades_an_accident() -> None:
    answer = _calc("accident-grade", {"deaths": 3, "serious_injuries": 0, "direct_loss_cny": 0})
    assert answer == {"grade": "较大", "by": ["deaths"]}


def test_the_command_times_the_reports() -> None:
    assert _calc("accident-deadlines", DEADLINES_IN) == DEADLINES_OUT


@pytest.mark.parametrize(
    "data",
    [
        {"deaths": True, "serious_injuries": 0, "direct_loss_cny": 0},
        {"deaths": 1.5, "serious_injuries": 0, "direct_loss_cny": 0},
        {"deaths": "3", "serious_injuries": 0, "direct_loss_cny": 0},
        {"deaths": -1, "serious_injuries": 0, "direct_loss_cny": 0},
        {"deaths": 0, "serious_injuries": 2.0, "direct_loss_cny": 0},
        {"deaths": 0, "serious_injuries": 0, "direct_loss_cny": "1000"},
        {"deaths": 0, "serious_injuries": 0, "direct_loss_cny": True},
        {"deaths": 0, "serious_injuries": 0},
    ],
)
def test_bad_figures_exit_2_with_one_line(data: Any) -> None:
    with pytest.raises(CommandError) as error:
        _calc("accident-grade", data)
    assert error.value.returncode == 2
    assert "\n" not in str(error.value) and "/" in str(error.value)


@pytest.mark.parametrize(
    "change",
    [
        {"known_at": "2026-11-29T09:30:00"},  # no offset
        {"known_at": "2026-11-29T08:59:00+08:00"},  # before it happened
        {"grade": "严重"},
        {"kind": "mine"},
        {"occurred_at": "1999-12-31T23:00:00+08:00"},
    ],
)
def test_bad_times_or_grades_exit_2(change: dict[str, str]) -> None:
    with pytest.raises(CommandError) as error:
        _calc("accident-deadlines", {**DEADLINES_IN, **change})
    assert error.value.returncode == 2


@pytest.fixture
def api(api_client: Any, county_admin: Any) -> Any:
    return api_client(county_admin)


def _post(client: Any, path: str, data: Any) -> Any:
    return client.post(f"/api/v1/calc/{path}", json.dumps(data), content_type="application/json")


def test_the_api_answers_as_the_command_does(api: Any) -> None:
    graded = _post(api, "accident-grade", {"deaths": 0, "serious_injuries": 50, "direct_loss_cny": 1e8})
    assert graded.status_code == 200
    assert graded.json() == {"grade": "特别重大", "by": ["direct_loss_cny"]}
    timed = _post(api, "accident-deadlines", {**DEADLINES_IN, "grade": "重大", "kind": "fire"})
    assert timed.json() == {
        **DEADLINES_OUT,
        "national_by": "2026-11-29T16:30:00+08:00",
        "casualty_updates_until": "2026-12-06T09:00:00+08:00",
    }


def test_the_api_refuses_bad_input_in_the_error_format(api: Any) -> None:
    refused = _post(api, "accident-grade", {"deaths": "3", "serious_injuries": 0, "direct_loss_cny": 0})
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_input"
    early = _post(api, "accident-deadlines", {**DEADLINES_IN, "known_at": "2026-11-29T08:00:00+08:00"})
    assert early.status_code == 400
    assert early.json() == {
        "code": "invalid_input",
        "message": "获知时间早于发生时间 / known_at is earlier than occurred_at",
        "details": {"field": "known_at"},
    }
    naive = _post(api, "accident-deadlines", {**DEADLINES_IN, "known_at": "2026-11-29T09:30:00"})
    assert naive.status_code == 400 and naive.json()["details"] == {"field": "known_at"}
