"""A job's own budget cap pauses (or stops) a real tiny-model run at a checkpoint: the real
runner and training loop in this process against the live API."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from backend.jobs.models import Checkpoint, Job, JobStatus
from backend.jobs.models.pause import JobPause
from backend.telemetry.models import Event
from tests.attempts import attempt_start
from tests.worker.conftest import wait_for
from tests.worker.live_jobs import live_job, tiny_hyperparameters
from worker.api_client import ApiClient
from worker.runner import execute_job

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("redis_prefix", "sent_tasks"),
]


def _run_capped(live_server: Any, settings: Any, action: str) -> tuple[str, Job]:
    settings.LORA_HEARTBEAT_SECONDS = 0.3
    # far more steps than the cap pays for
    job = live_job(hyperparameters=tiny_hyperparameters(epochs=100))
    # $3,600 an hour is a dollar a second. The cap is set once training runs (the seconds of
    # preprocessing and model loading vary with the machine's load): $2 beyond the spend then.
    Job.objects.filter(pk=job.pk).update(hourly_rate=Decimal("3600"), budget_action=action)
    started = attempt_start(job)
    client = ApiClient(
        api_url=live_server.url,
        job_id=started.job_id,
        token=started.token,
        attempt=started.attempt,
        backoff_base=0.01,
        backoff_cap=0.05,
        retry_budget=10.0,
    )
    outcomes: list[str] = []

    def work() -> None:
        try:
            outcomes.append(
                execute_job(
                    **started.task_kwargs(live_server.url), client=client, flush_seconds=0.2
                )
            )
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    running = wait_for(
        lambda: (j := Job.objects.get(pk=job.pk)).current_step >= 3 and j, timeout=120
    )
    cap = (running.spend_at(timezone.now()) + Decimal("2")).quantize(Decimal("0.01"))
    Job.objects.filter(pk=job.pk).update(budget_cap=cap)
    thread.join(timeout=120)
    assert outcomes, "the run did not end"
    return outcomes[0], Job.objects.get(pk=job.pk)


def _cap_event(job: Job, verb: str) -> Event:
    assert job.budget_cap is not None
    event = Event.objects.get(job=job, message__startswith=f"Budget cap of ${job.budget_cap:.2f}")
    assert f": {verb} at the next step after step" in event.message
    return event


def test_a_pause_cap_pauses_the_run_at_a_checkpoint(live_server: Any, settings: Any) -> None:
    outcome, job = _run_capped(live_server, settings, "pause")
    assert outcome == "stopped:pause"
    assert job.status == JobStatus.PAUSED
    assert 0 < job.current_step < job.total_steps
    # The resume point is a checkpoint of the step it stopped at.
    assert Checkpoint.objects.filter(job=job, step=job.current_step).exists()
    event = _cap_event(job, "pausing")
    assert event.payload["budget_action"] == "pause"
    assert event.payload["spent"] >= float(job.budget_cap or 0)
    assert job.spend_at(job.updated_at) >= job.budget_cap
    assert Event.objects.filter(job=job, message__contains="Training paused at step").exists()
    # Through the pause service: one budget pause, settled as paused at the stop step.
    (pause,) = JobPause.objects.filter(job=job)
    assert (pause.source, pause.state, pause.step) == ("budget", "paused", job.current_step)
    assert pause.reason.startswith(f"Budget cap of ${job.budget_cap:.2f} reached ($")


def test_a_stop_cap_stops_the_run_at_a_checkpoint(live_server: Any, settings: Any) -> None:
    outcome, job = _run_capped(live_server, settings, "stop")
    assert outcome == "stopped:cancel"
    assert job.status == JobStatus.CANCELLED
    assert job.cancel_reason == "cost_too_high"
    assert job.cancel_notes.startswith(f"Budget cap of ${job.budget_cap:.2f} reached")
    assert 0 < job.current_step < job.total_steps
    assert Checkpoint.objects.filter(job=job, step=job.current_step).exists()
    _cap_event(job, "stopping")
