"""GB 32100-2015 unified social credit codes: published codes validate, every kind of error is named."""

import pytest

from yingji.enterprises.gb32100 import (
    InvalidCreditCode,
    check_character,
    division_code,
    is_valid_credit_code,
    make_credit_code,
    organization_check_character,
    validate_credit_code,
)

# Codes published in the national enterprise credit register.
PUBLISHED = [
    "91110000802100433B",  # 北京百度网讯科技有限公司
    "9144030071526726XG",  # 腾讯科技（深圳）有限公司
    "914403001922038216",  # 华为技术有限公司
]


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code: str) -> None:
    assert validate_credit_code(code).code == code


@pytest.mark.parametrize("code", PUBLISHED)
def test_the_check_character_of_published_codes_is_computed(code: str) -> None:
    assert check_character(code[:17]) == code[17]


def test_a_code_is_split_into_its_parts() -> None:
    parsed = validate_credit_code("91110000802100433B")
    assert (parsed.registration_authority, parsed.institution_type) == ("9", "1")
    assert parsed.registration_authority_label == "工商（市场监督管理）"
    assert parsed.institution_type_label == "企业"
    assert (parsed.division_code, parsed.organization_code, parsed.check) == ("110000", "802100433", "B")
    assert division_code("914403001922038216") == "440300"


def test_the_organization_code_check_may_be_x() -> None:
    assert organization_check_character("71526726") == "X"


def test_a_wrong_check_character_is_refused_naming_the_right_one() -> None:
    with pytest.raises(InvalidCreditCode, match="should be B"):
        validate_credit_code("91110000802100433C")


def test_a_wrong_organization_check_digit_is_refused() -> None:
    first17 = "91110000802100434"  # the organization code 80210043 ends in 3, not 4
    with pytest.raises(InvalidCreditCode, match="organization code"):
        validate_credit_code(first17 + check_character(first17))


@pytest.mark.parametrize("code", ["", "9111000080210043", "91110000802100433BB"])
def test_a_wrong_length_is_refused(code: str) -> None:
    with pytest.raises(InvalidCreditCode, match="18"):
        validate_credit_code(code)


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_letters_outside_the_alphabet_are_refused(letter: str) -> None:
    with pytest.raises(InvalidCreditCode, match=f"'{letter}'"):
        validate_credit_code("91110000802100433" + letter)


def test_a_non_numeric_division_code_is_refused() -> None:
    first17 = "91AB0000802100433"
    with pytest.raises(InvalidCreditCode, match="division"):
        validate_credit_code(first17 + check_character(first17))


def test_lower_case_and_surrounding_spaces_are_normalised() -> None:
    assert validate_credit_code(" 9144030071526726xg\n").code == "9144030071526726XG"


def test_inner_spaces_are_refused() -> None:
    assert not is_valid_credit_code("9144030071 526726XG")


@pytest.mark.parametrize("serial", [0, 1, 12345678, 99999999])
def test_generated_codes_validate_and_keep_their_division(serial: int) -> None:
    code = make_credit_code("140902", serial)
    assert validate_credit_code(code).division_code == "140902"
    assert code.startswith("91140902")


def test_generated_codes_are_distinct_per_serial() -> None:
    codes = {make_credit_code("140900", serial) for serial in range(500)}
    assert len(codes) == 500 and all(is_valid_credit_code(code) for code in codes)


def test_generation_accepts_other_registration_authorities() -> None:
    parsed = validate_credit_code(make_credit_code("140900", 42, registration="1", kind="2"))
    assert parsed.institution_type_label == "事业单位"


@pytest.mark.parametrize(
    ("division", "serial", "registration"),
    [("14090", 1, "9"), ("14090A", 1, "9"), ("140900", -1, "9"), ("140900", 10**8, "9"), ("140900", 1, "I")],
)
def test_generation_refuses_bad_parts(division: str, serial: int, registration: str) -> None:
    with pytest.raises(InvalidCreditCode):
        make_credit_code(division, serial, registration=registration)
