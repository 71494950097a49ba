from __future__ import annotations

import hashlib

from django.db import models
from django.utils import timezone


def token_hash(token: str) -> str:
    """How attempt tokens are stored: the dispatcher stores this of the token it issues, and the
    worker API looks the bearer token up by it (only the hash ever reaches the database)."""
    return hashlib.sha256(token.encode()).hexdigest()


class AttemptEnd(models.TextChoices):
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    PAUSED = "paused", "Paused"
    # Ended by the reaper: the lease expired (no heartbeat). A worker still holding this
    # attempt's token gets 409 and must stop.
    LOST = "lost", "Lease lost"


class Attempt(models.Model):
    """One run of a job on a worker, with its slot fence and its bearer token (hashed).

    A token is valid only for its own attempt and only while the attempt is open. Writes with a
    token whose attempt was ended by its own worker get 401; writes from an attempt that lost
    its lease (or was superseded by a newer one) get 409, telling that worker to stop.
    """

    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    fence = models.BigIntegerField()
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=16, choices=AttemptEnd.choices, blank=True)
    worker_host = models.CharField(max_length=200, blank=True)
    resume_step = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("job", "number")
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="attempt_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id} attempt {self.number}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None
