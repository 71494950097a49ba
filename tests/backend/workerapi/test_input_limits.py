"""The worker API through the request-parsing layer: integers bounded to their columns, JSON
form fields of multipart uploads parsed with the same limits as bodies."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.backend.workerapi.conftest import WorkerClient

pytestmark = pytest.mark.django_db


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    return response.json()["error"]


def test_worker_step_and_seq_beyond_the_integer_column_are_400(running: WorkerClient) -> None:
    response = running.write("metrics", {"points": [{"step": 2**31, "train_loss": 1.0}]})
    error = _error(response, 400)
    assert error["fields"]["points.0.step"] == [
        "Ensure this value is less than or equal to 2147483647."
    ]
    event = {"seq": 2**31, "type": "info", "message": "hi"}
    error = _error(running.write("events", {"events": [event]}), 400)
    assert list(error["fields"]) == ["events.0.seq"]
    # The largest value the column holds is accepted.
    ok = running.write("metrics", {"points": [{"step": 2**31 - 1, "train_loss": 1.0}]})
    assert ok.status_code == 200, ok.json()


def test_worker_multipart_json_field_is_parsed_with_the_same_limits(
    running: WorkerClient,
) -> None:
    file = SimpleUploadedFile("c.pt", b"weights")
    response = running.post(
        running.url("checkpoints"),
        {
            "attempt": running.started.attempt,
            "fence": running.started.fence,
            "step": 1,
            "sha256": "0" * 64,
            "metrics": "[" * 50_000 + "]" * 50_000,
            "file": file,
        },
        format="multipart",
    )
    assert "Nested too deeply" in _error(response, 400)["fields"]["metrics"][0]
