"""LEC and LS risk grading: factor validation, every level boundary, and per-region bandings."""

import pytest

from yingji.risks.grading import (
    DEFAULT_LEC_BANDING,
    DEFAULT_LS_BANDING,
    LEVELS,
    Banding,
    RiskGradingError,
    assess_lec,
    assess_ls,
    banding_from_dict,
)

# LEC -------------------------------------------------------------------------------------------


def test_the_issue_example_is_significant_and_orange() -> None:
    result = assess_lec(3, 6, 15)
    assert (result.score, result.level, result.label, result.color) == (270, "significant", "较大", "orange")


# No product of the factor tables equals 320 or 160, so the nearest products on each side are tested
# here and the exact thresholds through the banding itself below.
@pytest.mark.parametrize(
    ("likelihood", "e", "c", "d", "label"),
    [
        (10, 10, 100, 10000, "重大"),
        (3, 3, 40, 360, "重大"),  # smallest product ≥ 320
        (10, 10, 3, 300, "较大"),  # largest product < 320
        (6, 6, 7, 252, "较大"),
        (10, 6, 3, 180, "较大"),  # smallest product ≥ 160
        (10, 1, 15, 150, "一般"),  # largest product < 160
        (10, 0.5, 15, 75, "一般"),
        (10, 1, 7, 70, "一般"),  # exactly 70
        (3, 3, 7, 63, "低"),  # largest product < 70
        (0.1, 0.5, 1, 0.05, "低"),
    ],
)
def test_lec_levels_around_every_threshold(
    likelihood: float, e: float, c: float, d: float, label: str
) -> None:
    result = assess_lec(likelihood, e, c)
    assert (result.score, result.label) == (d, label)


def test_lec_products_of_decimal_factors_are_exact() -> None:
    assert assess_lec(0.1, 6, 7).score == 4.2  # 0.1 * 6 * 7 is 4.200000000000001 in floats
    assert assess_lec(0.2, 1, 100).score == 20


def test_an_integral_d_is_an_int() -> None:
    assert isinstance(assess_lec(3, 6, 15).score, int)


@pytest.mark.parametrize(
    ("likelihood", "e", "c"), [(5, 6, 15), (3, 4, 15), (3, 6, 50), (0, 6, 15), (-3, 6, 15)]
)
def test_a_value_outside_the_factor_tables_is_an_error(likelihood: float, e: float, c: float) -> None:
    with pytest.raises(RiskGradingError, match="must be one of"):
        assess_lec(likelihood, e, c)


@pytest.mark.parametrize("bad", [True, float("nan"), float("inf"), "3", None])
def test_a_non_numeric_factor_is_an_error(bad: object) -> None:
    with pytest.raises(RiskGradingError, match="LEC"):
        assess_lec(bad, 6, 15)  # type: ignore[arg-type]


# LS --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("likelihood", "s", "r", "key", "color"),
    [
        (5, 5, 25, "major", "red"),
        (5, 4, 20, "major", "red"),
        (4, 4, 16, "significant", "orange"),
        (5, 3, 15, "significant", "orange"),
        (4, 3, 12, "general", "yellow"),
        (3, 3, 9, "general", "yellow"),
        (4, 2, 8, "low", "blue"),
        (1, 1, 1, "low", "blue"),
    ],
)
def test_ls_levels_at_every_boundary(likelihood: int, s: int, r: int, key: str, color: str) -> None:
    result = assess_ls(likelihood, s)
    assert (result.score, result.level, result.color) == (r, key, color)


@pytest.mark.parametrize(("likelihood", "s"), [(0, 3), (6, 1), (3, 2.5), (True, 3), (3, -1)])
def test_ls_factors_outside_1_to_5_are_an_error(likelihood: int, s: int) -> None:
    with pytest.raises(RiskGradingError, match="1"):
        assess_ls(likelihood, s)


# Bandings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("score", "key"), [(320, "major"), (160, "significant"), (70, "general")])
def test_each_threshold_belongs_to_the_level_it_starts(score: float, key: str) -> None:
    assert DEFAULT_LEC_BANDING.level_for(score).key == key
    assert DEFAULT_LEC_BANDING.level_for(score - 0.001).key != key


def test_a_custom_banding_changes_the_level() -> None:
    # Close to variant (b) of STANDARDS.md §2.1: 160 major, 70 significant, 20 general.
    strict = Banding(major=160, significant=70, general=20)
    assert assess_lec(3, 6, 15, strict).label == "重大"
    assert assess_lec(10, 1, 15, strict).label == "较大"
    assert assess_lec(10, 2, 1, strict).label == "一般"
    assert assess_ls(3, 3, Banding(major=20, significant=9, general=4)).label == "较大"


def test_a_banding_round_trips_through_its_stored_form() -> None:
    stored = DEFAULT_LS_BANDING.to_dict()
    assert stored == {"major": 20, "significant": 15, "general": 9}
    assert banding_from_dict(stored) == DEFAULT_LS_BANDING


@pytest.mark.parametrize(
    "data",
    [
        {"major": 160, "significant": 320, "general": 70},
        {"major": 320, "significant": 160, "general": 160},
        {"major": 320, "significant": 160, "general": 0},
        {"major": 320, "significant": 160, "general": -5},
        {"major": 320, "significant": 160},
        {"major": 320, "significant": 160, "general": 70, "low": 20},
        {"major": "320", "significant": 160, "general": 70},
        {"major": float("inf"), "significant": 160, "general": 70},
        [320, 160, 70],
    ],
)
def test_an_invalid_banding_is_refused(data: object) -> None:
    with pytest.raises(RiskGradingError):
        banding_from_dict(data)


def test_the_four_levels_are_red_orange_yellow_blue() -> None:
    assert [(level.key, level.label, level.color) for level in LEVELS] == [
        ("major", "重大", "red"),
        ("significant", "较大", "orange"),
        ("general", "一般", "yellow"),
        ("low", "低", "blue"),
    ]
