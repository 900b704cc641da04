"""GB 18218-2018: identification by S = Σq/Q, grading by R = α·Σβq/Q, and the tables behind them."""

from fractions import Fraction

import pytest

from yingji.majorhazards.gb18218 import (
    TABLE_1,
    TABLE_2,
    TABLE_3,
    TABLE_4,
    GB18218Error,
    SubstanceInput,
    UnitInput,
    alpha_for,
    cas_is_valid,
    grade,
    identify_installation,
    unit_summary,
)


def _unit(*substances: SubstanceInput, kind: str = "storage", name: str = "罐区1") -> UnitInput:
    return UnitInput(name=name, kind=kind, substances=substances)


def _one(*substances: SubstanceInput, population: int = 0) -> object:
    return identify_installation([_unit(*substances)], population)[0]


# The worked example of the issue ----------------------------------------------------------------


def test_the_worked_example_is_a_level_3_major_hazard() -> None:
    unit = _unit(
        SubstanceInput(name="氯", cas="7782-50-5", quantity_t=10),
        SubstanceInput(name="某溶剂", category="W5.3", quantity_t=300),
    )
    [result] = identify_installation([unit], exposed_population=120)
    assert result.s == Fraction(23, 10)
    assert result.is_major
    assert result.r == Fraction(166, 10)
    assert result.level == 3
    assert unit_summary(result) == {"name": "罐区1", "s": 2.3, "is_major": True, "r": 16.6, "level": 3}


def test_the_worked_example_counts_chlorine_from_table_1_and_the_solvent_from_table_2() -> None:
    unit = _unit(
        SubstanceInput(name="氯", cas="7782-50-5", quantity_t=10),
        SubstanceInput(name="某溶剂", category="W5.3", quantity_t=300),
    )
    chlorine, solvent = identify_installation([unit], 120)[0].substances
    assert (chlorine.matched_by, chlorine.table1_no, chlorine.critical_t, chlorine.beta) == (
        "table1",
        12,
        5,
        4,
    )
    assert (solvent.matched_by, solvent.critical_t, solvent.beta, solvent.ratio) == (
        "table2",
        1000,
        1,
        Fraction(3, 10),
    )


# Identification boundary: S ≥ 1 ----------------------------------------------------------------


def test_s_exactly_1_is_a_major_hazard() -> None:
    result = _one(SubstanceInput(cas="7782-50-5", quantity_t=5))
    assert result.s == 1 and result.is_major


def test_s_just_below_1_is_not_a_major_hazard_and_has_no_grade() -> None:
    result = _one(SubstanceInput(cas="7782-50-5", quantity_t=4.999))
    assert not result.is_major
    assert result.r is None and result.level is None
    assert unit_summary(result) == {"name": "罐区1", "s": 0.99, "is_major": False, "r": None, "level": None}


def test_decimal_quantities_that_sum_to_1_reach_the_boundary_exactly() -> None:
    # 0.3 + 0.6 + 0.1 is 0.9999999999999999 in floats; the standard means 1.
    result = _one(
        SubstanceInput(name="甲醇", quantity_t=150),
        SubstanceInput(name="甲苯", quantity_t=300),
        SubstanceInput(name="乙醇", quantity_t=50),
    )
    assert result.s == 1 and result.is_major


def test_a_unit_with_several_substances_sums_their_ratios() -> None:
    result = _one(
        SubstanceInput(name="氢气", quantity_t=1),  # 1/5, W2 β 1.5
        SubstanceInput(name="液氨", quantity_t=6),  # 6/10, Table 3 β 2
        SubstanceInput(name="乙炔", quantity_t=0.5),  # 0.5/1, W2 β 1.5
        population=40,
    )
    assert result.s == Fraction(13, 10)
    assert result.r == Fraction(6, 5) * (
        Fraction(3, 2) * Fraction(1, 5) + 2 * Fraction(3, 5) + Fraction(3, 4)
    )
    assert result.level == 4


# Grading boundaries ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("r", "level"),
    [(1000, 1), (100, 1), (99.99, 2), (50, 2), (49.99, 3), (10, 3), (9.99, 4), (0, 4)],
)
def test_grade_boundaries(r: float, level: int) -> None:
    assert grade(r) == level


@pytest.mark.parametrize(("quantity", "level"), [(62.5, 1), (62.4, 2), (31.25, 2), (31.2, 3), (6.25, 3)])
def test_chlorine_tank_grades_at_exact_r_boundaries(quantity: float, level: int) -> None:
    # α 2 × β 4 × q/5: R = 100 at 62.5 t, 50 at 31.25 t, 10 at 6.25 t.
    assert _one(SubstanceInput(name="氯", quantity_t=quantity), population=100).level == level


def test_a_grade_of_a_negative_or_infinite_r_is_an_error() -> None:
    with pytest.raises(GB18218Error):
        grade(-1)
    with pytest.raises(GB18218Error):
        grade(float("inf"))


@pytest.mark.parametrize(
    ("people", "alpha"),
    [(0, 0.5), (1, 1.0), (29, 1.0), (30, 1.2), (49, 1.2), (50, 1.5), (99, 1.5), (100, 2.0), (10**6, 2.0)],
)
def test_alpha_boundaries(people: int, alpha: float) -> None:
    assert alpha_for(people) == alpha


def test_a_negative_population_is_an_error() -> None:
    with pytest.raises(GB18218Error, match="暴露人数"):
        alpha_for(-1)


# Lookups ---------------------------------------------------------------------------------------


def test_a_substance_is_found_by_cas_alone() -> None:
    [detail] = _one(SubstanceInput(cas="71-43-2", quantity_t=50)).substances
    assert (detail.table1_no, detail.critical_t, detail.category) == (57, 50, "W5.3")


@pytest.mark.parametrize(
    ("name", "no"), [("液氯", 12), ("光气", 6), (" 天然气 ", 49), ("LNG", 49), ("电石", 83)]
)
def test_a_substance_is_found_by_name_or_alias(name: str, no: int) -> None:
    [detail] = _one(SubstanceInput(name=name, quantity_t=1)).substances
    assert detail.table1_no == no


def test_names_are_matched_ignoring_spaces_full_width_forms_and_case() -> None:
    [detail] = _one(SubstanceInput(name="氯化氢（无水）", quantity_t=1)).substances
    assert detail.table1_no == 11
    [detail] = _one(SubstanceInput(name="Hydrogen Sulfide", quantity_t=1)).substances
    assert detail.table1_no == 10


def test_a_substance_not_in_table_1_is_counted_by_its_category() -> None:
    [detail] = _one(SubstanceInput(name="柴油", category="w5.4", quantity_t=2500)).substances
    assert (detail.matched_by, detail.category, detail.critical_t, detail.beta) == ("table2", "W5.4", 5000, 1)


def test_cas_wins_over_the_category_for_q() -> None:
    [detail] = _one(SubstanceInput(cas="67-56-1", category="W5.1", quantity_t=10)).substances
    assert detail.critical_t == 500  # Table 1 methanol, not W5.1's 10 t


def test_an_explicit_category_decides_beta_of_a_table_1_liquid() -> None:
    [default] = _one(SubstanceInput(name="甲醇", quantity_t=500)).substances
    [hot] = _one(SubstanceInput(name="甲醇", category="W5.1", quantity_t=500)).substances
    assert (default.beta, hot.beta) == (1, Fraction(3, 2))
    assert default.critical_t == hot.critical_t == 500


def test_table_3_gases_keep_their_own_beta_whatever_the_category() -> None:
    [detail] = _one(SubstanceInput(name="光气", category="J1", quantity_t=1)).substances
    assert detail.beta == 20


def test_beta_comes_from_table_3_for_named_gases_and_table_4_otherwise() -> None:
    hydrogen_sulfide, hydrogen, arsine = _one(
        SubstanceInput(name="硫化氢", quantity_t=1),
        SubstanceInput(name="氢", quantity_t=1),
        SubstanceInput(name="砷化氢", quantity_t=1),
    ).substances
    assert (hydrogen_sulfide.beta, hydrogen.beta, arsine.beta) == (5, Fraction(3, 2), 4)


def test_carbon_monoxide_is_the_gas_row_13_with_its_table_3_beta() -> None:
    [detail] = _one(SubstanceInput(cas="630-08-0", quantity_t=20)).substances
    assert (detail.table1_no, detail.critical_t, detail.beta) == (13, 20, 2)


def test_a_shared_cas_number_needs_the_rows_name() -> None:
    [detail] = _one(SubstanceInput(name="硝酸铵(含可燃物≤0.2%)", cas="6484-52-2", quantity_t=50)).substances
    assert (detail.table1_no, detail.critical_t) == (44, 50)
    with pytest.raises(GB18218Error, match="多个"):
        _one(SubstanceInput(cas="6484-52-2", quantity_t=1))
    with pytest.raises(GB18218Error, match="several"):
        _one(SubstanceInput(name="硝化纤维素", quantity_t=1))


# Errors ----------------------------------------------------------------------------------------


def test_an_unknown_substance_without_category_is_an_error_naming_unit_and_substance() -> None:
    with pytest.raises(GB18218Error) as error:
        identify_installation([_unit(SubstanceInput(name="神秘物质", quantity_t=1), name="二号库")], 0)
    assert "二号库" in str(error.value) and "神秘物质" in str(error.value)
    assert (error.value.unit, error.value.substance) == ("二号库", "神秘物质")


def test_an_unknown_category_is_an_error() -> None:
    with pytest.raises(GB18218Error, match="W12"):
        _one(SubstanceInput(name="某物", category="W12", quantity_t=1))


def test_a_cas_number_with_a_wrong_check_digit_is_an_error() -> None:
    with pytest.raises(GB18218Error, match="CAS"):
        _one(SubstanceInput(name="氯", cas="7782-50-6", quantity_t=1))


def test_a_name_and_cas_of_different_table_1_substances_is_an_error() -> None:
    with pytest.raises(GB18218Error, match="different"):
        _one(SubstanceInput(name="氨", cas="7782-50-5", quantity_t=1))


@pytest.mark.parametrize("quantity", [-0.1, float("nan"), float("inf")])
def test_a_negative_or_non_finite_quantity_is_an_error(quantity: float) -> None:
    with pytest.raises(GB18218Error, match="罐区1"):
        _one(SubstanceInput(name="氯", quantity_t=quantity))


def test_an_unknown_unit_kind_is_an_error() -> None:
    with pytest.raises(GB18218Error, match="production"):
        identify_installation([_unit(SubstanceInput(name="氯", quantity_t=1), kind="warehouse")], 0)


def test_a_unit_without_substances_is_an_error() -> None:
    with pytest.raises(GB18218Error, match="罐区1"):
        identify_installation([_unit()], 0)


def test_an_installation_without_units_is_an_error() -> None:
    with pytest.raises(GB18218Error):
        identify_installation([], 0)


# The tables themselves -------------------------------------------------------------------------


def test_table_1_has_85_numbered_rows_with_a_table_2_category_each() -> None:
    assert [row.no for row in TABLE_1] == list(range(1, 86))
    assert all(row.category in TABLE_2 and row.critical_t > 0 for row in TABLE_1)


def test_every_table_1_cas_number_has_a_valid_check_digit() -> None:
    numbers = [cas for row in TABLE_1 for cas in row.cas]
    assert len(numbers) >= 75
    assert [cas for cas in numbers if not cas_is_valid(cas)] == []


def test_cas_check_digit_rejects_typos() -> None:
    assert cas_is_valid("7732-18-5")  # water
    assert not cas_is_valid("7732-18-4")
    assert not cas_is_valid("773218-5")


def test_table_3_and_table_4_cover_the_standard() -> None:
    assert len(TABLE_3) == 14
    assert set(TABLE_4) == set(TABLE_2) and len(TABLE_2) == 24
