"""Start an attempt the way the dispatcher does (shared by the worker API and worker tests).

When the queue's slot module is present the helper also takes a real lease, so heartbeats renew
it as in production; otherwise the worker API's lease adapter is a no-op.
"""

from __future__ import annotations

import importlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max

from backend.jobs.models import Attempt, Checkpoint, Job, JobStatus
from backend.jobs.transitions import lock_job, transition
from backend.workerapi.auth import token_hash

RUN_JOB_TASK = "worker.run_job"
TRAINING_QUEUE = "training"


@dataclass(frozen=True)
class Started:
    job_id: str
    attempt: int
    fence: int
    token: str

    def auth(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}

    def task_kwargs(self, api_url: str) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "attempt": self.attempt,
            "token": self.token,
            "api_url": api_url,
        }


def _lease(job_id: str) -> int | None:
    try:
        slots = importlib.import_module("backend.scheduling.slots")
    except ModuleNotFoundError:
        return None
    fence = slots.slot_acquire(holder=job_id, limit=10_000, ttl=600.0)
    return int(fence) if fence else None


def attempt_start(job: Job | str, *, fence: int | None = None) -> Started:
    """queued -> provisioning with a new Attempt (fence + hashed token), as the dispatcher."""
    job_id = str(job.pk if isinstance(job, Job) else job)
    lease_fence = _lease(job_id)
    with transaction.atomic():
        locked = lock_job(job_id)
        changed = transition(locked, JobStatus.PROVISIONING)
        locked.attempt += 1
        locked.fence = fence or lease_fence or 1000 + locked.attempt
        resume = Checkpoint.objects.filter(job_id=job_id).aggregate(m=Max("step"))["m"] or 0
        locked.resume_step = resume
        locked.save(update_fields=[*changed, "attempt", "fence", "resume_step"])
        token = secrets.token_urlsafe(32)
        Attempt.objects.create(
            job=locked,
            number=locked.attempt,
            fence=locked.fence,
            token_hash=token_hash(token),
            resume_step=resume,
        )
    return Started(job_id=job_id, attempt=locked.attempt, fence=locked.fence, token=token)


def attempt_lose(job: Job | str) -> None:
    """What the reaper does when a lease expires: the running job goes back to the queue."""
    job_id = str(job.pk if isinstance(job, Job) else job)
    with transaction.atomic():
        locked = lock_job(job_id)
        changed = transition(locked, JobStatus.QUEUED)
        locked.recovering = True
        locked.save(update_fields=[*changed, "recovering"])
