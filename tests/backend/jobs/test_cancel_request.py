"""The cancel request is one step (`cancel_request_record`) shared by a person's cancel and a
job's own budget cap with the "stop" action: both leave the same fields on the job."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from backend.jobs.budget_caps import job_budget_cap_check
from backend.jobs.cancelling import cancel_request_record
from backend.jobs.models import BudgetAction, Job, JobStatus
from backend.jobs.transitions import lock_job
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db

REQUEST_FIELDS = ["cancel_reason", "cancel_notes", "cancelled_by", "cancel_requested_at"]


def test_cancel_request_record_writes_and_names_the_request_fields(owner: Any) -> None:
    job = JobFactory(created_by=owner, status=JobStatus.RUNNING, stage="training")
    now = timezone.now()
    fields = cancel_request_record(job=job, reason="testing", notes="wrong data", by=owner, now=now)
    assert fields == REQUEST_FIELDS
    job.save(update_fields=fields)
    job.refresh_from_db()
    assert (job.cancel_reason, job.cancel_notes, job.cancelled_by, job.cancel_requested_at) == (
        "testing",
        "wrong data",
        owner,
        now,
    )


def test_budget_cap_stop_records_the_same_request_as_a_user_cancel(owner: Any) -> None:
    job = JobFactory(
        created_by=owner,
        status=JobStatus.RUNNING,
        stage="training",
        budget_cap=Decimal("5"),
        budget_action=BudgetAction.STOP,
        final_cost=Decimal("5.10"),
        current_step=40,
    )
    now = timezone.now()
    with transaction.atomic():
        locked = lock_job(job.pk)
        changed = job_budget_cap_check(job=locked, spent_before=Decimal("4.90"), now=now)
        locked.save(update_fields=changed)
    # Every request field is reported to the caller, who saves them with the status change.
    assert set(REQUEST_FIELDS) <= set(changed)
    job = Job.objects.get(pk=job.pk)
    assert job.status == JobStatus.CANCELLING
    assert job.cancel_reason == "cost_too_high"
    assert job.cancel_notes == "Budget cap of $5.00 reached ($5.10 spent)"
    assert job.cancelled_by is None  # the system stopped it, not a person
    assert job.cancel_requested_at == now
