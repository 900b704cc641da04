"""One language per page: API errors carry "中文 / English", a page shows its reader one half.

The guards read the source, so a domain added later is held to the same rules: no interface message is
written in both languages at once, and no page shows an error's two-language message as it is.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

import yingji
from yingji.core.errors import Conflict, in_reader_language

PACKAGE = Path(yingji.__file__).resolve().parent
BILINGUAL = re.compile(r"[\u3400-\u9fff][^/]* / [A-Za-z]")
GETTEXT = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "pgettext",
    "pgettext_lazy",
    "ngettext",
    "ngettext_lazy",
}
TEMPLATE_MESSAGE = re.compile(
    r'{%\s*(?:translate|trans)\s+"([^"]*)"|{%\s*blocktranslate[^%]*%}(.*?){%\s*endblocktranslate', re.S
)


def source_files(pattern: str) -> list[Path]:
    return [
        path
        for path in PACKAGE.rglob(pattern)
        if "tests" not in path.parts and "migrations" not in path.parts
    ]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "只有草稿可以修改"), ("en", "Only a draft can be edited")],
)
def test_a_page_shows_the_half_of_an_api_message_in_its_readers_language(
    language: str, expected: str
) -> None:
    with translation.override(language):
        assert in_reader_language("只有草稿可以修改 / Only a draft can be edited") == expected
        assert Conflict("只有草稿可以修改 / Only a draft can be edited").page_message == expected


def test_a_slash_inside_the_chinese_half_does_not_split_it() -> None:
    message = "第 3 行 / 第 4 列：数量有误 / Row 3 / column 4: the quantity is wrong"
    with translation.override("en"):
        assert in_reader_language(message) == "Row 3 / column 4: the quantity is wrong"
    with translation.override("zh-hans"):
        assert in_reader_language(message) == "第 3 行 / 第 4 列：数量有误"


def test_a_message_in_one_language_is_shown_whole() -> None:
    with translation.override("en"):
        assert in_reader_language("Quantity / capacity") == "Quantity / capacity"
        assert in_reader_language("风险点 / 设施") == "风险点 / 设施"


def test_no_interface_message_is_written_in_both_languages() -> None:
    """Messages like "已通知至企业 / notified up to the enterprise": the catalog translates instead."""
    found = []
    for path in source_files("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) in GETTEXT
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and BILINGUAL.search(node.args[0].value)
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.args[0].value}")
    for path in source_files("*.html"):
        for match in TEMPLATE_MESSAGE.finditer(path.read_text(encoding="utf-8")):
            text = match.group(1) or match.group(2) or ""
            if BILINGUAL.search(text):
                found.append(f"{path.relative_to(PACKAGE)}: {text}")
    assert not found, "\n".join(found)


def page_modules() -> list[Path]:
    """The modules that build pages: views (modules and packages), forms and template tags."""
    return [
        path
        for path in source_files("*.py")
        if path.name in ("views.py", "forms.py") or "views" in path.parts or "templatetags" in path.parts
    ]


def test_pages_show_errors_through_page_message() -> None:
    """A DomainError's `message` is both languages for the API; pages use `page_message`."""
    found = []
    for path in page_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "message":
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert page_modules() and not found, "\n".join(found)
