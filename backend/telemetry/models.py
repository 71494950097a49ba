from __future__ import annotations

from django.db import models
from django.utils import timezone

from worker.contract.names import METRIC_VALUE_FIELDS

# The measured values of a metric point, in API order: the contract's.
__all__ = ["METRIC_VALUE_FIELDS", "Event", "EventType", "MetricPoint"]


class MetricPoint(models.Model):
    """Training metrics at one optimizer step. Unique per (job, step): retries never duplicate,
    and a later attempt that resumed from a checkpoint replaces the steps above its resume point.
    """

    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="metric_points")
    step = models.PositiveIntegerField()
    attempt = models.PositiveIntegerField(default=1)
    epoch = models.FloatField(null=True, blank=True)
    train_loss = models.FloatField(null=True, blank=True)
    val_loss = models.FloatField(null=True, blank=True)
    learning_rate = models.FloatField(null=True, blank=True)
    grad_norm = models.FloatField(null=True, blank=True)
    tokens_per_second = models.FloatField(null=True, blank=True)
    # Null on hosts without NVML (a CPU host): unknown, never zero.
    gpu_utilization = models.FloatField(null=True, blank=True)
    gpu_memory_mb = models.FloatField(null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("job", "step")
        constraints = [
            models.UniqueConstraint(fields=["job", "step"], name="metric_unique_step"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}@{self.step}"


class EventType(models.TextChoices):
    STATUS = "status", "Status"
    METRICS = "metrics", "Metrics"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"
    INFO = "info", "Info"
    CHECKPOINT = "checkpoint", "Checkpoint"


class Event(models.Model):
    """One line of a job's audit trail, from the system (status changes) or a worker."""

    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="events")
    # Per-job order, assigned under the job's row lock (see Job.last_event_seq).
    seq = models.PositiveIntegerField()
    attempt = models.PositiveIntegerField(default=0)
    # The worker's own sequence number within its attempt; makes retried batches idempotent.
    worker_seq = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    type = models.CharField(max_length=16, choices=EventType.choices)
    message = models.CharField(max_length=1000)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("job", "-seq")
        constraints = [
            models.UniqueConstraint(fields=["job", "seq"], name="event_unique_seq"),
            models.UniqueConstraint(
                fields=["job", "attempt", "worker_seq"],
                condition=models.Q(worker_seq__isnull=False),
                name="event_unique_worker_seq",
            ),
        ]
        indexes = [
            models.Index(fields=["job", "type", "-seq"], name="event_job_type_seq_idx"),
            # The event log's order: time, then sequence (backend.telemetry.selectors).
            models.Index(fields=["job", "-created_at", "-seq"], name="event_job_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.seq} {self.type}"
