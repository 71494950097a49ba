"""The dispatcher: start queued jobs, in queue order, while GPU slots are free in their pool.

A job runs only in the pool of its GPU type: it is sent to that type's Celery queue
(`training.<slug>`), which only that type's workers consume, and only while the pool has a free
live worker (its capacity: live workers, optionally capped in admin) and the global concurrency
limit has room. Queue order holds within a pool; a pool that is full or has no worker does not
hold back the jobs of other pools.

Queue order is `queue_order`: priority first, FIFO within a priority, with ageing
(priorities.py). A job whose owner already has their running limit of jobs (quotas.py) is
skipped and does not hold back anyone else's.

Safe to run anywhere and any number of times at once (on job create/finish/cancel, when a worker
comes online, from beat, from `run_scheduler`): the Redis lease script checks the global limit
and the pool's capacity in one atomic step, so neither is ever exceeded; the row lock is what
makes each queued job start at most once, and the owner's row lock is what keeps two
dispatchers from both starting the last job a person's running limit allows.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from backend.accounts.models import User
from backend.config.celery import app as celery_app
from backend.jobs.estimates import estimate_apply, estimate_refresh
from backend.jobs.models import ACTIVE_STATUSES, Attempt, Job, JobStatus
from backend.jobs.models.attempt import token_hash
from backend.jobs.selectors import checkpoint_latest_step
from backend.jobs.transitions import transition
from backend.scheduling.fleet import Pool, pools
from backend.scheduling.models import SchedulerSettings
from backend.scheduling.quotas import limits_for, running_limits_reached
from backend.scheduling.slots import POOL_FULL, slot_admit, slot_release, slots_ensure
from backend.telemetry.services import event_record
from worker.contract.names import RUN_JOB_TASK, pool_queue

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Started:
    job_id: str
    attempt: int
    fence: int
    token: str
    queue: str


@dataclass(frozen=True)
class _OwnerFull:
    """The first queued job's owner is at their running limit (the caller skips them)."""

    user_id: int


# pg_advisory_xact_lock key of the dispatcher's pick-and-admit step ("lora" in ASCII).
_DISPATCH_LOCK = 0x6C6F7261


def _one_dispatcher_at_a_time() -> None:
    """Serialize the pick-and-admit step of racing dispatchers (held until commit).

    Without it priority order would not survive a race: while one dispatcher holds the first
    queued job's row lock, another skips it (skip_locked), takes the next job and may win the
    last slot. SQLite serializes writers anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_DISPATCH_LOCK])


# What _start_next reports when it started nothing.
_GLOBAL_FULL = "global_full"
_NOTHING_QUEUED = "nothing_queued"


def run_job_send(*, job_id: str, attempt: int, token: str, queue: str) -> None:
    """Send the training task to the workers of one pool (by name: they never import Django)."""
    celery_app.send_task(
        RUN_JOB_TASK,
        kwargs={
            "job_id": job_id,
            "attempt": attempt,
            "token": token,
            "api_url": settings.LORA_API_URL,
        },
        queue=queue,
    )


def _send_after_commit(started: Started) -> None:
    try:
        run_job_send(
            job_id=started.job_id,
            attempt=started.attempt,
            token=started.token,
            queue=started.queue,
        )
    except Exception:
        # The job stays provisioning with its lease; without a worker the lease runs out and
        # the reaper puts it back at the front of the queue, so nothing is lost.
        logger.exception("Could not send %s for job %s", RUN_JOB_TASK, started.job_id)


def _owner_full(job: Job, team: SchedulerSettings) -> bool:
    """Whether the job's owner already has their running limit of jobs holding a slot."""
    cap = limits_for(user_id=job.created_by_id, team=team).max_running
    if cap is None:
        return False
    # Lock: two dispatchers starting two jobs of one person at once must not both see the
    # count below the limit. The second waits here, then counts what the first committed.
    User.objects.select_for_update().filter(pk=job.created_by_id).first()
    running = Job.objects.filter(created_by_id=job.created_by_id, status__in=ACTIVE_STATUSES)
    return running.count() >= cap


def _start_next(
    *,
    limit: int,
    open_pools: dict[int, Pool],
    skip_owners: set[int] | None = None,
    team: SchedulerSettings | None = None,
) -> Started | Pool | _OwnerFull | str:
    """Start the first queued job of an open pool if a slot is free.

    Returns what it started, the Pool that turned out to be full (the caller closes it), the
    owner at their running limit (the caller skips their jobs), or _GLOBAL_FULL /
    _NOTHING_QUEUED. Jobs of `skip_owners` are passed over.
    """
    team = team or SchedulerSettings.load()
    fence: int | None = None
    holder = ""
    try:
        with transaction.atomic():
            _one_dispatcher_at_a_time()
            # skip_locked: a job a user is cancelling or promoting right now is skipped (the
            # cancel wins, and that job is simply not started by this run); waiting on its lock
            # and then re-checking would get nothing back (LIMIT 1 is applied before the
            # re-check) and stop this run early.
            job = (
                Job.objects.select_for_update(skip_locked=True)
                .filter(status=JobStatus.QUEUED, gpu_type_id__in=list(open_pools))
                .exclude(created_by_id__in=list(skip_owners or ()))
                .order_by("queue_order", "created_at")
                .first()
            )
            if job is None:
                return _NOTHING_QUEUED
            if _owner_full(job, team):
                return _OwnerFull(job.created_by_id)
            pool = open_pools[job.gpu_type_id]
            holder = str(job.pk)
            result = slot_admit(
                holder=holder,
                limit=limit,
                ttl=settings.LORA_PROVISIONING_GRACE_SECONDS,
                pool=pool.slug,
                pool_limit=pool.capacity,
            )
            if result == POOL_FULL:
                return pool
            if result <= 0:
                return _GLOBAL_FULL
            fence = result
            started = _provision(job, fence=fence, queue=pool_queue(pool.slug))
            transaction.on_commit(lambda: _send_after_commit(started))
    except Exception:
        if fence is not None:
            # The job did not become provisioning: give the slot back at once.
            slot_release(holder=holder, fence=fence)
        raise
    return started


def _provision(job: Job, *, fence: int, queue: str) -> Started:
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
    _refresh_estimate(job)
    message = f"Provisioning a GPU (attempt {job.attempt})"
    if resume_step:
        message += f"; will resume from checkpoint at step {resume_step}"
    event_record(
        job=job,
        type="status",
        message=message,
        payload={"status": JobStatus.PROVISIONING, "attempt": job.attempt, "fence": fence},
    )
    return Started(job_id=str(job.pk), attempt=job.attempt, fence=fence, token=token, queue=queue)


def _refresh_estimate(job: Job) -> None:
    # The pre-launch band: runs measured since the job was created (often the first runs of its
    # combination) make a better estimate than the one it was created with. A resumed attempt
    # keeps its estimate: the budget of a job already under way does not move.
    if job.attempt != 1:
        return
    estimate = estimate_refresh(job)
    if estimate is None:
        return
    job.save(update_fields=estimate_apply(job, estimate))
    event_record(
        job=job,
        type="info",
        message=(
            f"Estimate updated from {estimate.samples} similar run(s): "
            f"${estimate.cost_min} to ${estimate.cost_max}"
        ),
        payload={"estimate": estimate.as_dict()},
    )


def dispatch_queued() -> list[str]:
    """Start queued jobs in (queue_order, created_at) order while their pools have room and
    their owners are under their running limit.

    Returns the ids of the jobs it moved to provisioning. Reads the concurrency limit and the
    live fleet on every run, so an admin's change or a worker coming online applies at once.
    """
    slots_ensure()
    team = SchedulerSettings.load()
    limit = team.concurrency_limit
    # Pools without a live worker are closed from the start; the others close as they fill.
    open_pools = {gpu_id: pool for gpu_id, pool in pools().items() if pool.capacity > 0}
    # People already at their running limit; more join as their jobs start.
    skip_owners = set(running_limits_reached(team))
    started: list[str] = []
    while open_pools:
        item = _start_next(limit=limit, open_pools=open_pools, skip_owners=skip_owners, team=team)
        if isinstance(item, Started):
            started.append(item.job_id)
        elif isinstance(item, Pool):
            del open_pools[item.gpu_type_id]
        elif isinstance(item, _OwnerFull):
            skip_owners.add(item.user_id)
        else:
            break
    if started:
        logger.info("Dispatched %d job(s): %s", len(started), ", ".join(started))
    return started
