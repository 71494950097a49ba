"""Submitting jobs against quotas, priorities and monthly budgets; the spend endpoint."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from backend.jobs.models import Job
from backend.scheduling.models import SchedulerSettings, UserQuota
from tests.factories import DatasetFactory, JobFactory

pytestmark = pytest.mark.django_db
URL = "/api/training/jobs"


@pytest.fixture
def dataset(owner: Any) -> Any:
    return DatasetFactory(
        uploaded_by=owner,
        num_examples=100_000,
        total_chars=200_000_000,
        trainable_chars=108_000_000,
    )


def body(dataset: Any, **overrides: Any) -> dict[str, Any]:
    out = {
        "name": "quota test",
        "dataset_id": str(dataset.pk),
        "base_model": "smollm2-135m-instruct",
        "preset": "balanced",
        "gpu_type": "h100-80gb",
        "pricing": "spot",
    }
    out.update(overrides)
    return out


def _team(**fields: Any) -> None:
    SchedulerSettings.load()
    SchedulerSettings.objects.filter(pk=1).update(concurrency_limit=0, **fields)


def test_the_queued_limit_refuses_a_submission_with_the_count(
    owner: Any, owner_client: Any, teammate_client: Any, dataset: Any
) -> None:
    _team(default_max_queued=3)
    UserQuota.objects.create(user=owner, max_queued=2)
    for _ in range(2):
        assert owner_client.post(URL, body(dataset)).status_code == 201
    refused = owner_client.post(URL, body(dataset))
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "quota_exceeded"
    assert error["message"].startswith("You already have 2 queued — your limit is 2.")
    assert Job.objects.filter(created_by=owner).count() == 2
    # The teammate has the team default of 3: not affected by the owner's jobs.
    assert teammate_client.post(URL, body(dataset)).status_code == 201


def test_high_priority_is_for_managers_and_people_allowed_it(
    owner: Any, owner_client: Any, manager_client: Any, dataset: Any
) -> None:
    _team()
    refused = owner_client.post(URL, body(dataset, priority="high"))
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "priority_not_allowed"
    assert refused.json()["error"]["fields"] == {
        "priority": ["You may submit low or normal priority jobs."]
    }
    created = manager_client.post(URL, body(dataset, priority="high"))
    assert created.status_code == 201 and created.json()["priority"] == "high"
    UserQuota.objects.create(user=owner, allow_high_priority=True)
    assert owner_client.post(URL, body(dataset, priority="high")).status_code == 201
    low = owner_client.post(URL, body(dataset, priority="low")).json()
    assert low["priority"] == "low"
    # A low job's place is behind its arrival by the ageing window (default 1800 s).
    job = Job.objects.get(pk=low["id"])
    assert job.queue_order == pytest.approx(job.queued_at.timestamp() + 1800)
    assert low["queue"]["passable_until"] is not None


def test_a_job_over_the_remaining_monthly_budget_is_refused_with_the_figures(
    owner: Any, owner_client: Any, dataset: Any
) -> None:
    _team()
    first = owner_client.post(URL, body(dataset)).json()
    cost_max = Decimal(str(first["estimate"]["cost_max"]))
    assert cost_max > Decimal("0.1")
    # Already spent this month: 1 hour at $2.49 on a finished job.
    JobFactory(created_by=owner, status="completed", billed_seconds=3600.0)
    spent = Decimal("2.49")
    budget = (spent + cost_max + cost_max / 2).quantize(Decimal("0.01"))
    UserQuota.objects.create(user=owner, monthly_budget=budget)
    refused = owner_client.post(URL, body(dataset))
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "budget_exceeded"
    # The first job is still queued: its whole estimate is committed.
    left = (budget - spent - cost_max).quantize(Decimal("0.01"))
    cents = cost_max.quantize(Decimal("0.01"))
    assert error["message"] == (
        f"This job could cost up to ${cents}, more than what is left of your "
        f"{Job.objects.get(pk=first['id']).created_at:%B %Y} budget: ${budget:,.2f} budget - "
        f"$2.49 spent - ${cents} committed to unfinished jobs = ${left:.2f} left."
    )
    # A cap below what is left makes the job fit: it can never cost more than its cap.
    capped = owner_client.post(URL, body(dataset, budget_cap=str(left - Decimal("0.01"))))
    assert capped.status_code == 201, capped.json()
    assert capped.json()["budget_cap"] == float(left - Decimal("0.01"))
    assert capped.json()["budget_action"] == "pause"


def test_the_team_budget_refuses_too(
    owner: Any, teammate: Any, owner_client: Any, dataset: Any
) -> None:
    _team(team_monthly_budget=Decimal("9.96"))
    JobFactory(created_by=teammate, status="completed", billed_seconds=3600.0 * 4)  # $9.96
    refused = owner_client.post(URL, body(dataset))
    assert refused.status_code == 400
    message = refused.json()["error"]["message"]
    assert "more than what is left of the team's" in message
    assert "$9.96 budget - $9.96 spent - $0.00 committed to unfinished jobs = $0.00 left." in (
        message
    )


def test_spend_endpoint_shows_the_month_per_person_and_team(
    owner: Any, teammate: Any, owner_client: Any, anon_client: Any
) -> None:
    _team(team_monthly_budget=Decimal("100.00"), default_max_running=2)
    UserQuota.objects.create(user=owner, monthly_budget=Decimal("20.00"), max_queued=4)
    JobFactory(created_by=owner, status="completed", billed_seconds=3600.0)  # $2.49
    JobFactory(
        created_by=owner, status="queued", est_cost_max=Decimal("1.50"), budget_cap=Decimal("1")
    )
    JobFactory(created_by=teammate, status="completed", billed_seconds=1800.0)  # $1.245
    data = owner_client.get("/api/training/spend").json()
    assert data["team"] == {
        "spent": 3.735,
        "committed": 1.0,
        "budget": 100.0,
        "remaining": 95.265,
        "jobs": 3,
    }
    rows = {row["user"]["username"]: row for row in data["users"]}
    assert rows[owner.username]["month"] == {
        "spent": 2.49,
        "committed": 1.0,
        "budget": 20.0,
        "remaining": 16.51,
        "jobs": 2,
    }
    assert rows[owner.username]["queued"] == 1
    assert (rows[owner.username]["max_running"], rows[owner.username]["max_queued"]) == (2, 4)
    assert rows[teammate.username]["month"]["spent"] == 1.245
    assert data["me"]["user"]["username"] == owner.username
    assert data["me"]["allow_high_priority"] is False
    assert anon_client.get("/api/training/spend").status_code == 401
