from __future__ import annotations

from django.db import models

from backend.jobs.models.job import Stage


class StageState(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    RECOVERING = "recovering", "Recovering"


STAGE_ORDER: tuple[str, ...] = tuple(Stage.values)


class StageRun(models.Model):
    """One of the four stages of a job: created pending with the job, updated as it runs."""

    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(max_length=16, choices=Stage.choices)
    position = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=16, choices=StageState.choices, default=StageState.PENDING)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    substatus = models.CharField(max_length=300, blank=True)
    estimated_seconds = models.FloatField(null=True, blank=True)
    attempt = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("job", "position")
        constraints = [
            models.UniqueConstraint(fields=["job", "stage"], name="stage_unique_per_job"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.stage}"
