"""Read-side queries for webhooks, deliveries and a user's job notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from backend.accounts.models import User
from backend.notifications.models import JobWatch, Webhook, WebhookDelivery


def webhooks_list() -> QuerySet[Webhook]:
    return Webhook.objects.order_by("-created_at")


def deliveries_for_webhook(*, webhook: Webhook) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(webhook=webhook).order_by("-created_at")


def notifications_pending(*, user: User) -> QuerySet[JobWatch]:
    """Watched jobs with an outcome the user has not been shown yet, oldest outcome first."""
    return (
        JobWatch.objects.filter(user=user, outcome_at__isnull=False, notified_at__isnull=True)
        .select_related("job")
        .order_by("outcome_at")
    )


def watching_ids(*, user: User) -> list[str]:
    return [
        str(pk)
        for pk in JobWatch.objects.filter(user=user, outcome_at__isnull=True).values_list(
            "job_id", flat=True
        )
    ]
