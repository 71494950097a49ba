"""The delivery task (Django-side Celery app, queue `notifications`): ids in, one try out.

A failed try schedules the next one itself (`countdown` = the back-off); the scheduler's sweep
re-sends deliveries whose message was lost, so a delivery is late at worst, never forgotten.
"""

from __future__ import annotations

import uuid

from celery import shared_task

from backend.config.celery import app as celery_app
from backend.notifications.services import delivery_attempt

DELIVER_TASK = "notifications.deliver"
NOTIFICATIONS_QUEUE = "notifications"


def deliver_later(delivery_id: uuid.UUID | str, *, countdown: float) -> None:
    """Send the delivery task (callers do it on commit: the row must be visible)."""
    celery_app.send_task(
        DELIVER_TASK,
        args=[str(delivery_id)],
        countdown=max(countdown, 0.0),
        queue=NOTIFICATIONS_QUEUE,
    )


@shared_task(name=DELIVER_TASK, ignore_result=True)
def deliver_task(delivery_id: str) -> str:
    result = delivery_attempt(delivery_id=uuid.UUID(delivery_id))
    if result.retry_in is not None:
        deliver_later(delivery_id, countdown=result.retry_in)
    return result.status or "skipped"
