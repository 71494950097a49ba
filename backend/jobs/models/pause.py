from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class PauseSource(models.TextChoices):
    """Who asked for a pause: a person, or the system on its own (anomaly, budget cap)."""

    USER = "user", "User"
    ANOMALY = "anomaly", "Anomaly"
    BUDGET = "budget", "Budget cap"
    SYSTEM = "system", "System"


class PauseState(models.TextChoices):
    # Asked for; the worker stops at its next step boundary (after an upload under way).
    REQUESTED = "requested", "Requested"
    PAUSED = "paused", "Paused"
    RESUMED = "resumed", "Resumed"
    # The paused job was cancelled instead of resumed.
    CANCELLED = "cancelled", "Cancelled"
    # The job completed, failed, was cancelled or lost its worker before it could stop.
    NOT_APPLIED = "not_applied", "Not applied"


class JobPause(models.Model):
    """One pause of a job, from the request to the resume: the pause card and the timeline.

    A job has at most one pause that is `requested` or `paused` at a time (the job row's lock
    orders the writers). Spend and active time are snapshots taken when the worker stopped;
    the paused period runs from `paused_at` to `ended_at` (resume or cancel) and is never billed.
    """

    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="pauses")
    number = models.PositiveIntegerField()
    source = models.CharField(max_length=16, choices=PauseSource.choices)
    state = models.CharField(max_length=16, choices=PauseState.choices)
    # Human text: "Paused by Olivia Owner", "Loss x4.1 at step 1,240; learning rate 5e-4".
    reason = models.CharField(max_length=500, blank=True)
    # For system pauses: what the system saw (anomaly: kind, step, loss, curve, suggestion).
    details = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requested_pauses",
    )
    requested_at = models.DateTimeField(default=timezone.now)
    paused_at = models.DateTimeField(null=True, blank=True)
    # The step of the checkpoint the job resumes from.
    step = models.PositiveIntegerField(null=True, blank=True)
    spend = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    active_seconds = models.FloatField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resumed_pauses",
    )
    resume_gpu_type = models.ForeignKey(
        "jobs.GpuType", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Hyperparameters changed on resume (e.g. a halved learning rate): {name: [old, new]}.
    resume_changes = models.JSONField(default=dict, blank=True)
    # Why a request was not applied (the job finished first, was cancelled, lost its worker).
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ("job", "number")
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="pause_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id} pause {self.number}"
