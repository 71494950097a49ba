"""The dispatcher: start queued jobs, in queue order, while GPU slots are free.

Safe to run anywhere and any number of times at once (on job create/finish/cancel, from beat,
from `run_scheduler`): the Redis lease is what admits a job, so N is never exceeded; the row lock
is what makes each queued job start at most once.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from backend.config.celery import app as celery_app
from backend.jobs.models import Attempt, Job, JobStatus
from backend.jobs.models.attempt import token_hash
from backend.jobs.selectors import checkpoint_latest_step
from backend.jobs.transitions import transition
from backend.scheduling.models import SchedulerSettings
from backend.scheduling.slots import slot_acquire, slot_release, slots_ensure
from backend.telemetry.services import event_record
from worker.contract.names import RUN_JOB_TASK, TRAINING_QUEUE

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Started:
    job_id: str
    attempt: int
    fence: int
    token: str


def run_job_send(*, job_id: str, attempt: int, token: str) -> None:
    """Send the training task to the GPU workers (by name: they never import Django)."""
    celery_app.send_task(
        RUN_JOB_TASK,
        kwargs={
            "job_id": job_id,
            "attempt": attempt,
            "token": token,
            "api_url": settings.LORA_API_URL,
        },
        queue=TRAINING_QUEUE,
    )


def _send_after_commit(started: Started) -> None:
    try:
        run_job_send(job_id=started.job_id, attempt=started.attempt, token=started.token)
    except Exception:
        # The job stays provisioning with its lease; without a worker the lease runs out and
        # the reaper puts it back at the front of the queue, so nothing is lost.
        logger.exception("Could not send %s for job %s", RUN_JOB_TASK, started.job_id)


def _start_next(*, limit: int) -> Started | None:
    """Start the first queued job if a slot is free; None when the queue or the slots are done."""
    fence: int | None = None
    holder = ""
    try:
        with transaction.atomic():
            # skip_locked: two dispatchers racing must not both pick the first queued job.
            # Without it the second would wait on the first's lock and then, with the row no
            # longer queued, get nothing back (LIMIT 1 is applied before the re-check) and stop
            # early. It also skips a job a user is cancelling or promoting right now: the cancel
            # wins, and that job is simply not started by this run.
            job = (
                Job.objects.select_for_update(skip_locked=True)
                .filter(status=JobStatus.QUEUED)
                .order_by("queue_order", "created_at")
                .first()
            )
            if job is None:
                return None
            holder = str(job.pk)
            fence = slot_acquire(
                holder=holder, limit=limit, ttl=settings.LORA_PROVISIONING_GRACE_SECONDS
            )
            if fence is None:
                return None
            started = _provision(job, fence=fence)
            transaction.on_commit(lambda: _send_after_commit(started))
    except Exception:
        if fence is not None:
            # The job did not become provisioning: give the slot back at once.
            slot_release(holder=holder, fence=fence)
        raise
    return started


def _provision(job: Job, *, fence: int) -> Started:
    changed = transition(job, JobStatus.PROVISIONING)
    job.attempt += 1
    job.fence = fence
    job.heartbeat_at = None
    resume_step = checkpoint_latest_step(job_id=job.pk)
    job.resume_step = resume_step
    job.substatus = "Waiting for a GPU worker"
    changed += ["attempt", "fence", "heartbeat_at", "resume_step", "substatus"]
    job.save(update_fields=changed)
    token = secrets.token_urlsafe(32)
    Attempt.objects.create(
        job=job,
        number=job.attempt,
        fence=fence,
        token_hash=token_hash(token),
        resume_step=resume_step,
    )
    message = f"Provisioning a GPU (attempt {job.attempt})"
    if resume_step:
        message += f"; will resume from checkpoint at step {resume_step}"
    event_record(
        job=job,
        type="status",
        message=message,
        payload={"status": JobStatus.PROVISIONING, "attempt": job.attempt, "fence": fence},
    )
    return Started(job_id=str(job.pk), attempt=job.attempt, fence=fence, token=token)


def dispatch_queued() -> list[str]:
    """Start queued jobs in (queue_order, created_at) order while slots are free.

    Returns the ids of the jobs it moved to provisioning. Reads the concurrency limit from
    SchedulerSettings on every run, so an admin's change applies at the next dispatch.
    """
    slots_ensure()
    limit = SchedulerSettings.load().concurrency_limit
    started: list[str] = []
    while (item := _start_next(limit=limit)) is not None:
        started.append(item.job_id)
    if started:
        logger.info("Dispatched %d job(s): %s", len(started), ", ".join(started))
    return started
