"""GB 32100-2015 法人和其他组织统一社会信用代码编码规则: parse, validate and generate the 18-character code.

Pure rules with no Django import. Layout: 1 registration authority, 2 institution type, 3–8 the
administrative division (GB/T 2260), 9–17 the organization code with its own GB 11714-1997 check
character, 18 the check character (weighted sum modulo 31).

Input is normalised before validation: surrounding whitespace is removed and letters are upper-cased,
because people type and paste codes in lower case; every other deviation is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

STANDARD = "GB 32100-2015 法人和其他组织统一社会信用代码编码规则"

# The 31 characters of the code: digits and capitals without I, O, Z, S, V; value = position.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES = {character: value for value, character in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# GB 11714-1997 organization code: 8 body characters (digits 0–9, letters A=10 … Z=35), then a check.
ORGANIZATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

REGISTRATION_AUTHORITIES = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "工商（市场监督管理）",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}
# Institution types of the registration authorities an emergency-management register meets most.
INSTITUTION_TYPES = {
    ("1", "1"): "机关",
    ("1", "2"): "事业单位",
    ("5", "1"): "社会团体",
    ("5", "2"): "民办非企业单位",
    ("5", "3"): "基金会",
    ("9", "1"): "企业",
    ("9", "2"): "个体工商户",
    ("9", "3"): "农民专业合作社",
}


class InvalidCreditCode(ValueError):
    """A string that is not a valid unified social credit code; the reason is in Chinese and English."""


@dataclass(frozen=True)
class CreditCode:
    """A validated unified social credit code and its parts."""

    code: str
    registration_authority: str
    institution_type: str
    division_code: str
    organization_code: str
    check: str

    @property
    def registration_authority_label(self) -> str | None:
        return REGISTRATION_AUTHORITIES.get(self.registration_authority)

    @property
    def institution_type_label(self) -> str | None:
        return INSTITUTION_TYPES.get((self.registration_authority, self.institution_type))

    def __str__(self) -> str:
        return self.code


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (already in the code's alphabet)."""
    if len(first17) != 17 or any(c not in _VALUES for c in first17):
        raise InvalidCreditCode(
            f"需要代码字符集中的17个字符：{first17!r} / "
            f"Need 17 characters of the code's alphabet: {first17!r}"
        )
    total = sum(_VALUES[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def organization_check_character(body: str) -> str:
    """The GB 11714 check character (0–9 or X) of an 8-character organization code body."""
    if len(body) != 8 or not all(c.isascii() and (c.isdigit() or c.isupper()) for c in body):
        raise InvalidCreditCode(
            f"组织机构代码本体应为8位数字或大写字母：{body!r} / "
            f"An organization code body is 8 digits or capital letters: {body!r}"
        )
    total = sum(int(c, 36) * w for c, w in zip(body, ORGANIZATION_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_credit_code(code: str) -> CreditCode:
    """Parse `code` (trimmed, upper-cased) or raise InvalidCreditCode saying what is wrong."""
    if not isinstance(code, str):
        raise InvalidCreditCode(f"代码必须是字符串：{code!r} / The code must be a string: {code!r}")
    normalised = code.strip().upper()
    if len(normalised) != 18:
        raise InvalidCreditCode(
            f"统一社会信用代码应为18位，实际{len(normalised)}位 / "
            f"A unified social credit code has 18 characters, this one has {len(normalised)}"
        )
    for position, character in enumerate(normalised, start=1):
        if character not in _VALUES:
            raise InvalidCreditCode(
                f"第{position}位字符“{character}”不在代码字符集中（不使用 I、O、Z、S、V） / "
                f"Character {position} '{character}' is not in the code's alphabet "
                "(I, O, Z, S, V are never used)"
            )
    division = normalised[2:8]
    if not division.isdigit():
        raise InvalidCreditCode(
            f"第3–8位行政区划码应为6位数字：{division} / "
            f"Characters 3–8 must be a 6-digit division code: {division}"
        )
    organization = normalised[8:17]
    expected_organization = organization_check_character(organization[:8])
    if organization[8] != expected_organization:
        raise InvalidCreditCode(
            f"组织机构代码{organization}的校验码应为{expected_organization} / "
            f"The organization code {organization} should end in {expected_organization}"
        )
    expected = check_character(normalised[:17])
    if normalised[17] != expected:
        raise InvalidCreditCode(
            f"校验码错误：第18位应为{expected}，实际为{normalised[17]} / "
            f"Wrong check character: the 18th character should be {expected}, not {normalised[17]}"
        )
    return CreditCode(
        code=normalised,
        registration_authority=normalised[0],
        institution_type=normalised[1],
        division_code=division,
        organization_code=organization,
        check=expected,
    )


def is_valid_credit_code(code: str) -> bool:
    """Whether `code` is a valid unified social credit code."""
    try:
        validate_credit_code(code)
    except InvalidCreditCode:
        return False
    return True


def division_code(code: str) -> str:
    """The 6-digit administrative division (GB/T 2260) of the registering authority in `code`."""
    return validate_credit_code(code).division_code


def make_credit_code(division_code: str, serial: int, registration: str = "9", kind: str = "1") -> str:
    """A valid code for division `division_code` whose organization code body is `serial` (demo data)."""
    if len(division_code) != 6 or not division_code.isdigit():
        raise InvalidCreditCode(
            f"行政区划码应为6位数字：{division_code!r} / "
            f"The division code must be 6 digits: {division_code!r}"
        )
    if isinstance(serial, bool) or not isinstance(serial, int) or not 0 <= serial < 10**8:
        raise InvalidCreditCode(
            f"序号应为0–99999999的整数：{serial!r} / The serial must be a whole number 0–99999999: {serial!r}"
        )
    for name, character in (("registration", registration), ("kind", kind)):
        if len(character) != 1 or character not in _VALUES:
            raise InvalidCreditCode(
                f"{name} 应为代码字符集中的一个字符：{character!r} / "
                f"{name} must be one character of the code's alphabet: {character!r}"
            )
    body = f"{serial:08d}"
    first17 = f"{registration}{kind}{division_code}{body}{organization_check_character(body)}"
    return first17 + check_character(first17)
