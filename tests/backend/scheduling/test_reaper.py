"""The reaper: lost leases send jobs back to the front of the queue, or fail them."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from backend.jobs.models import (
    Attempt,
    AttemptEnd,
    Checkpoint,
    ErrorCategory,
    Job,
    JobStatus,
    StageRun,
    StageState,
)
from backend.scheduling.dispatch import dispatch_queued
from backend.scheduling.reaper import reap_lost
from backend.scheduling.services import slot_release_for_job, slot_renew_for_job
from backend.scheduling.slots import slot_holders
from backend.telemetry.models import Event
from tests.backend.scheduling.helpers import move, set_limits
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db

TTL = 0.2


@pytest.fixture(autouse=True)
def _short_leases(settings: Any) -> None:
    settings.LORA_LEASE_TTL_SECONDS = TTL
    settings.LORA_PROVISIONING_GRACE_SECONDS = TTL


def _start_training(job: Job, *, step: int, checkpoint: int | None) -> Job:
    """Dispatch `job` and make it look like a worker got `step` steps into training."""
    job.refresh_from_db()
    job = move(
        job,
        JobStatus.RUNNING,
        stage="training",
        current_step=step,
        training_started_at=timezone.now(),
    )
    StageRun.objects.filter(job=job, stage__in=["preprocessing", "model_loading"]).update(
        state=StageState.COMPLETED
    )
    StageRun.objects.filter(job=job, stage="training").update(state=StageState.ACTIVE)
    if checkpoint is not None:
        Checkpoint.objects.create(
            job=job,
            attempt=job.attempt,
            step=checkpoint,
            file=f"c/{job.attempt}-{checkpoint}.pt",
            size_bytes=1,
            sha256="0" * 64,
        )
    return job


def _queue(n: int) -> list[Job]:
    base = timezone.now() - timedelta(minutes=5)
    return [JobFactory(created_at=base + timedelta(seconds=i)) for i in range(n)]


def test_a_lost_worker_sends_the_job_to_the_front_of_the_queue_to_recover(
    django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    set_limits(concurrency_limit=1)
    lost, waiting_1, waiting_2 = _queue(3)
    assert dispatch_queued() == [str(lost.pk)]
    lost = _start_training(lost, step=250, checkpoint=200)
    time.sleep(TTL + 0.1)

    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        assert reap_lost() == [str(lost.pk)]
    lost.refresh_from_db()
    assert lost.status == JobStatus.QUEUED
    assert lost.recovering is True
    assert lost.queue_order < min(waiting_1.queue_order, waiting_2.queue_order)
    attempt = Attempt.objects.get(job=lost, number=1)
    assert attempt.end_reason == AttemptEnd.LOST and attempt.ended_at is not None
    assert StageRun.objects.get(job=lost, stage="training").state == StageState.RECOVERING
    assert Event.objects.filter(
        job=lost, message="Worker lost; will resume from checkpoint at step 200"
    ).exists()
    settings.LORA_PROVISIONING_GRACE_SECONDS = 30.0  # the next attempt's worker is not late
    # Once committed, the slot is released and the dispatcher runs (job_slot_changed): the
    # lost job goes first, before the jobs that were waiting, and resumes from its checkpoint.
    with django_capture_on_commit_callbacks(execute=True):
        for callback in after_commit:
            callback()
    assert reap_lost() == []
    lost.refresh_from_db()
    assert lost.status == JobStatus.PROVISIONING
    assert {h: x.fence for h, x in slot_holders().items()} == {str(lost.pk): lost.fence}
    assert Job.objects.get(pk=waiting_1.pk).status == JobStatus.QUEUED
    assert (lost.attempt, lost.resume_step) == (2, 200)
    assert Attempt.objects.get(job=lost, number=2).resume_step == 200


def test_heartbeats_keep_a_job_alive(settings: Any) -> None:
    # Generous margins: a loaded CI machine may pause this test for a few hundred ms.
    settings.LORA_PROVISIONING_GRACE_SECONDS = 1.0
    settings.LORA_LEASE_TTL_SECONDS = 3.0
    set_limits(concurrency_limit=2)
    alive, dead = _queue(2)
    dispatch_queued()
    alive.refresh_from_db()
    for _ in range(3):
        assert slot_renew_for_job(job=alive)  # what the heartbeat endpoint calls
        time.sleep(0.6)
    assert reap_lost() == [str(dead.pk)]
    alive.refresh_from_db()
    assert alive.status == JobStatus.PROVISIONING and alive.recovering is False


def test_provisioning_gets_a_longer_grace_than_a_heartbeat(settings: Any) -> None:
    settings.LORA_PROVISIONING_GRACE_SECONDS = 5.0
    (job,) = _queue(1)
    dispatch_queued()
    time.sleep(TTL + 0.1)  # longer than a heartbeat lease, shorter than the start-up grace
    assert reap_lost() == []
    assert Job.objects.get(pk=job.pk).status == JobStatus.PROVISIONING


def test_after_max_restarts_the_job_fails_with_worker_lost() -> None:
    set_limits(concurrency_limit=1, max_restarts=2)
    (job,) = _queue(1)
    for attempt in (1, 2, 3):
        assert dispatch_queued() == [str(job.pk)]
        job = _start_training(job, step=10 * attempt, checkpoint=None)
        time.sleep(TTL + 0.1)
        assert reap_lost() == [str(job.pk)]
        job.refresh_from_db()
        if attempt < 3:
            assert job.status == JobStatus.QUEUED and job.recovering
            assert (
                Event.objects.filter(
                    job=job, message="Worker lost; will resume from checkpoint at step 0"
                ).count()
                == attempt
            )
    assert job.status == JobStatus.FAILED
    assert job.error_category == ErrorCategory.WORKER_LOST
    assert job.recovering is False and job.finished_at is not None
    assert job.attempt == 3
    assert (
        list(
            Attempt.objects.filter(job=job).order_by("number").values_list("end_reason", flat=True)
        )
        == [AttemptEnd.LOST] * 3
    )
    assert StageRun.objects.get(job=job, stage="training").state == StageState.FAILED
    assert dispatch_queued() == []


def test_a_cancelling_job_whose_worker_is_lost_ends_cancelled() -> None:
    (job,) = _queue(1)
    dispatch_queued()
    job = move(Job.objects.get(pk=job.pk), JobStatus.CANCELLING)
    time.sleep(TTL + 0.1)
    assert reap_lost() == [str(job.pk)]
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.recovering is False
    assert Attempt.objects.get(job=job).end_reason == AttemptEnd.LOST


def test_a_cancelled_lost_job_ends_its_active_stage_like_any_cancel() -> None:
    # The reaper finalizes through job_cancel_finalize, as a user's or a worker's cancel does.
    (job,) = _queue(1)
    dispatch_queued()
    job = _start_training(job, step=7, checkpoint=None)
    job = move(job, JobStatus.CANCELLING)
    time.sleep(TTL + 0.1)
    assert reap_lost() == [str(job.pk)]
    job.refresh_from_db()
    assert (job.status, job.stage, job.substatus) == (JobStatus.CANCELLED, "", "")
    training = StageRun.objects.get(job=job, stage="training")
    assert training.state == StageState.ACTIVE and training.finished_at == job.finished_at
    last = Event.objects.filter(job=job).order_by("-seq").first()
    assert last is not None and last.payload == {"status": "cancelled", "attempt": job.attempt}
    assert "stopped responding" in last.message


def test_a_job_restarted_with_a_new_fence_is_not_reaped_for_the_old_lease(
    settings: Any,
) -> None:
    (job,) = _queue(1)
    dispatch_queued()
    job.refresh_from_db()
    time.sleep(TTL + 0.1)
    reap_lost()
    settings.LORA_PROVISIONING_GRACE_SECONDS = 30.0
    assert dispatch_queued() == [str(job.pk)]
    job.refresh_from_db()
    assert job.attempt == 2
    assert slot_holders()[str(job.pk)].fence == job.fence
    assert reap_lost() == []


def test_the_worker_api_lease_calls(settings: Any) -> None:
    settings.LORA_LEASE_TTL_SECONDS = 30
    (job,) = _queue(1)
    dispatch_queued()
    job.refresh_from_db()
    stale = Job.objects.get(pk=job.pk)
    assert slot_renew_for_job(job=job) is True
    assert slot_holders()[str(job.pk)].fence == job.fence
    # Still holding a slot: nothing to release.
    assert slot_release_for_job(job_id=job.pk) is False
    # Lost and restarted: the old attempt's view of the job (old fence) cannot renew.
    Job.objects.filter(pk=job.pk).update(fence=None)
    assert slot_renew_for_job(job=Job.objects.get(pk=job.pk)) is False
    move(Job.objects.get(pk=job.pk), JobStatus.FAILED)
    Job.objects.filter(pk=job.pk).update(fence=stale.fence)
    assert slot_release_for_job(job_id=job.pk) is True
    assert slot_renew_for_job(job=stale) is False  # the lease is gone
    assert slot_holders() == {}
