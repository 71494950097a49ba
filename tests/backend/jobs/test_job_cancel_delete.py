"""Cancel and delete: who may, from which states, and what happens."""

from __future__ import annotations

from typing import Any

import pytest

from backend.jobs.models import Job, JobStatus
from backend.telemetry.models import Event
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def cancel(client: Any, job: Any, **body: Any) -> Any:
    return client.post(f"/api/training/jobs/{job.pk}/cancel", body or {"reason": "cost_too_high"})


def test_queued_job_is_cancelled_at_once(owner: Any, owner_client: Any) -> None:
    job = JobFactory(created_by=owner, status=JobStatus.QUEUED)
    response = cancel(owner_client, job, reason="testing", notes="wrong dataset")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["cancel"]["reason"] == "testing" and body["cancel"]["notes"] == "wrong dataset"
    assert body["cancel"]["cancelled_by"]["username"] == "olivia"
    assert body["cancel"]["cancelled_at"] is not None
    job.refresh_from_db()
    assert job.finished_at is not None and job.billed_seconds == 0
    event = Event.objects.filter(job=job).latest("seq")
    assert event.message == "Cancelled by Olivia Owner: Testing"


def test_running_job_goes_to_cancelling_and_repeating_is_harmless(
    owner: Any, owner_client: Any
) -> None:
    job = JobFactory(created_by=owner, status=JobStatus.RUNNING, stage="training")
    assert cancel(owner_client, job).json()["status"] == "cancelling"
    events = Event.objects.filter(job=job).count()
    again = cancel(owner_client, job, reason="other", notes="changed my mind")
    assert again.status_code == 200 and again.json()["status"] == "cancelling"
    assert Event.objects.filter(job=job).count() == events  # nothing recorded twice
    job.refresh_from_db()
    assert job.cancel_reason == "cost_too_high"


@pytest.mark.parametrize("status", ["completed", "failed"])
def test_finished_job_cannot_be_cancelled(owner: Any, owner_client: Any, status: str) -> None:
    job = JobFactory(created_by=owner, status=status)
    response = cancel(owner_client, job)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    job.refresh_from_db()
    assert job.status == status and job.cancel_reason == ""


def test_teammate_cannot_cancel_but_a_manager_can(
    owner: Any, teammate_client: Any, manager_client: Any
) -> None:
    job = JobFactory(created_by=owner, status=JobStatus.RUNNING)
    denied = cancel(teammate_client, job)
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "permission_denied"
    assert Job.objects.get(pk=job.pk).status == "running"
    assert cancel(manager_client, job).json()["status"] == "cancelling"


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "reason"), ({"reason": "bored"}, "reason"), ({"reason": "removed_from_queue"}, "reason")],
)
def test_reason_is_required_and_checked(
    owner: Any, owner_client: Any, body: dict[str, str], field: str
) -> None:
    job = JobFactory(created_by=owner, status=JobStatus.RUNNING)
    response = owner_client.post(f"/api/training/jobs/{job.pk}/cancel", body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert Job.objects.get(pk=job.pk).status == "running"


@pytest.mark.parametrize("notes", [None, "", "   \n "])
def test_reason_other_needs_a_note(owner: Any, owner_client: Any, notes: str | None) -> None:
    job = JobFactory(created_by=owner, status=JobStatus.RUNNING)
    body = {"reason": "other"} if notes is None else {"reason": "other", "notes": notes}
    response = owner_client.post(f"/api/training/jobs/{job.pk}/cancel", body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"] == {
        "notes": ['Say why you are cancelling: the reason "Other" needs a note.']
    }
    assert Job.objects.get(pk=job.pk).status == "running"
    # With a note it goes through, and the note is kept as written (trimmed).
    ok = cancel(owner_client, job, reason="other", notes="  dataset was the wrong version ")
    assert ok.status_code == 200 and ok.json()["cancel"]["notes"] == "dataset was the wrong version"


def test_other_reasons_need_no_note_and_notes_stop_at_2000(owner: Any, owner_client: Any) -> None:
    job = JobFactory(created_by=owner, status=JobStatus.RUNNING)
    too_long = cancel(owner_client, job, reason="testing", notes="x" * 2001)
    assert too_long.status_code == 400 and "notes" in too_long.json()["error"]["fields"]
    response = cancel(owner_client, job, reason="testing", notes="x" * 2000)
    assert response.status_code == 200 and len(response.json()["cancel"]["notes"]) == 2000


def test_anonymous_cannot_cancel(anon_client: Any) -> None:
    job = JobFactory(status=JobStatus.RUNNING)
    assert cancel(anon_client, job).status_code in (401, 403)
    assert Job.objects.get(pk=job.pk).status == "running"


def test_delete_finished_job_removes_it(owner: Any, owner_client: Any) -> None:
    job = JobFactory(created_by=owner, status=JobStatus.COMPLETED)
    assert owner_client.delete(f"/api/training/jobs/{job.pk}").status_code == 204
    assert not Job.objects.filter(pk=job.pk).exists()


@pytest.mark.parametrize("status", ["queued", "running", "cancelling"])
def test_active_job_cannot_be_deleted(owner: Any, owner_client: Any, status: str) -> None:
    job = JobFactory(created_by=owner, status=status)
    response = owner_client.delete(f"/api/training/jobs/{job.pk}")
    assert response.status_code == 409
    assert Job.objects.filter(pk=job.pk).exists()


def test_teammate_cannot_delete(owner: Any, teammate_client: Any, manager_client: Any) -> None:
    job = JobFactory(created_by=owner, status=JobStatus.FAILED)
    assert teammate_client.delete(f"/api/training/jobs/{job.pk}").status_code == 403
    assert manager_client.delete(f"/api/training/jobs/{job.pk}").status_code == 204
