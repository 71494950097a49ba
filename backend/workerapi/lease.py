"""The worker API's view of the slot lease (Redis, owned by backend.scheduling).

Adapter kept small on purpose: the queue engineer's `backend.scheduling.slots` does the real
work. While that module is absent (this branch before the merge) renewing is a no-op that
reports success, so the worker API works standalone.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType

from django.conf import settings

logger = logging.getLogger(__name__)


def _slots() -> ModuleType | None:
    try:
        return importlib.import_module("backend.scheduling.slots")
    except ModuleNotFoundError:
        return None


def lease_renew(*, job_id: object, fence: int) -> bool:
    """Extend the job's slot lease by LORA_LEASE_TTL_SECONDS; False when the lease is gone
    (expired and possibly re-granted), which the caller answers with 409 `stale_attempt`."""
    slots = _slots()
    if slots is None:
        return True
    return bool(
        slots.slot_renew(holder=str(job_id), fence=fence, ttl=settings.LORA_LEASE_TTL_SECONDS)
    )


def lease_release(*, job_id: object, fence: int | None) -> None:
    """Give the slot back once the attempt ended (call after commit). Only the lease with this
    fence is removed, so releasing twice, or after a newer attempt took the slot, is harmless."""
    slots = _slots()
    if slots is None or fence is None:
        return
    try:
        slots.slot_release(holder=str(job_id), fence=fence)
    except Exception:  # Redis down: the lease expires on its own within its TTL
        logger.exception("Could not release the slot of job %s", job_id)
