from __future__ import annotations

from django.db import models


def checkpoint_upload_to(instance: Checkpoint, filename: str) -> str:
    return f"checkpoints/{instance.job_id}/step-{instance.step:08d}.pt"


class Checkpoint(models.Model):
    """A resumable snapshot (adapter + optimizer + scheduler + RNG + data position)."""

    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="checkpoints")
    attempt = models.PositiveIntegerField()
    step = models.PositiveIntegerField()
    metrics = models.JSONField(default=dict, blank=True)
    file = models.FileField(upload_to=checkpoint_upload_to, max_length=255)
    size_bytes = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("job", "-step")
        constraints = [
            models.UniqueConstraint(fields=["job", "step"], name="checkpoint_unique_step"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}@{self.step}"
