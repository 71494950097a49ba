"""The request-parsing layer: every class of input that used to reach Python or PostgreSQL and
come back as a 500 is a 400 in the one error shape, with the field that caused it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import CHAT_LINE, DatasetFactory, JobFactory

pytestmark = pytest.mark.django_db
JOBS = "/api/training/jobs"


def _raw(client: Any, url: str, body: str | bytes, **extra: Any) -> Any:
    data = body.encode() if isinstance(body, str) else body
    return client.generic("POST", url, data, content_type="application/json", **extra)


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    return error


def _job_body(**overrides: Any) -> dict[str, Any]:
    dataset = DatasetFactory()
    return {
        "name": "ok",
        "dataset_id": str(dataset.pk),
        "base_model": "tiny-random-llama",
        "gpu_type": "h100-80gb",
        **overrides,
    }


def test_deeply_nested_json_is_400_even_anonymous(anon_client: Any) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    error = _error(_raw(anon_client, "/api/auth/token", deep), 400)
    assert "Nested too deeply" in json.dumps(error)


def test_moderately_nested_json_beyond_the_depth_limit_is_400(owner_client: Any, h100: Any) -> None:
    nested: Any = "leaf"
    for _ in range(40):
        nested = {"a": nested}
    error = _error(owner_client.post(JOBS, _job_body(metadata=nested), format="json"), 400)
    assert any("Nested too deeply" in m for ms in error["fields"].values() for m in ms)


def test_nul_characters_are_rejected_per_field(owner_client: Any, h100: Any) -> None:
    body = _job_body(name="bad\x00name", metadata={"te\x00am": "x", "ok": "v\x00"})
    error = _error(owner_client.post(JOBS, body, format="json"), 400)
    assert error["fields"]["name"] == ["NUL characters are not allowed."]
    assert error["fields"]["metadata.ok"] == ["NUL characters are not allowed."]
    assert error["fields"]["metadata.<key>"] == ["Key: NUL characters are not allowed."]


def test_lone_surrogates_and_non_finite_numbers_are_400(owner_client: Any, h100: Any) -> None:
    error = _error(_raw(owner_client, JOBS, '{"name": "\\ud800"}'), 400)
    assert error["fields"]["name"] == ["Invalid Unicode: a lone surrogate code point."]
    for literal in ("NaN", "Infinity", "1e999"):
        error = _error(_raw(owner_client, JOBS, f'{{"name": {literal}}}'), 400)
        assert error["fields"]["non_field_errors"]


def test_huge_integer_literal_is_400(owner_client: Any) -> None:
    error = _error(_raw(owner_client, f"{JOBS}/estimate", '{"x": ' + "9" * 5000 + "}"), 400)
    assert "more than 4000 digits" in error["fields"]["non_field_errors"][0]


def test_nul_in_query_and_form_fields_is_400(owner_client: Any) -> None:
    error = _error(owner_client.get(JOBS, {"gpu_type": "h100\x00"}), 400)
    assert error["fields"] == {"gpu_type": ["NUL characters are not allowed."]}
    file = SimpleUploadedFile("d.jsonl", json.dumps(CHAT_LINE).encode())
    response = owner_client.post(
        "/api/training/datasets", {"name": "a\x00b", "file": file}, format="multipart"
    )
    assert _error(response, 400)["fields"]["name"] == ["NUL characters are not allowed."]


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("2020-01-01T00:00:00-17:00", 200),
        ("2020-01-01T00:00:00+23:59", 200),
        ("2020-01-01t00:00:00z", 200),
        ("0001-01-01T00:00:00+14:00", 400),
        ("9999-12-31T23:59:59-14:00", 400),
    ],
)
def test_time_zone_offsets_in_filters(owner_client: Any, value: str, status: int) -> None:
    JobFactory()
    response = owner_client.get(JOBS, {"created_after": value})
    assert response.status_code == status, response.content
    if status == 200:
        assert response.json()["count"] == 1
    else:
        assert response.json()["error"]["fields"]["created_after"]


def test_dataset_lines_with_huge_integers_deep_nesting_or_nul_are_line_errors(
    owner_client: Any,
) -> None:
    lines = [
        json.dumps(CHAT_LINE),
        '{"prompt": "p", "completion": "c", "n": ' + "1" * 5000 + "}",
        "[" * 100_000 + "]" * 100_000,
        json.dumps({"messages": [{"role": "user", "content": "a\x00b"}]}),
        '{"prompt": NaN}',
    ]
    file = SimpleUploadedFile("d.jsonl", ("\n".join(lines) + "\n").encode())
    response = owner_client.post(
        "/api/training/datasets", {"name": "bad", "file": file}, format="multipart"
    )
    assert response.status_code == 201, response.content
    by_line = {e["line"]: e["message"] for e in response.json()["errors"]}
    assert set(by_line) == {2, 3, 4, 5}
    assert "more than 4000 digits" in by_line[2]
    assert "Nested too deeply" in by_line[3]
    assert by_line[4] == "messages[0].content: NUL characters are not allowed."
    assert "NaN is not a JSON number" in by_line[5]
