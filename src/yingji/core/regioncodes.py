"""GB/T 2260 and statistical division codes: levels and validation, without Django.

Counties and above have 6-digit codes (140000 province, 140900 city, 140902 county); townships and
villages have 12-digit statistical codes (140902001000 township, 140902001001 village). Codes nest
by prefix almost everywhere, but not always: the townships of 五台山风景名胜区 (140971…) lie inside
五台县 (140922). So containment is decided by each region's materialized path, built from the
data's parent links, never by comparing codes.
"""

from __future__ import annotations

PROVINCE = "province"
CITY = "city"
COUNTY = "county"
TOWNSHIP = "township"
VILLAGE = "village"

LEVELS = (PROVINCE, CITY, COUNTY, TOWNSHIP, VILLAGE)
LEVEL_LABELS = {
    PROVINCE: "省",
    CITY: "市",
    COUNTY: "县（区、市）",
    TOWNSHIP: "乡镇（街道）",
    VILLAGE: "村（居）",
}
LEVEL_DEPTH = {level: depth for depth, level in enumerate(LEVELS)}


class InvalidRegionCode(ValueError):
    """A string that is not a 6- or 12-digit division code."""


def level_of(code: str) -> str:
    """The level a division code names."""
    if not code.isdigit() or len(code) not in (6, 12):
        raise InvalidRegionCode(code)
    if len(code) == 12:
        return TOWNSHIP if code.endswith("000") else VILLAGE
    if code[2:] == "0000":
        return PROVINCE
    if code[4:] == "00":
        return CITY
    return COUNTY


def is_valid_code(code: str) -> bool:
    try:
        level_of(code)
    except InvalidRegionCode:
        return False
    return True


def path_of(parent_path: str, code: str) -> str:
    """The materialized path of a region: its ancestors' codes and its own, each followed by '/'."""
    return f"{parent_path}{code}/"


def codes_in_path(path: str) -> list[str]:
    """The codes along a path, from the top down to the region itself."""
    return [code for code in path.split("/") if code]
