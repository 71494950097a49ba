"""The dispatcher against the real PostgreSQL and Redis."""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from backend.jobs.models import Attempt, Checkpoint, Job, JobStatus
from backend.jobs.services import job_cancel, job_create
from backend.scheduling import dispatch as dispatch_module
from backend.scheduling.dispatch import dispatch_queued
from backend.scheduling.slots import slot_holders
from backend.telemetry.models import Event
from tests.backend.scheduling.helpers import move, set_limits, statuses
from tests.factories import DatasetFactory, JobFactory, UserFactory


def _queued(n: int) -> list[Job]:
    base = timezone.now() - timedelta(minutes=10)
    return [JobFactory(created_at=base + timedelta(seconds=i)) for i in range(n)]


@pytest.mark.django_db
def test_dispatch_starts_jobs_in_queue_order_up_to_the_limit(
    django_capture_on_commit_callbacks: Any, sent_tasks: list[dict[str, Any]], settings: Any
) -> None:
    set_limits(concurrency_limit=3)
    jobs = _queued(5)
    with django_capture_on_commit_callbacks(execute=True):
        started = dispatch_queued()
    assert started == [str(j.pk) for j in jobs[:3]]

    holders = slot_holders()
    for job in jobs[:3]:
        job.refresh_from_db()
        assert job.status == JobStatus.PROVISIONING
        assert job.attempt == 1
        assert holders[str(job.pk)].fence == job.fence
        attempt = Attempt.objects.get(job=job)
        assert (attempt.number, attempt.fence, attempt.resume_step) == (1, job.fence, 0)
        assert Event.objects.filter(job=job, message="Provisioning a GPU (attempt 1)").exists()
    assert [Job.objects.get(pk=j.pk).status for j in jobs[3:]] == [JobStatus.QUEUED] * 2

    # One message per start, carrying the token whose hash the attempt stores.
    assert [t["job_id"] for t in sent_tasks] == started
    for task in sent_tasks:
        attempt = Attempt.objects.get(job_id=task["job_id"])
        assert task["attempt"] == 1
        assert hashlib.sha256(task["token"].encode()).hexdigest() == attempt.token_hash
        assert task["api_url"] == settings.LORA_API_URL
    # Nothing more fits: a second run (e.g. a duplicate trigger) starts nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert dispatch_queued() == []
    assert Attempt.objects.count() == 3 and len(sent_tasks) == 3


@pytest.mark.django_db
def test_the_task_is_sent_only_after_commit(
    django_capture_on_commit_callbacks: Any, sent_tasks: list[dict[str, Any]]
) -> None:
    _queued(1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dispatch_queued()
    assert sent_tasks == []
    for callback in callbacks:
        callback()
    assert len(sent_tasks) == 1


@pytest.mark.django_db
def test_a_recovering_job_resumes_from_its_latest_checkpoint() -> None:
    job = JobFactory(attempt=1, recovering=True)
    for step in (100, 200):
        Checkpoint.objects.create(
            job=job, attempt=1, step=step, file=f"c/{step}.pt", size_bytes=1, sha256="0" * 64
        )
    dispatch_queued()
    job.refresh_from_db()
    assert job.attempt == 2 and job.resume_step == 200
    assert Attempt.objects.get(job=job, number=2).resume_step == 200
    assert Event.objects.filter(
        job=job, message="Provisioning a GPU (attempt 2); will resume from checkpoint at step 200"
    ).exists()


@pytest.mark.django_db
def test_a_failed_start_gives_the_slot_back(monkeypatch: pytest.MonkeyPatch) -> None:
    job = JobFactory()

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(dispatch_module, "_provision", boom)
    with pytest.raises(RuntimeError):
        dispatch_queued()
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert slot_holders(include_expired=True) == {}


@pytest.mark.django_db
def test_the_limit_is_read_on_every_run() -> None:
    _queued(4)
    set_limits(concurrency_limit=1)
    assert len(dispatch_queued()) == 1
    set_limits(concurrency_limit=3)
    assert len(dispatch_queued()) == 2
    assert statuses() == {JobStatus.PROVISIONING: 3, JobStatus.QUEUED: 1}


@pytest.mark.django_db
def test_a_cancelled_queued_job_never_starts(
    django_capture_on_commit_callbacks: Any, sent_tasks: list[dict[str, Any]]
) -> None:
    user = UserFactory()
    first, second = _queued(2)
    job_cancel(job_id=first.pk, user=user, reason="testing")
    with django_capture_on_commit_callbacks(execute=True):
        started = dispatch_queued()
        started += dispatch_queued()  # a late or repeated trigger changes nothing
    assert started == [str(second.pk)]
    first.refresh_from_db()
    assert first.status == JobStatus.CANCELLED and first.attempt == 0
    assert not Attempt.objects.filter(job=first).exists()
    assert [t["job_id"] for t in sent_tasks] == [str(second.pk)]
    assert str(first.pk) not in slot_holders()


def _run_concurrently(n: int, target: Any) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            value = target()
            with lock:
                results.append(value)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_many_concurrent_dispatchers_never_start_more_than_n(
    sent_tasks: list[dict[str, Any]],
) -> None:
    set_limits(concurrency_limit=3)
    jobs = _queued(12)
    for _round in range(3):
        results = _run_concurrently(12, dispatch_queued)
        started = [job_id for run in results for job_id in run]
        assert len(started) == len(set(started))
        counts = statuses()
        assert counts.get(JobStatus.PROVISIONING, 0) == 3
        assert len(slot_holders()) == 3
        assert Attempt.objects.filter(ended_at__isnull=True).count() == 3
        # A finished job frees its slot: the signal releases the lease and dispatches the next.
        oldest = Job.objects.filter(status=JobStatus.PROVISIONING).order_by("queue_order")[0]
        move(oldest, JobStatus.RUNNING)
        move(oldest, JobStatus.COMPLETED)
        assert statuses().get(JobStatus.PROVISIONING, 0) + statuses().get(JobStatus.RUNNING, 0) == 3
    # Queue order was respected: the first six by creation were started.
    begun = set(Job.objects.exclude(status=JobStatus.QUEUED).values_list("pk", flat=True))
    assert begun == {j.pk for j in jobs[:6]}
    assert len(sent_tasks) == 6
    assert Attempt.objects.count() == 6


@pytest.mark.django_db(transaction=True)
def test_a_job_created_while_a_slot_is_free_starts_within_a_second(
    sent_tasks: list[dict[str, Any]], h100: Any
) -> None:
    set_limits(concurrency_limit=1)
    user = UserFactory()
    began = time.monotonic()
    job = job_create(
        created_by=user,
        name="starts at once",
        dataset=DatasetFactory(uploaded_by=user),
        base_model="tiny-random-llama",
        preset="balanced",
        gpu_type=h100,
        pricing="spot",
    )
    while Job.objects.get(pk=job.pk).status == JobStatus.QUEUED:
        assert time.monotonic() - began < 1.0, "the job did not start within a second"
        time.sleep(0.02)
    assert time.monotonic() - began < 1.0
    assert Job.objects.get(pk=job.pk).status == JobStatus.PROVISIONING
    assert [t["job_id"] for t in sent_tasks] == [str(job.pk)]

    # The slot is now taken: the next job waits, and starts once the first is cancelled.
    second = job_create(
        created_by=user,
        name="waits",
        dataset=DatasetFactory(uploaded_by=user),
        base_model="tiny-random-llama",
        preset="balanced",
        gpu_type=h100,
        pricing="spot",
    )
    assert Job.objects.get(pk=second.pk).status == JobStatus.QUEUED
    job_cancel(job_id=job.pk, user=user, reason="testing")  # provisioning -> cancelling
    assert Job.objects.get(pk=second.pk).status == JobStatus.QUEUED  # still holds the slot
    move(Job.objects.get(pk=job.pk), JobStatus.CANCELLED)
    assert Job.objects.get(pk=second.pk).status == JobStatus.PROVISIONING
    assert list(slot_holders()) == [str(second.pk)]
