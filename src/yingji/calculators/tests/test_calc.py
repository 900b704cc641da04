"""The calculators through `yingji calc` and `/api/v1/calc/...`: the issue's examples and bad input."""

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

WORKED_EXAMPLE = {
    "exposed_population": 120,
    "units": [
        {
            "name": "罐区1",
            "kind": "storage",
            "substances": [
                {"name": "氯", "cas": "7782-50-5", "quantity_t": 10},
                {"name": "某溶剂", "category": "W5.3", "quantity_t": 300},
            ],
        }
    ],
}
WORKED_ANSWER = '{"units": [{"name": "罐区1", "s": 2.3, "is_major": true, "r": 16.6, "level": 3}]}'


def _installation(substances: list[Any], name: str = "A", kind: str = "storage") -> dict[str, Any]:
    return {"exposed_population": 10, "units": [{"name": name, "kind": kind, "substances": substances}]}


UNKNOWN_SUBSTANCE = _installation([{"name": "神秘物质", "quantity_t": 1}], name="二号库")


def _calc(method: str, data: Any) -> str:
    out = io.StringIO()
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    call_command("calc", method, stdin=io.StringIO(text), stdout=out)
    return out.getvalue().strip()


# The command -----------------------------------------------------------------------------------


def test_the_command_answers_the_gb18218_worked_example_exactly() -> None:
    assert _calc("gb18218", WORKED_EXAMPLE) == WORKED_ANSWER


def test_the_command_answers_the_lec_example() -> None:
    assert _calc("lec", {"l": 3, "e": 6, "c": 15}) == '{"d": 270, "level": "较大", "color": "orange"}'


def test_the_command_answers_ls() -> None:
    assert json.loads(_calc("ls", {"l": 4, "s": 5})) == {"r": 20, "level": "重大", "color": "red"}


def test_a_unit_that_is_not_major_has_null_r_and_level() -> None:
    data = _installation([{"name": "氢", "quantity_t": 4.99}], name="装置A", kind="production")
    answer = json.loads(_calc("gb18218", data))
    assert answer == {"units": [{"name": "装置A", "s": 0.99, "is_major": False, "r": None, "level": None}]}


@pytest.mark.parametrize(
    ("method", "data", "words"),
    [
        ("gb18218", UNKNOWN_SUBSTANCE, "神秘物质"),
        ("gb18218", "{not json", "JSON"),
        ("gb18218", {"exposed_population": -1, "units": []}, "exposed_population"),
        ("lec", {"l": 4, "e": 6, "c": 15}, "must be one of"),
        ("ls", {"l": 6, "s": 1}, "l:"),
        ("ls", [1, 2], "invalid"),
    ],
)
def test_bad_input_is_a_bilingual_error_with_status_2(method: str, data: Any, words: str) -> None:
    with pytest.raises(CommandError) as error:
        _calc(method, data)
    assert error.value.returncode == 2
    assert words in str(error.value)


def test_the_console_command_reads_stdin_and_exits_2_on_bad_input() -> None:
    yingji = Path(sys.executable).with_name("yingji")
    good = subprocess.run(
        [str(yingji), "calc", "gb18218"],
        input=json.dumps(WORKED_EXAMPLE, ensure_ascii=False).encode(),
        capture_output=True,
        timeout=60,
    )
    assert good.returncode == 0, good.stderr.decode()
    assert good.stdout.decode("utf-8").strip() == WORKED_ANSWER
    bad = subprocess.run(
        [str(yingji), "calc", "gb18218"],
        input=json.dumps(UNKNOWN_SUBSTANCE, ensure_ascii=False).encode(),
        capture_output=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert "神秘物质" in bad.stderr.decode("utf-8") and bad.stdout == b""


# The API ---------------------------------------------------------------------------------------


@pytest.fixture
def api(api_client: Any, county_admin: Any) -> Any:
    return api_client(county_admin)


def _post(client: Any, path: str, data: Any) -> Any:
    return client.post(f"/api/v1/calc/{path}", json.dumps(data), content_type="application/json")


def test_the_api_answers_the_gb18218_worked_example(api: Any) -> None:
    response = _post(api, "gb18218", WORKED_EXAMPLE)
    assert response.status_code == 200, response.content
    assert response.json() == json.loads(WORKED_ANSWER)


def test_the_api_answers_lec_and_ls(api: Any) -> None:
    assert _post(api, "lec", {"l": 3, "e": 6, "c": 15}).json() == {
        "d": 270,
        "level": "较大",
        "color": "orange",
    }
    assert _post(api, "lec", {"l": 0.1, "e": 6, "c": 7}).json()["d"] == 4.2
    assert _post(api, "ls", {"l": 3, "s": 3}).json() == {"r": 9, "level": "一般", "color": "yellow"}


def test_an_unknown_substance_is_a_400_naming_unit_and_substance(api: Any) -> None:
    response = _post(api, "gb18218", UNKNOWN_SUBSTANCE)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input"
    assert "神秘物质" in body["message"] and "二号库" in body["message"]
    assert body["details"] == {"unit": "二号库", "substance": "神秘物质"}


def test_an_invalid_lec_factor_is_a_400(api: Any) -> None:
    response = _post(api, "lec", {"l": 4, "e": 6, "c": 15})
    assert response.status_code == 400
    assert "LEC" in response.json()["message"]


@pytest.mark.parametrize(
    "data",
    [
        {**WORKED_EXAMPLE, "exposed_population": -1},
        {**WORKED_EXAMPLE, "units": []},
        _installation([{"name": "氯", "quantity_t": 1}], kind="warehouse"),
        _installation([{"name": "氯", "quantity_t": -1}]),
        _installation([{"name": "氯", "quantity_t": 2e9}]),
        _installation([{"name": "氯", "quantity_t": "NaN"}]),
        _installation([{"name": "氯", "quantity_t": 1}] * 101),
        _installation([]),
    ],
)
def test_out_of_bounds_gb18218_input_is_a_422(api: Any, data: Any) -> None:
    response = _post(api, "gb18218", data)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid_input"


def test_more_than_100_units_are_refused(api: Any) -> None:
    unit = WORKED_EXAMPLE["units"][0]
    response = _post(api, "gb18218", {"exposed_population": 0, "units": [unit] * 101})
    assert response.status_code == 422


def test_ls_outside_1_to_5_is_a_422(api: Any) -> None:
    assert _post(api, "ls", {"l": 6, "s": 1}).status_code == 422


def test_the_calculators_need_a_signed_in_user(db: Any) -> None:
    from django.test import Client

    response = _post(Client(), "lec", {"l": 3, "e": 6, "c": 15})
    assert response.status_code == 401
