"""Dataset upload with line-numbered validation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.datasets.models import Dataset
from tests.factories import CHAT_LINE, jsonl

pytestmark = pytest.mark.django_db
URL = "/api/training/datasets"


def upload(client: Any, content: bytes, name: str = "support-chats") -> Any:
    file = SimpleUploadedFile("data.jsonl", content, content_type="application/jsonl")
    return client.post(URL, {"name": name, "file": file}, format="multipart")


def test_valid_chat_file(owner_client: Any) -> None:
    response = upload(owner_client, jsonl([CHAT_LINE] * 12))
    assert response.status_code == 201
    body = response.json()
    assert body["is_valid"] is True and body["errors"] == []
    assert body["format"] == "chat" and body["num_examples"] == 12
    assert body["uploaded_by"]["username"] == "olivia"
    dataset = Dataset.objects.get(pk=body["id"])
    assert dataset.total_chars == 12 * (21 + 54) and dataset.trainable_chars == 12 * 54
    assert dataset.file.read() == jsonl([CHAT_LINE] * 12)


def test_prompt_completion_file(owner_client: Any) -> None:
    body = upload(owner_client, jsonl([{"prompt": "2+2=", "completion": "4"}] * 3)).json()
    assert body["format"] == "prompt_completion" and body["num_examples"] == 3


def test_each_bad_line_is_reported_with_its_number(owner_client: Any) -> None:
    lines = [
        json.dumps(CHAT_LINE),
        "{not json",
        json.dumps({"messages": [{"role": "user", "content": "hi"}]}),
        json.dumps({"messages": [{"role": "robot", "content": "beep"}]}),
        json.dumps({"prompt": "p", "completion": "c"}),
        json.dumps(["a list"]),
    ]
    body = upload(owner_client, ("\n".join(lines) + "\n").encode()).json()
    assert body["is_valid"] is False and body["num_examples"] == 1
    by_line = {e["line"]: e["message"] for e in body["errors"]}
    assert set(by_line) == {2, 3, 4, 5, 6}
    assert by_line[2].startswith("invalid JSON")
    assert "no assistant message with content" in by_line[3]
    assert "(got 'robot')" in by_line[4]
    assert "mixes formats" in by_line[5]
    assert by_line[6] == "expected a JSON object"


@pytest.mark.parametrize(
    "bad",
    [
        {
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": " \n\t"},
            ]
        },
        {"prompt": "2+2=", "completion": "   "},
    ],
)
def test_whitespace_only_reply_is_rejected_at_upload(owner_client: Any, bad: Any) -> None:
    # Drift regression: such a line used to pass the upload and then fail on the GPU as
    # invalid_dataset (billed). The worker refuses it, so the upload must too, with its line.
    body = upload(owner_client, jsonl([CHAT_LINE, bad, CHAT_LINE])).json()
    assert body["is_valid"] is False
    assert [e["line"] for e in body["errors"]] == [2]
    assert "assistant message with content" in body["errors"][0]["message"] or (
        "'completion' must be a non-empty string" in body["errors"][0]["message"]
    )


def test_empty_file_is_invalid(owner_client: Any) -> None:
    body = upload(owner_client, b"\n\n").json()
    assert body["is_valid"] is False and body["errors"] == [
        {"line": None, "message": "the file is empty: it holds no examples"}
    ]


def test_oversized_file_is_413_and_stores_nothing(owner_client: Any, settings: Any) -> None:
    settings.LORA_MAX_DATASET_BYTES = 100
    response = upload(owner_client, jsonl([CHAT_LINE] * 5))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert Dataset.objects.count() == 0


def test_missing_file_is_a_field_error(owner_client: Any) -> None:
    response = owner_client.post(URL, {"name": "x"}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["error"]["fields"]


def test_list_is_paginated_newest_first(owner_client: Any) -> None:
    upload(owner_client, jsonl([CHAT_LINE]), name="first")
    upload(owner_client, jsonl([CHAT_LINE]), name="second")
    body = owner_client.get(URL).json()
    assert body["count"] == 2 and [d["name"] for d in body["results"]] == ["second", "first"]
