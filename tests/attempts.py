"""Start an attempt the way the dispatcher does (shared by the worker API and worker tests).

The helper takes a real slot lease in Redis (under the test's private key prefix), so claims and
heartbeats renew it exactly as in production. Tests that need the whole path use the real
dispatcher (`backend.scheduling.dispatch.dispatch_queued`) instead.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from backend.jobs.models import Attempt, Job, JobStatus
from backend.jobs.models.attempt import token_hash
from backend.jobs.selectors import checkpoint_latest_step
from backend.jobs.transitions import lock_job, transition
from backend.scheduling.slots import slot_acquire


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


def _lease(job_id: str) -> int:
    fence = slot_acquire(holder=job_id, limit=10_000, ttl=600.0)
    assert fence, "could not take a slot lease"
    return int(fence)


def attempt_start(job: Job | str) -> Started:
    """queued -> provisioning with a new Attempt (fence + hashed token), as the dispatcher."""
    job_id = str(job.pk if isinstance(job, Job) else job)
    fence = _lease(job_id)
    with transaction.atomic():
        locked = lock_job(job_id)
        changed = transition(locked, JobStatus.PROVISIONING)
        locked.attempt += 1
        locked.fence = fence
        resume = checkpoint_latest_step(job_id=job_id)
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
