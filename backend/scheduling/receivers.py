"""Keeps Redis in step with job status changes, so no other code has to remember to.

Whenever a job leaves a slot (completes, fails, is cancelled, paused or re-queued) its lease is
released and the dispatcher runs, so the next queued job starts at once; a newly created job
triggers the dispatcher too, so it starts right away when a slot is free.
"""

from __future__ import annotations

import logging
from typing import Any

from backend.common.types import JobId
from backend.scheduling.dispatch import dispatch_queued
from backend.scheduling.services import slot_release_for_job

logger = logging.getLogger(__name__)


def on_job_slot_changed(sender: Any, job_id: JobId, **kwargs: Any) -> None:
    # Runs after the change committed; it must never break the request that caused it (the
    # periodic dispatcher and reaper catch up on anything missed here).
    try:
        slot_release_for_job(job_id=job_id)
        dispatch_queued()
    except Exception:
        logger.exception("Scheduling after a change to job %s failed", job_id)
