"""Body limits before the body is read, chunked bodies, and the one error shape for every
status the app answers (also with DEBUG on: no HTML page, no traceback)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from rest_framework.test import APIClient

from backend.jobs import selectors
from tests.factories import CHAT_LINE, jsonl

pytestmark = pytest.mark.django_db
DATASETS = "/api/training/datasets"


class _Unreadable:
    """A request body that fails the test if anything reads it."""

    def read(self, *args: Any) -> bytes:
        raise AssertionError("the body was read")

    readline = read


def test_declared_oversized_upload_is_413_before_the_body_is_read(
    owner_client: Any, settings: Any, tmp_path: Path
) -> None:
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    response = owner_client.generic(
        "POST",
        DATASETS,
        b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(600 * 1024 * 1024),
        **{"wsgi.input": _Unreadable()},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert os.listdir(tmp_path) == []


def test_upload_is_cut_off_while_streaming_and_its_temp_file_removed(
    owner_client: Any, settings: Any, tmp_path: Path
) -> None:
    # The declared length passes (the limit allows room for the multipart framing), the file
    # itself does not: the upload handler stops at the limit.
    settings.LORA_MAX_DATASET_BYTES = 64 * 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    content = jsonl([CHAT_LINE] * 3000)
    assert 64 * 1024 < len(content) < 1024 * 1024
    file = SimpleUploadedFile("big.jsonl", content)
    response = owner_client.post(DATASETS, {"name": "big", "file": file}, format="multipart")
    assert response.status_code == 413, response.content
    assert response.json()["error"]["code"] == "payload_too_large"
    assert os.listdir(tmp_path) == []
    assert owner_client.get(DATASETS).json()["count"] == 0


def test_json_body_over_the_limit_is_413_on_user_endpoints(owner_client: Any) -> None:
    response = owner_client.generic(
        "POST",
        "/api/training/jobs",
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(3 * 1024 * 1024),
        **{"wsgi.input": _Unreadable()},
    )
    assert response.status_code == 413


def _chunked(client: Any, body: bytes) -> Any:
    # What gunicorn hands over for a chunked request: the de-chunked stream, no length.
    return client.generic(
        "POST",
        "/api/training/jobs",
        b"",
        content_type="application/json",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": io.BytesIO(body)},
    )


def test_chunked_body_is_read_not_taken_as_empty(owner_client: Any, h100: Any) -> None:
    response = _chunked(owner_client, json.dumps({"name": "x"}).encode())
    # The body arrived: the fields it lacks are named, `name` is not among them.
    fields = response.json()["error"]["fields"]
    assert response.status_code == 400 and "dataset_id" in fields and "name" not in fields


def test_chunked_body_over_the_limit_is_413(owner_client: Any) -> None:
    response = _chunked(owner_client, b"[" + b" " * (3 * 1024 * 1024) + b"]")
    assert response.status_code == 413


def test_missing_or_bad_credentials_are_401_with_a_challenge() -> None:
    client = APIClient()
    response = client.get("/api/training/jobs")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="api"'
    assert response.json()["error"]["code"] == "not_authenticated"
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = client.get("/api/training/jobs")
    assert response.status_code == 401 and response["WWW-Authenticate"]
    assert response.json()["error"]["code"] == "authentication_failed"


@override_settings(DEBUG=True)
@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/api/training/jobs/not-a-uuid", 404, "not_found"),
        ("get", "/api/no-such-endpoint", 404, "not_found"),
        ("put", "/api/training/gpu-types", 405, "method_not_allowed"),
        ("get", "/api/training/jobs?" + "x" * 9000, 414, "uri_too_long"),
    ],
)
def test_error_replies_are_json_in_debug_too(
    owner_client: Any, method: str, path: str, status: int, code: str
) -> None:
    response = getattr(owner_client, method)(path)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == code
    assert b"Traceback" not in response.content and b"<html" not in response.content.lower()


@override_settings(DEBUG=True)
def test_a_server_error_is_json_without_a_traceback(
    owner_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(**kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "jobs_list", boom)
    owner_client.raise_request_exception = False
    response = owner_client.get("/api/training/jobs")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert b"secret internals" not in response.content


def test_csrf_failure_is_in_the_error_shape(owner: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    response = client.post(
        "/api/auth/login", {"username": "olivia", "password": "correct horse battery"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


def test_bad_host_is_in_the_error_shape(owner_client: Any) -> None:
    response = owner_client.get("/api/training/jobs", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
