"""GET /api/training/jobs/{id}/metrics: history, increments, latest, spike-keeping downsampling."""

from __future__ import annotations

import math
from typing import Any

import pytest

from backend.telemetry.models import MetricPoint
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def job_with_curve() -> Any:
    job = JobFactory()
    rows = []
    for step in range(1, 2001):
        loss = 3.0 * math.exp(-step / 500) + 0.3
        if step == 1234:
            loss = 9.99  # a spike the downsampled curve must keep
        rows.append(
            MetricPoint(
                job=job,
                step=step,
                epoch=step / 1000,
                train_loss=loss,
                val_loss=loss + 0.05 if step % 100 == 0 else None,
                learning_rate=2e-4,
                gpu_utilization=None,
            )
        )
    MetricPoint.objects.bulk_create(rows)
    return job


def get(client: Any, job: Any, **params: Any) -> Any:
    response = client.get(f"/api/training/jobs/{job.pk}/metrics", params)
    assert response.status_code == 200, response.json()
    return response.json()


def test_full_history_in_step_order(owner_client: Any, job_with_curve: Any) -> None:
    body = get(owner_client, job_with_curve)
    assert body["total_points"] == 2000 and body["downsampled"] is False
    steps = [p["step"] for p in body["points"]]
    assert steps == list(range(1, 2001))
    assert body["points"][0]["gpu_utilization"] is None  # CPU host: unknown, not 0


def test_after_step_returns_only_new_points(owner_client: Any, job_with_curve: Any) -> None:
    body = get(owner_client, job_with_curve, after_step=1995)
    assert [p["step"] for p in body["points"]] == [1996, 1997, 1998, 1999, 2000]
    assert body["total_points"] == 5


def test_latest_returns_the_last_point(owner_client: Any, job_with_curve: Any) -> None:
    body = get(owner_client, job_with_curve, latest="true")
    assert [p["step"] for p in body["points"]] == [2000]


def test_downsampling_keeps_bucket_extremes_so_spikes_survive(
    owner_client: Any, job_with_curve: Any
) -> None:
    body = get(owner_client, job_with_curve, max_points=200)
    points = body["points"]
    assert body["downsampled"] is True and body["total_points"] == 2000
    assert 50 <= len(points) <= 200
    steps = [p["step"] for p in points]
    assert steps == sorted(steps) and len(set(steps)) == len(steps)
    assert max(p["train_loss"] for p in points) == 9.99  # the spike at step 1234
    assert 1234 in steps
    assert min(p["train_loss"] for p in points) == pytest.approx(3.0 * math.exp(-4) + 0.3)
    # Validation points are downsampled on their own budget: some are always present.
    assert sum(1 for p in points if p["val_loss"] is not None) >= 10


@pytest.mark.parametrize("query", ["after_step=-1", "max_points=1", "max_points=abc"])
def test_bad_parameters_are_400(owner_client: Any, job_with_curve: Any, query: str) -> None:
    response = owner_client.get(f"/api/training/jobs/{job_with_curve.pk}/metrics?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_sql_and_python_bucket_extremes_agree(job_with_curve: Any) -> None:
    from backend.telemetry.selectors import extremes_python, extremes_sql

    args = (job_with_curve.pk, 37, 5, 1990)
    steps, total = extremes_sql(*args)
    assert (steps, total) == extremes_python(*args)
    assert total == 1986
    # 37 buckets hold two train extremes each (74 steps); the 19 sparse validation points
    # (every 100th step within 5..1990) have fewer than two per bucket, so all are kept.
    assert len(steps) >= 74
    assert set(range(100, 2000, 100)) <= steps
