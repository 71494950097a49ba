"""POST /api/training/jobs and /jobs/estimate: validation, estimates, what clients may write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from backend.jobs.models import Job, StageRun
from backend.telemetry.models import Event
from tests.factories import DatasetFactory

pytestmark = pytest.mark.django_db
URL = "/api/training/jobs"


@pytest.fixture
def dataset(owner: Any) -> Any:
    # 200k characters of chat text, 54% of it in assistant turns.
    return DatasetFactory(
        uploaded_by=owner, num_examples=1000, total_chars=200_000, trainable_chars=108_000
    )


def payload(dataset: Any, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Elena Financial",
        "dataset_id": str(dataset.pk),
        "base_model": "smollm2-135m-instruct",
        "preset": "balanced",
        "gpu_type": "h100-80gb",
        "pricing": "spot",
    }
    body.update(overrides)
    return body


def test_create_queues_the_job_with_its_estimate_and_stages(
    owner: Any, owner_client: Any, dataset: Any
) -> None:
    response = owner_client.post(URL, payload(dataset, metadata={"ticket": "ML-42"}))
    assert response.status_code == 201, response.json()
    body = response.json()
    job = Job.objects.get(pk=body["id"])
    assert body["status"] == "queued" and job.created_by == owner
    assert body["configuration_summary"] == "Balanced • Spot H100"
    # Hourly rate snapshotted from the catalog.
    assert job.hourly_rate == Decimal("2.49") and body["cost"]["hourly_rate"] == 2.49
    # 200k chars * 0.9 train split / 3.8 chars per token = 47,368 tokens per epoch;
    # 8 * 512 tokens per step -> 12 steps per epoch, 3 epochs.
    assert body["estimate"]["total_steps"] == 36
    assert body["estimate"]["total_tokens"] == 47_368 * 3
    assert body["estimate"]["basis"] == "flops"
    est = body["estimate"]
    assert est["cost_max"] == pytest.approx(est["cost_min"] / 0.85 * 1.15, abs=0.011)
    assert [s["stage"] for s in body["stages"]] == [
        "preprocessing",
        "model_loading",
        "training",
        "finalization",
    ]
    assert all(s["state"] == "pending" and s["estimated_seconds"] for s in body["stages"])
    assert body["metadata"] == {"ticket": "ML-42"}
    assert body["hyperparameters"]["lora_r"] == 16 and body["hyperparameters"]["epochs"] == 3
    assert StageRun.objects.filter(job=job).count() == 4
    event = Event.objects.get(job=job)
    assert event.type == "status" and event.message == "Job queued by Olivia Owner"


def test_preset_and_overrides_resolve_to_the_trained_values(
    owner_client: Any, dataset: Any
) -> None:
    body = owner_client.post(
        URL, payload(dataset, preset="aggressive", hyperparameters={"epochs": 1, "lora_r": 4})
    ).json()
    assert body["hyperparameters"]["learning_rate"] == 5e-4  # from the preset
    assert (body["hyperparameters"]["epochs"], body["hyperparameters"]["lora_r"]) == (1, 4)


def test_clients_cannot_write_status_owner_cost_attempt_or_fence(
    owner: Any, teammate: Any, owner_client: Any, dataset: Any
) -> None:
    body = payload(
        dataset,
        status="completed",
        created_by=teammate.pk,
        final_cost="0",
        attempt=7,
        fence=99,
        created_at="2020-01-01T00:00:00Z",
    )
    job = Job.objects.get(pk=owner_client.post(URL, body).json()["id"])
    assert (job.status, job.created_by, job.attempt, job.fence) == ("queued", owner, 0, None)
    assert job.created_at.year > 2020


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"gpu_type": "tpu-v9"}, "gpu_type"),
        ({"pricing": "free"}, "pricing"),
        ({"preset": "yolo"}, "preset"),
        ({"dataset_id": "00000000-0000-0000-0000-000000000000"}, "dataset_id"),
        ({"hyperparameters": {"epochs": 0}}, "hyperparameters.epochs"),
        ({"hyperparameters": {"learning_rate": 5}}, "hyperparameters.learning_rate"),
        ({"hyperparameters": {"momentum": 0.9}}, "hyperparameters.momentum"),
        ({"base_model": "../../etc/passwd"}, "base_model"),
        ({"metadata": {"k": {"nested": 1}}}, "metadata.k"),
    ],
)
def test_bad_input_is_400_with_the_field_and_creates_nothing(
    owner_client: Any, dataset: Any, change: dict[str, Any], field: str
) -> None:
    response = owner_client.post(URL, payload(dataset, **change))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"], error
    assert Job.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": "  "}, "name", "Give the job a name."),
        ({"name": "x" * 201}, "name", "Keep the name to 200 characters."),
        (
            {"gpu_type": "tpu-v9"},
            "gpu_type",
            "That GPU type is not offered (any more): choose another.",
        ),
        ({"pricing": "free"}, "pricing", "Choose spot or on-demand pricing."),
        ({"preset": "yolo"}, "preset", "Choose one of the presets."),
        (
            {"dataset_id": "00000000-0000-0000-0000-000000000000"},
            "dataset_id",
            "That dataset does not exist (any more): choose another or upload it again.",
        ),
        (
            {"hyperparameters": {"lora_r": 100000}},
            "hyperparameters.lora_r",
            "Must be between 1 and 1024.",
        ),
        (
            {"hyperparameters": {"lora_alpha": 1e9}},
            "hyperparameters.lora_alpha",
            "Must be between 1 and 4096.",
        ),
        (
            {"hyperparameters": {"lora_dropout": 1.5}},
            "hyperparameters.lora_dropout",
            "Must be between 0 and 0.9.",
        ),
        (
            {"hyperparameters": {"max_grad_norm": 0}},
            "hyperparameters.max_grad_norm",
            "Must be > 0 and <= 100.",
        ),
        (
            {"hyperparameters": {"epochs": "many"}},
            "hyperparameters.epochs",
            "Enter a whole number. Must be between 1 and 100.",
        ),
        (
            {"hyperparameters": {"lr_scheduler": "step"}},
            "hyperparameters.lr_scheduler",
            "Must be cosine or linear.",
        ),
    ],
)
def test_field_errors_are_plain_sentences_with_the_contract_bounds(
    owner_client: Any, dataset: Any, change: dict[str, Any], field: str, message: str
) -> None:
    response = owner_client.post(URL, payload(dataset, **change), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {field: [message]}
    assert Job.objects.count() == 0


def test_invalid_dataset_is_refused_with_its_first_error(owner: Any, owner_client: Any) -> None:
    bad = DatasetFactory(
        uploaded_by=owner, is_valid=False, errors=[{"line": 3, "message": "not valid JSON"}]
    )
    response = owner_client.post(URL, payload(bad))
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["dataset_id"] == ["Line 3: not valid JSON"]
    assert Job.objects.count() == 0


def test_estimate_endpoint_matches_create_without_creating(owner_client: Any, dataset: Any) -> None:
    estimate = owner_client.post(f"{URL}/estimate", payload(dataset)).json()
    assert Job.objects.count() == 0
    created = owner_client.post(URL, payload(dataset)).json()["estimate"]
    assert estimate["total_steps"] == created["total_steps"] == 36
    assert estimate["cost_min"] == created["cost_min"]
    assert estimate["cost_max"] == created["cost_max"]
    assert estimate["tokens_per_second"] > 0


def test_estimate_uses_measured_history_when_available(
    owner: Any, owner_client: Any, dataset: Any
) -> None:
    from tests.factories import sample_for
    from worker.contract.hyperparameters import resolve_hyperparameters

    for tps in (1000.0, 2000.0, 3000.0):
        sample_for(
            base_model="smollm2-135m-instruct",
            hyperparameters=resolve_hyperparameters("balanced", None),
            effective_tokens_per_second=tps,
            stages=(3.0, 6.0, 4.0),
            overhead=1.0,
        )
    estimate = owner_client.post(f"{URL}/estimate", payload(dataset)).json()
    assert estimate["basis"] == "history" and estimate["samples"] == 3
    assert estimate["rough"] is False
    assert estimate["tokens_per_second"] == 2000.0  # the median
    # Training time = 142,104 tokens / 2000 tok/s = 71.05 s, plus the measured fixed stages
    # (preprocessing 3, loading 6, finalization 4) and 1 s of overhead.
    assert estimate["duration_seconds"] == pytest.approx(71.05 + 3 + 6 + 4 + 1, abs=0.1)
    # The band comes from the spread of the three runs, not a fixed ±15%.
    mid = (estimate["cost_min"] + estimate["cost_max"]) / 2
    assert (estimate["cost_max"] - mid) / mid > 0.5


def test_unknown_model_size_has_no_estimate_but_can_still_run(
    owner_client: Any, dataset: Any
) -> None:
    response = owner_client.post(f"{URL}/estimate", payload(dataset, base_model="acme/mystery"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "estimate_unavailable"
    created = owner_client.post(URL, payload(dataset, base_model="acme/mystery")).json()
    assert created["estimate"] is None and created["cost"]["estimate_max"] is None


def test_sub_cent_estimates_keep_their_value(owner_client: Any, dataset: Any) -> None:
    # A tiny model on a cheap GPU costs fractions of a cent: the estimate must not round to $0,
    # or every such job would show as over budget from its first second.
    body = owner_client.post(
        f"{URL}/estimate", payload(dataset, base_model="tiny-random-llama", gpu_type="a10g-24gb")
    ).json()
    assert 0 < body["cost_min"] < body["cost_max"] < 0.01
