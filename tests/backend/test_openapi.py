"""The committed openapi.yaml is the contract: it must match the code and be valid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_committed_schema_matches_the_code_and_has_no_warnings(tmp_path: Any) -> None:
    generated = tmp_path / "openapi.yaml"
    # --fail-on-warn makes any drf-spectacular warning an error.
    call_command("spectacular", "--file", str(generated), "--validate", "--fail-on-warn")
    committed = (ROOT / "openapi.yaml").read_text()
    assert generated.read_text() == committed, "openapi.yaml is stale: run `make schema`"


def test_schema_is_valid_openapi_and_covers_the_endpoints() -> None:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    validate(spec)
    paths = set(spec["paths"])
    for path in (
        "/api/training/jobs",
        "/api/training/jobs/{id}",
        "/api/training/jobs/{id}/metrics",
        "/api/training/jobs/{id}/events",
        "/api/training/jobs/{id}/cancel",
        "/api/training/jobs/estimate",
        "/api/training/datasets",
        "/api/auth/login",
    ):
        assert path in paths


def test_every_operation_documents_its_error_replies_and_real_content_types() -> None:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    error_ref = {"$ref": "#/components/schemas/Error"}
    worker_error_ref = {"$ref": "#/components/schemas/WorkerError"}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            # Every operation: bad input, too long a URI, a server failure; the user API also
            # its rate limit, and everything behind credentials the 401 challenge.
            expected = {"400", "414", "500"}
            public = {} in operation.get("security", [])
            if not public:
                expected.add("401")
                if not path.startswith("/api/worker/"):
                    expected.add("429")
            if "{" in path:
                expected.add("404")
            if "requestBody" in operation:
                expected |= {"413", "415"}
            assert expected <= set(responses), (method, path, sorted(responses))
            for code in expected - {"500"}:
                content = responses[code]["content"]
                assert list(content) == ["application/json"], (method, path, code)
                schema = content["application/json"]["schema"]
                assert schema in (error_ref, worker_error_ref), (method, path, code)
    export = spec["paths"]["/api/training/jobs/{id}/events/export"]["get"]["responses"]["200"]
    assert export["content"]["application/json"]["schema"]["type"] == "array"
    assert export["content"]["text/csv"]["schema"] == {"type": "string"}
    download = spec["paths"]["/api/training/jobs/{id}/checkpoints/{cid}/download"]["get"]
    assert list(download["responses"]["200"]["content"]) == ["application/octet-stream"]
    me = spec["components"]["schemas"]["Me"]["properties"]["email"]
    assert "format" not in me


@pytest.mark.django_db
def test_checkpoint_download_is_served_as_octet_stream(owner_client: Any) -> None:
    from django.core.files.base import ContentFile

    from backend.jobs.models import Checkpoint
    from tests.factories import JobFactory

    job = JobFactory(status="completed")
    checkpoint = Checkpoint.objects.create(
        job=job, attempt=1, step=5, file=ContentFile(b"w", name="c.pt"), size_bytes=1, sha256="0"
    )
    response = owner_client.get(f"/api/training/jobs/{job.pk}/checkpoints/{checkpoint.pk}/download")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
