"""Which files a hazard may carry: by size, by extension and by what the bytes really are."""

import io
import zipfile

import pytest

from yingji.hazards.uploads import CONTENT_TYPES, MAX_BYTES, UploadRejected, check_upload

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 16
PDF = b"%PDF-1.7\n%..."


def office(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("现场.PNG", PNG, "image/png"),
        ("a.jpg", JPEG, "image/jpeg"),
        ("a.jpeg", JPEG, "image/jpeg"),
        ("a.webp", WEBP, "image/webp"),
        ("方案.pdf", PDF, "application/pdf"),
        ("方案.docx", office("word/document.xml"), CONTENT_TYPES["docx"]),
        ("台账.xlsx", office("xl/workbook.xml"), CONTENT_TYPES["xlsx"]),
    ],
)
def test_each_allowed_type_is_accepted_by_name_and_content(name: str, data: bytes, content_type: str) -> None:
    assert check_upload(name, len(data), data).content_type == content_type


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("evil.exe", b"MZ\x90\x00"),
        ("noextension", PNG),
        ("photo.png", b"MZ\x90\x00 not a png"),
        ("photo.jpg", PNG),
        ("report.pdf", b"<html>"),
        ("plan.docx", office("xl/workbook.xml")),
        ("sheet.xlsx", b"PK\x03\x04 broken zip"),
    ],
)
def test_a_file_whose_name_or_content_is_not_allowed_is_rejected(name: str, data: bytes) -> None:
    with pytest.raises(UploadRejected):
        check_upload(name, len(data), data)


def test_the_size_limit_is_10_mb_inclusive() -> None:
    assert check_upload("a.pdf", MAX_BYTES, PDF).extension == "pdf"
    with pytest.raises(UploadRejected, match="10 MB"):
        check_upload("a.pdf", MAX_BYTES + 1, PDF)
    with pytest.raises(UploadRejected):
        check_upload("a.pdf", 0, b"")
