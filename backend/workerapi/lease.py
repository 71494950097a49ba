"""The worker API's view of the slot lease (Redis, owned by backend.scheduling).

Renewal is the worker API's job (on claim and on every heartbeat); release needs nothing here:
the scheduling app releases a job's lease by itself whenever the job leaves a slot
(`job_slot_changed` after commit), with a fence check so a newer attempt's lease is never touched.
"""

from __future__ import annotations

from backend.jobs.models import Job
from backend.scheduling.services import slot_renew_for_job


def lease_renew(*, job: Job) -> bool:
    """Extend the job's lease by LORA_LEASE_TTL_SECONDS; False when it is gone (expired and
    maybe re-granted) or held with another fence: the caller answers 409 `stale_attempt`."""
    return slot_renew_for_job(job=job)
