"""The rainstorm signal calculator through `yingji calc rain-signal` and `/api/v1/calc/rain-signal`."""

import io
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from django.core.management import CommandError, call_command

BEIJING_TIME = timezone(timedelta(hours=8))
START = datetime(2027, 7, 1, 8, 0, tzinfo=BEIJING_TIME)


def _reading(minutes: int, mm: float, tz: timezone = BEIJING_TIME) -> dict[str, Any]:
    return {"ts": (START + timedelta(minutes=minutes)).astimezone(tz).isoformat(), "mm": mm}


# 5-minute readings 08:05–11:00: 24 mm, then 22 mm, then a 15 mm burst at 11:00 — 61.0 mm in 3 h.
WORKED_EXAMPLE = {
    "readings": [_reading(5 * (i + 1), mm) for i, mm in enumerate([1.0] * 24 + [2.0] * 11 + [15.0])]
}
WORKED_ANSWER = (
    '{"level": "orange", "color": "orange", "label": "暴雨橙色预警信号", "window_h": 3, '
    '"total_mm": 61.0, "at": "2027-07-01T11:00:00+08:00"}'
)
NO_SIGNAL = {"level": None, "color": None, "label": None, "window_h": None, "total_mm": None, "at": None}
BEIJING_LIKE = [
    {"level": "blue", "window_h": 1, "threshold_mm": 20},
    {"level": "blue", "window_h": 3, "threshold_mm": 30},
    {"level": "blue", "window_h": 12, "threshold_mm": 50},
    {"level": "red", "window_h": 1, "threshold_mm": 60},
    {"level": "red", "window_h": 3, "threshold_mm": 100},
]
DUPLICATE = {"readings": [_reading(60, 10.0), _reading(60, 5.0, tz=UTC)]}
NAIVE = {"readings": [_reading(60, 10.0), {"ts": "2027-07-01T10:00:00", "mm": 5.0}]}


def _calc(data: Any) -> str:
    out = io.StringIO()
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    call_command("calc", "rain-signal", stdin=io.StringIO(text), stdout=out)
    return out.getvalue().strip()


# The command -----------------------------------------------------------------------------------


def test_the_command_answers_the_worked_example_exactly() -> None:
    assert _calc(WORKED_EXAMPLE) == WORKED_ANSWER


def test_the_command_answers_nulls_when_no_level_is_reached() -> None:
    assert json.loads(_calc({"readings": [_reading(60, 49.99)]})) == NO_SIGNAL


def test_the_command_grades_with_local_criteria() -> None:
    data = {"readings": [_reading(60, 60.0)], "criteria": BEIJING_LIKE}
    answer = json.loads(_calc(data))
    assert (answer["level"], answer["label"], answer["window_h"], answer["total_mm"]) == (
        "red",
        "暴雨红色预警信号",
        1,
        60.0,
    )
    assert json.loads(_calc({"readings": [_reading(60, 60.0)]}))["level"] == "orange"


def test_the_command_takes_20000_readings_and_refuses_more() -> None:
    readings = [_reading(i, 0.01) for i in range(20_000)]
    assert json.loads(_calc({"readings": readings})) == NO_SIGNAL
    with pytest.raises(CommandError) as error:
        _calc({"readings": [*readings, _reading(20_000, 0.01)]})
    assert error.value.returncode == 2
    assert "readings" in str(error.value)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (DUPLICATE, "Duplicate timestamp"),
        (NAIVE, "Reading 2 has a time without a UTC offset"),
        ({"readings": [_reading(60, -1)]}, "readings.0.mm"),
        ({"readings": []}, "readings"),
        ({"readings": [_reading(60, 1)], "criteria": [BEIJING_LIKE[0], BEIJING_LIKE[0]]}, "given twice"),
        ("{not json", "JSON"),
    ],
)
def test_bad_input_is_a_bilingual_error_with_status_2(data: Any, words: str) -> None:
    with pytest.raises(CommandError) as error:
        _calc(data)
    assert error.value.returncode == 2
    assert words in str(error.value) and " / " in str(error.value)


# The API ---------------------------------------------------------------------------------------


@pytest.fixture
def api(api_client: Any, county_admin: Any) -> Any:
    return api_client(county_admin)


def _post(client: Any, data: Any) -> Any:
    return client.post("/api/v1/calc/rain-signal", json.dumps(data), content_type="application/json")


def test_the_api_answers_the_worked_example(api: Any) -> None:
    response = _post(api, WORKED_EXAMPLE)
    assert response.status_code == 200, response.content
    assert response.json() == json.loads(WORKED_ANSWER)


def test_the_api_gives_the_time_in_the_offset_of_the_reading(api: Any) -> None:
    in_utc = {"readings": [_reading(60, 40.0, tz=UTC), _reading(120, 60.0, tz=UTC)]}
    answer = _post(api, in_utc).json()
    assert (answer["level"], answer["total_mm"], answer["at"]) == ("red", 100.0, "2027-07-01T02:00:00+00:00")


def test_the_api_answers_nulls_and_uses_local_criteria(api: Any) -> None:
    assert _post(api, {"readings": [_reading(60, 25.0)]}).json() == NO_SIGNAL
    answer = _post(api, {"readings": [_reading(60, 25.0)], "criteria": BEIJING_LIKE}).json()
    assert (answer["level"], answer["window_h"], answer["at"]) == ("blue", 1, "2027-07-01T09:00:00+08:00")


def test_a_duplicate_timestamp_is_a_400_in_both_languages(api: Any) -> None:
    response = _post(api, DUPLICATE)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input"
    assert "时间重复" in body["message"] and "Duplicate timestamp" in body["message"]


def test_a_time_without_offset_is_a_400_naming_the_reading(api: Any) -> None:
    response = _post(api, NAIVE)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input"
    assert "时区" in body["message"] and "UTC offset" in body["message"]
    assert body["details"] == {"reading": 1}


@pytest.mark.parametrize(
    "data",
    [
        {"readings": []},
        {"readings": [_reading(60, -0.1)]},
        {"readings": [_reading(60, 1000.01)]},
        {"readings": [_reading(60, "NaN")]},
        {"readings": [{"ts": "yesterday", "mm": 1}]},
        {"readings": [_reading(60, 1)], "criteria": []},
        {"readings": [_reading(60, 1)], "criteria": [{"level": "purple", "window_h": 3, "threshold_mm": 50}]},
        {"readings": [_reading(60, 1)], "criteria": [{"level": "red", "window_h": 0, "threshold_mm": 50}]},
        {"readings": [_reading(60, 1)], "criteria": [{"level": "red", "window_h": 73, "threshold_mm": 50}]},
        {"readings": [_reading(60, 1)], "criteria": [{"level": "red", "window_h": 3, "threshold_mm": 0}]},
    ],
)
def test_out_of_bounds_input_is_a_422(api: Any, data: Any) -> None:
    response = _post(api, data)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid_input"


def test_a_criterion_given_twice_is_a_400(api: Any) -> None:
    data = {
        "readings": [_reading(60, 1)],
        "criteria": [BEIJING_LIKE[3], {**BEIJING_LIKE[3], "threshold_mm": 70}],
    }
    response = _post(api, data)
    assert response.status_code == 400
    assert "given twice" in response.json()["message"]


def test_the_calculator_needs_a_signed_in_user(db: Any) -> None:
    from django.test import Client

    assert _post(Client(), WORKED_EXAMPLE).status_code == 401
