"""Outgoing webhooks of the team, their deliveries, and who asked to hear when a job ends."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class WebhookEvent(models.TextChoices):
    COMPLETED = "job.completed", "Job completed"
    FAILED = "job.failed", "Job failed"
    CANCELLED = "job.cancelled", "Job cancelled"
    # Fired by any move to `paused` (a user's pause, an anomaly auto-pause or a budget cap).
    PAUSED = "job.paused", "Job paused"
    TEST = "webhook.test", "Test delivery"


# Job status -> the event a move into it fires.
STATUS_EVENTS: dict[str, str] = {
    "completed": WebhookEvent.COMPLETED,
    "failed": WebhookEvent.FAILED,
    "cancelled": WebhookEvent.CANCELLED,
    "paused": WebhookEvent.PAUSED,
}
SUBSCRIBABLE = [e for e in WebhookEvent.values if e != WebhookEvent.TEST]


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class Webhook(models.Model):
    """An endpoint of the team that receives JSON about job outcomes, signed with its secret
    (HMAC-SHA256 over "<timestamp>.<body>", see signing.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=2000)
    # Kept readable: every delivery is signed with it. Shown once to the API (at creation and
    # when rotated), always in admin.
    secret = models.CharField(max_length=100, default=new_secret)
    events = models.JSONField(default=list, help_text="Event names this hook receives.")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # waiting for its (next) try
    SENDING = "sending", "Sending"  # a sender holds it (until lease_until)
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"  # every try failed


class WebhookDelivery(models.Model):
    """One event for one webhook, with every try. `id` goes out as X-Lora-Delivery: receivers
    use it to drop duplicates. Unique per (webhook, dedupe_key), so the same job outcome never
    queues twice."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=32, choices=WebhookEvent.choices)
    dedupe_key = models.CharField(max_length=200)
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.CharField(max_length=1000, blank=True, default="")
    error = models.CharField(max_length=1000, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at",)
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "dedupe_key"], name="delivery_unique_per_hook"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook}"


class JobWatch(models.Model):
    """ "Notify me when this job ends": the browser shows a notification (while the app is open)
    once the job ends or pauses, then marks it notified."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="job_watches"
    )
    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="watches")
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the job ended (or paused) while watched; cleared when the user saw it.
    outcome = models.CharField(max_length=16, blank=True, default="")
    outcome_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(fields=["user", "job"], name="jobwatch_unique_user_job"),
        ]

    def __str__(self) -> str:
        return f"{self.user} watches {self.job_id}"
