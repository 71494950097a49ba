"""A job reached an outcome (after commit): queue its webhook deliveries and mark its watchers."""

from __future__ import annotations

import logging
from typing import Any

from backend.common.types import JobId
from backend.notifications.services import deliveries_enqueue, watches_record_outcome

logger = logging.getLogger(__name__)


def on_job_outcome(sender: Any, job_id: JobId, status: str, **kwargs: Any) -> None:
    # Runs after the transition committed; it must never break the request that caused it.
    try:
        watches_record_outcome(job_id=job_id, status=status)
        deliveries_enqueue(job_id=job_id, status=status)
    except Exception:
        logger.exception("Notifications for job %s (%s) failed", job_id, status)
