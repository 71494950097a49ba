"""The attempt runner with a fake loop against the real API (live server), incl. a flaky proxy."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from backend.jobs.models import Checkpoint, Job, JobStatus, StageRun
from backend.jobs.services import job_cancel
from backend.telemetry.models import Event, MetricPoint
from tests.attempts import attempt_start
from tests.factories import JobFactory, UserFactory
from tests.worker.conftest import wait_for
from tests.worker.fakes import fake_training
from tests.worker.stubs import Seen, Stub, StubServer
from worker.api_client import ApiClient
from worker.runner import execute_job

pytestmark = pytest.mark.django_db(transaction=True)


def _run(url: str, started: Any, run: Any, **kw: Any) -> str:
    client = ApiClient(
        api_url=url,
        job_id=started.job_id,
        token=started.token,
        attempt=started.attempt,
        backoff_base=0.01,
        backoff_cap=0.05,
        retry_budget=10.0,
    )
    return execute_job(
        **started.task_kwargs(url),
        run=run,
        make_config=lambda spec: spec["job"]["hyperparameters"],
        client=client,
        flush_seconds=0.1,
        **kw,
    )


def test_lost_replies_and_5xx_are_retried_without_duplicating_rows(live_server: Any) -> None:
    started = attempt_start(JobFactory())
    # Fail some requests before they reach the API and, worse, some after it stored them.
    plan = {
        ("metrics", 1): "after",
        ("metrics", 2): "before",
        ("events", 1): "after",
        ("events", 2): "after",
        ("checkpoints", 1): "after",
        ("stage", 2): "after",
        ("stage", 4): "before",
        ("complete", 1): "before",
        ("heartbeat", 1): "before",
    }

    hit: set[tuple[str, int]] = set()

    def fail(seen: Seen, n: int) -> str | None:
        key = (seen.path.rsplit("/", 1)[-1], n)
        if key in plan:
            hit.add(key)
        return plan.get(key)

    stub = Stub(target=live_server.url, fail=fail)
    with StubServer(stub) as proxy:
        outcome = _run(proxy, started, fake_training(steps=30, checkpoint_at=10))
    assert outcome == "completed"
    job = Job.objects.get(pk=started.job_id)
    assert job.status == JobStatus.COMPLETED
    steps = list(
        MetricPoint.objects.filter(job=job).order_by("step").values_list("step", flat=True)
    )
    assert steps == list(range(1, 31))
    worker_events = Event.objects.filter(job=job, worker_seq__isnull=False)
    assert sorted(worker_events.values_list("worker_seq", flat=True)) == list(range(1, 31))
    assert Checkpoint.objects.filter(job=job).count() == 1
    assert Event.objects.filter(job=job, type="checkpoint").count() == 1
    # Each stage transition was recorded once, whatever the retries.
    for stage in ("Preprocessing", "Model Loading", "Training", "Finalization"):
        assert Event.objects.filter(job=job, message=f"{stage} started").count() == 1
    assert set(StageRun.objects.filter(job=job).values_list("state", flat=True)) == {"completed"}
    assert hit == set(plan)  # every planned failure really happened
    assert job.adapter_sha256 and job.current_step == 30


def test_a_duplicate_task_message_does_nothing(live_server: Any) -> None:
    started = attempt_start(JobFactory())
    assert _run(live_server.url, started, fake_training(steps=5)) == "completed"
    events = Event.objects.count()
    calls: list[int] = []
    assert _run(live_server.url, started, lambda **kw: calls.append(1)) == "duplicate"
    assert calls == [] and Event.objects.count() == events


def test_a_training_failure_is_reported_with_its_category(live_server: Any) -> None:
    started = attempt_start(JobFactory())
    outcome = _run(live_server.url, started, fake_training(steps=20, fail_at=12))
    assert outcome == "failed:nan_loss"
    job = Job.objects.get(pk=started.job_id)
    assert (job.status, job.error_category, job.error_step) == ("failed", "nan_loss", 12)
    assert MetricPoint.objects.filter(job=job).count() == 11
    # The events queued just before the failure arrived with it.
    assert Event.objects.filter(job=job, message="step 11 done").exists()
    assert StageRun.objects.get(job=job, stage="training").state == "failed"


def test_cancel_reaches_the_loop_and_the_job_ends_cancelled(live_server: Any) -> None:
    started = attempt_start(JobFactory())
    outcome: list[str] = []
    run = fake_training(steps=10_000, checkpoint_at=5, step_seconds=0.01)
    thread = threading.Thread(target=lambda: outcome.append(_run(live_server.url, started, run)))
    thread.start()
    wait_for(lambda: Job.objects.get(pk=started.job_id).current_step >= 20, timeout=20)
    job_cancel(job_id=started.job_id, user=UserFactory(), reason="testing")
    thread.join(timeout=20)
    assert outcome == ["stopped:cancel"]
    job = Job.objects.get(pk=started.job_id)
    assert job.status == JobStatus.CANCELLED
    assert job.current_step < 10_000
    assert MetricPoint.objects.filter(job=job).count() >= 20
    assert Checkpoint.objects.filter(job=job, step=5).exists()
