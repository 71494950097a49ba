"""GET /api/training/jobs/compare: 2 to 5 runs side by side."""

from __future__ import annotations

from typing import Any

import pytest

from backend.telemetry.models import MetricPoint
from tests.factories import DatasetFactory, JobFactory
from worker.contract.hyperparameters import resolve_hyperparameters

pytestmark = pytest.mark.django_db

URL = "/api/training/jobs/compare"


def _points(job: Any, losses: list[tuple[int, float | None, float | None]], **extra: Any) -> None:
    MetricPoint.objects.bulk_create(
        MetricPoint(job=job, step=s, train_loss=t, val_loss=v, **extra) for s, t, v in losses
    )


@pytest.fixture
def runs() -> list[Any]:
    dataset = DatasetFactory(name="support-chats")
    base = resolve_hyperparameters("balanced", None)
    a = JobFactory(
        name="lr-low",
        dataset=dataset,
        hyperparameters={**base, "learning_rate": 1e-4},
        status="completed",
        est_total_tokens=10_000,
        est_total_steps=100,
        latest_metrics={"step": 20, "train_loss": 1.5, "val_loss": 1.7},
    )
    b = JobFactory(
        name="lr-high",
        dataset=dataset,
        hyperparameters={**base, "learning_rate": 3e-4, "lora_r": base["lora_r"] * 2},
        status="running",
        latest_metrics={"step": 10, "train_loss": 1.2, "val_loss": None},
    )
    _points(a, [(0, None, 2.5), (10, 2.0, 1.6), (20, 1.5, 1.7)], tokens_per_second=100.0)
    _points(b, [(0, None, 2.4), (10, 1.2, None)], tokens_per_second=300.0)
    return [a, b]


def test_curves_finals_and_what_differs(owner_client: Any, runs: list[Any]) -> None:
    a, b = runs
    r = owner_client.get(URL, {"jobs": f"{b.pk},{a.pk}"})
    assert r.status_code == 200
    body = r.json()
    assert body["differing"] == ["learning_rate", "lora_r"]
    first, second = body["runs"]
    assert (first["name"], second["name"]) == ("lr-high", "lr-low")  # the order asked for
    assert [(p["step"], p["train_loss"], p["val_loss"]) for p in second["points"]] == [
        (0, None, 2.5),
        (10, 2.0, 1.6),
        (20, 1.5, 1.7),
    ]
    # 10,000 tokens over 100 steps: 100 tokens a step.
    assert [p["tokens_seen"] for p in second["points"]] == [0, 1000, 2000]
    assert second["tokens_per_step"] == 100.0
    assert all(p["tokens_seen"] is None for p in first["points"])  # no estimate: not invented
    assert second["final"] == {
        **second["final"],
        "step": 20,
        "train_loss": 1.5,
        "val_loss": 1.7,
        "best_val_loss": 1.6,
        "mean_tokens_per_second": 100.0,
        "peak_gpu_memory_mb": None,
    }
    assert first["final"]["val_loss"] is None and first["final"]["best_val_loss"] == 2.4
    assert second["config"]["dataset"] == "support-chats"
    assert second["config"]["learning_rate"] == 1e-4 and first["config"]["learning_rate"] == 3e-4


def test_same_config_differs_in_nothing(owner_client: Any) -> None:
    a, b = JobFactory(), JobFactory()
    a.dataset = b.dataset
    a.save()
    body = owner_client.get(URL, {"jobs": f"{a.pk},{b.pk}"}).json()
    assert body["differing"] == []
    assert [r["points"] for r in body["runs"]] == [[], []]


@pytest.mark.parametrize(
    ("jobs", "problem"),
    [
        ("", "jobs"),
        ("not-a-uuid,also-not", "not a job id"),
        ("{a}", "2 to 5"),
        ("{a},{a}", "2 to 5"),  # the same job twice is one job
        (" {a} , {b} ,", None),  # spaces and a trailing comma are fine
    ],
)
def test_bad_job_lists_are_400(owner_client: Any, runs: list[Any], jobs: str, problem: Any) -> None:
    a, b = runs
    r = owner_client.get(URL, {"jobs": jobs.format(a=a.pk, b=b.pk)})
    if problem is None:
        assert r.status_code == 200
        return
    assert r.status_code == 400
    fields = r.json()["error"]["fields"]
    assert list(fields) == ["jobs"]
    assert problem in " ".join(fields["jobs"]) or problem == "jobs"


def test_more_than_five_is_400(owner_client: Any) -> None:
    ids = ",".join(str(JobFactory().pk) for _ in range(6))
    r = owner_client.get(URL, {"jobs": ids})
    assert r.status_code == 400 and "2 to 5" in r.json()["error"]["fields"]["jobs"][0]


def test_a_missing_job_is_404(owner_client: Any, runs: list[Any]) -> None:
    r = owner_client.get(URL, {"jobs": f"{runs[0].pk},00000000-0000-0000-0000-000000000000"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_everyone_signed_in_may_compare_anonymous_may_not(
    teammate_client: Any, manager_client: Any, anon_client: Any, runs: list[Any]
) -> None:
    q = {"jobs": f"{runs[0].pk},{runs[1].pk}"}
    assert teammate_client.get(URL, q).status_code == 200
    assert manager_client.get(URL, q).status_code == 200
    assert anon_client.get(URL, q).status_code in (401, 403)
