"""What a hazard attachment may be: photos and documents, at most 10 MB, checked by name and content.

Pure rules with no Django import. The extension alone proves nothing (a renamed executable keeps its
bytes), so each allowed type is also recognized by its magic bytes, and Office files by the parts
inside their ZIP container.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

MAX_BYTES = 10 * 1024 * 1024

# extension → the content type stored and served for it
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ALLOWED = "jpg/jpeg, png, webp, pdf, docx, xlsx"
# Shown in the browser rather than downloaded.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})


class UploadRejected(ValueError):
    """A file that is not accepted, with the reason in Chinese and English."""


@dataclass(frozen=True)
class CheckedUpload:
    """An accepted file: its extension (lower case) and the content type it really has."""

    extension: str
    content_type: str


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _looks_like(extension: str, data: bytes) -> bool:
    if extension in ("jpg", "jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if extension == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if extension == "webp":
        return len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if extension == "pdf":
        return data.startswith(b"%PDF-")
    if extension in ("docx", "xlsx"):
        if not data.startswith(b"PK\x03\x04"):
            return False
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return False
        part = "word/document.xml" if extension == "docx" else "xl/workbook.xml"
        return "[Content_Types].xml" in names and part in names
    return False


def check_upload(name: str, size: int, data: bytes) -> CheckedUpload:
    """Accept a file by its size, its extension and its content, or raise UploadRejected."""
    if size <= 0:
        raise UploadRejected("文件为空 / The file is empty")
    if size > MAX_BYTES:
        raise UploadRejected(
            f"文件超过 {MAX_BYTES // 2**20} MB / The file is larger than {MAX_BYTES // 2**20} MB"
        )
    extension = extension_of(name)
    if extension not in CONTENT_TYPES:
        raise UploadRejected(f"只接受 {ALLOWED} 文件 / Only {ALLOWED} files are accepted")
    if not _looks_like(extension, data):
        raise UploadRejected(
            f"文件内容与扩展名 .{extension} 不符 / The file's content is not a real .{extension} file"
        )
    return CheckedUpload(extension, CONTENT_TYPES[extension])
