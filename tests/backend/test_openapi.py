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
