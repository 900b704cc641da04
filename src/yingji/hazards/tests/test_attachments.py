"""Photos and documents of a hazard: size and type limits, nothing stored when a file is refused."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yingji.core.errors import InvalidInput, NotFound
from yingji.core.models import User
from yingji.hazards import services
from yingji.hazards.models import HazardAttachment
from yingji.hazards.tests.conftest import report_general
from yingji.hazards.uploads import MAX_BYTES

pytestmark = pytest.mark.django_db

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n%%EOF\n"


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_a_checked_photo_is_stored_under_media_root_with_its_metadata(
    officer: User, chemical: Any, media_root: Path
) -> None:
    hazard = report_general(officer, chemical)
    attachment = services.add_attachment(
        officer, hazard.pk, stage="before", name="C:\\现场\\照片.png", data=PNG
    )
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        "照片.png",
        "image/png",
        len(PNG),
    )
    files = stored_files(media_root)
    assert len(files) == 1 and files[0].read_bytes() == PNG and files[0].suffix == ".png"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("evil.exe", b"MZ\x90"),
        ("fake.png", b"<script>"),
        ("big.pdf", PDF + b"0" * MAX_BYTES),
        ("empty.pdf", b""),
    ],
)
def test_a_refused_file_leaves_nothing_behind(
    officer: User, chemical: Any, media_root: Path, name: str, data: bytes
) -> None:
    hazard = report_general(officer, chemical)
    with pytest.raises(InvalidInput) as error:
        services.add_attachment(officer, hazard.pk, stage="before", name=name, data=data)
    assert error.value.code == "invalid_file"
    assert not HazardAttachment.objects.filter(hazard=hazard).exists()
    assert stored_files(media_root) == []


def test_an_unknown_stage_is_refused(officer: User, chemical: Any, media_root: Path) -> None:
    hazard = report_general(officer, chemical)
    with pytest.raises(InvalidInput):
        services.add_attachment(officer, hazard.pk, stage="during", name="a.pdf", data=PDF)
    assert stored_files(media_root) == []


def test_another_county_cannot_attach(officer: User, chemical: Any, other_county_admin: User) -> None:
    hazard = report_general(officer, chemical)
    with pytest.raises(NotFound):
        services.add_attachment(other_county_admin, hazard.pk, stage="before", name="a.pdf", data=PDF)


def test_the_api_takes_json_with_base64_and_serves_the_file_back(
    officer: User, chemical: Any, api_client: Any
) -> None:
    hazard = report_general(officer, chemical)
    client = api_client(officer)
    body = {"stage": "after", "name": "整改后.png", "content_base64": base64.b64encode(PNG).decode()}
    response = client.post(
        f"/api/v1/hazards/{hazard.pk}/attachments", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "image/png" and response.json()["stage"] == "after"
    download = client.get(f"/api/v1/hazard-attachments/{response.json()['id']}")
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == PNG


def test_the_api_takes_multipart(officer: User, chemical: Any, api_client: Any) -> None:
    hazard = report_general(officer, chemical)
    upload = SimpleUploadedFile("通知书.pdf", PDF, content_type="application/pdf")
    response = api_client(officer).post(
        f"/api/v1/hazards/{hazard.pk}/attachments", {"stage": "document", "file": upload}
    )
    assert response.status_code == 201, response.content
    assert response.json()["original_name"] == "通知书.pdf"


def test_the_api_refuses_a_disguised_file_with_400_and_stores_nothing(
    officer: User, chemical: Any, api_client: Any, media_root: Path
) -> None:
    hazard = report_general(officer, chemical)
    body = {
        "stage": "before",
        "name": "photo.png",
        "content_base64": base64.b64encode(b"MZ\x90\x00").decode(),
    }
    response = api_client(officer).post(
        f"/api/v1/hazards/{hazard.pk}/attachments", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_file" and "/" in response.json()["message"]
    assert stored_files(media_root) == []


def test_the_api_refuses_a_body_that_is_neither_form_nor_upload_json(
    officer: User, chemical: Any, api_client: Any
) -> None:
    hazard = report_general(officer, chemical)
    response = api_client(officer).post(
        f"/api/v1/hazards/{hazard.pk}/attachments",
        json.dumps({"stage": "before"}),
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"


def test_another_countys_attachment_is_not_found(
    officer: User, chemical: Any, api_client: Any, other_county_admin: User
) -> None:
    hazard = report_general(officer, chemical)
    attachment = services.add_attachment(officer, hazard.pk, stage="before", name="a.pdf", data=PDF)
    response = api_client(other_county_admin).get(f"/api/v1/hazard-attachments/{attachment.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
