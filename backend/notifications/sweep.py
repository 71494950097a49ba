"""The periodic sweep (run by the scheduler loop): re-send deliveries whose task message was
lost (a broker restart, a notifier that was down). Only deliveries overdue by more than a grace
period are re-sent, so the regular retry messages are not doubled; a duplicate message would be
harmless anyway (the try is claimed with a conditional UPDATE)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from backend.notifications import tasks
from backend.notifications.models import DeliveryStatus, WebhookDelivery
from backend.notifications.services import deliveries_due

GRACE_SECONDS = 60


def resend_lost_deliveries() -> int:
    """Re-send overdue deliveries; returns how many. Each one's due time moves to now, so it is
    re-sent once per grace period at most, however often the sweep runs."""
    now = timezone.now()
    overdue = deliveries_due(now=now - timedelta(seconds=GRACE_SECONDS))
    WebhookDelivery.objects.filter(pk__in=overdue, status=DeliveryStatus.PENDING).update(
        next_attempt_at=now
    )
    WebhookDelivery.objects.filter(pk__in=overdue, status=DeliveryStatus.SENDING).update(
        lease_until=now
    )
    for delivery_id in overdue:
        tasks.deliver_later(delivery_id, countdown=0.0)
    return len(overdue)
