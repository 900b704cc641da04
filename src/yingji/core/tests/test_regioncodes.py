import pytest

from yingji.core import regioncodes


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("140000", "province"),
        ("140900", "city"),
        ("140902", "county"),
        ("140981", "county"),
        ("140902001000", "township"),
        ("140902001002", "village"),
    ],
)
def test_level_of_reads_the_digits(code: str, level: str) -> None:
    assert regioncodes.level_of(code) == level


@pytest.mark.parametrize("code", ["", "14", "1409021", "14090200100", "14090a", "1409020010001"])
def test_level_of_rejects_malformed_codes(code: str) -> None:
    with pytest.raises(regioncodes.InvalidRegionCode):
        regioncodes.level_of(code)


def test_paths_nest_and_split_back_into_codes() -> None:
    city = regioncodes.path_of(regioncodes.path_of("", "140000"), "140900")
    county = regioncodes.path_of(city, "140902")
    assert county == "140000/140900/140902/"
    assert county.startswith(city)
    assert regioncodes.codes_in_path(county) == ["140000", "140900", "140902"]
