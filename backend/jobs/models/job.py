from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROVISIONING = "provisioning", "Provisioning"
    RUNNING = "running", "Running"
    CANCELLING = "cancelling", "Cancelling"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


# A job holds a GPU slot (and is billed) in these states.
BILLED_STATUSES = frozenset({JobStatus.PROVISIONING, JobStatus.RUNNING, JobStatus.CANCELLING})
ACTIVE_STATUSES = BILLED_STATUSES
FINISHED_STATUSES = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED})


class Stage(models.TextChoices):
    PREPROCESSING = "preprocessing", "Preprocessing"
    MODEL_LOADING = "model_loading", "Model Loading"
    TRAINING = "training", "Training"
    FINALIZATION = "finalization", "Finalization"


class Pricing(models.TextChoices):
    SPOT = "spot", "Spot"
    ON_DEMAND = "on_demand", "On-Demand"


class Preset(models.TextChoices):
    CONSERVATIVE = "conservative", "Conservative"
    BALANCED = "balanced", "Balanced"
    AGGRESSIVE = "aggressive", "Aggressive"
    CUSTOM = "custom", "Custom"


class Priority(models.TextChoices):
    """Queue priority: higher runs first, FIFO within a priority, with ageing (see
    backend/scheduling/priorities.py)."""

    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"


class BudgetAction(models.TextChoices):
    """What happens when a job's spend reaches its own cap (`Job.budget_cap`)."""

    PAUSE = "pause", "Pause"
    STOP = "stop", "Stop"


class CancelReason(models.TextChoices):
    LOSS_NOT_DECREASING = "loss_not_decreasing", "Loss not decreasing"
    COST_TOO_HIGH = "cost_too_high", "Cost too high"
    WRONG_CONFIGURATION = "wrong_configuration", "Wrong configuration"
    TESTING = "testing", "Testing"
    OTHER = "other", "Other"
    REMOVED_FROM_QUEUE = "removed_from_queue", "Removed from queue"


class ErrorCategory(models.TextChoices):
    INVALID_DATASET = "invalid_dataset", "Invalid dataset"
    MODEL_LOAD_FAILED = "model_load_failed", "Model failed to load"
    OUT_OF_MEMORY = "out_of_memory", "Out of GPU memory"
    NAN_LOSS = "nan_loss", "Loss became NaN"
    WORKER_LOST = "worker_lost", "Worker lost"
    INTERNAL_ERROR = "internal_error", "Internal error"


# Failures the user can fix by changing the job (vs. infrastructure trouble).
USER_ERROR_CATEGORIES = frozenset(
    {ErrorCategory.INVALID_DATASET, ErrorCategory.NAN_LOSS, ErrorCategory.OUT_OF_MEMORY}
)


class Job(models.Model):
    """One LoRA fine-tuning job: its configuration, where it is, what it cost, how it ended."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs"
    )
    # A dataset may be deleted once no unfinished job uses it (datasets.services.dataset_delete);
    # finished jobs keep their history without it.
    dataset = models.ForeignKey(
        "datasets.Dataset",
        on_delete=models.SET_NULL,
        related_name="jobs",
        null=True,
        blank=True,
    )
    validation_dataset = models.ForeignKey(
        "datasets.Dataset",
        on_delete=models.SET_NULL,
        related_name="validation_jobs",
        null=True,
        blank=True,
    )
    base_model = models.CharField(max_length=300)
    preset = models.CharField(max_length=16, choices=Preset.choices, default=Preset.BALANCED)
    # The fully resolved hyperparameters (preset values + overrides) the worker trains with.
    hyperparameters = models.JSONField(default=dict)
    metadata = models.JSONField(default=dict, blank=True)
    # The job this one was duplicated from ("Duplicate" in the web app, `cloned_from` in the
    # API); kept as a pointer only: deleting the source leaves the clone as it is.
    cloned_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="clones"
    )

    gpu_type = models.ForeignKey("jobs.GpuType", on_delete=models.PROTECT, related_name="jobs")
    pricing = models.CharField(max_length=16, choices=Pricing.choices, default=Pricing.SPOT)
    # Snapshot at creation: later catalog price changes never re-price a job.
    hourly_rate = models.DecimalField(max_digits=8, decimal_places=4)

    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    substatus = models.CharField(max_length=300, blank=True)
    recovering = models.BooleanField(default=False)

    current_step = models.PositiveIntegerField(default=0)
    total_steps = models.PositiveIntegerField(default=0)
    current_epoch = models.PositiveIntegerField(default=0)
    total_epochs = models.PositiveIntegerField(default=0)
    # Step the current attempt resumed from and when its training stage began: the measured
    # step rate (for "remaining") only counts steps this attempt actually ran.
    resume_step = models.PositiveIntegerField(default=0)
    training_started_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Billing: closed intervals are summed into billed_seconds; an open interval runs from
    # billing_since. Spend is derived from these, never stored, so it cannot drift.
    billed_seconds = models.FloatField(default=0.0)
    billing_since = models.DateTimeField(null=True, blank=True)
    # Denormalised for list filtering/sorting by cost; refreshed on every state change.
    final_cost = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal("0"))
    # A resume on another GPU type changes the rate: the time billed before the change keeps
    # its price (spend_before_rate for the first seconds_before_rate billed seconds).
    spend_before_rate = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal("0"))
    seconds_before_rate = models.FloatField(default=0.0)

    # Pause (FR2.2.2): set while a pause is requested and the worker has not stopped yet; the
    # worker's heartbeat and report replies say "pause" meanwhile (see JobPause for history).
    pause_requested_at = models.DateTimeField(null=True, blank=True)
    # Anomaly auto-pause: a non-finite loss or a loss spike pauses at the last good checkpoint
    # instead of failing or running on.
    anomaly_pause = models.BooleanField(default=True)

    est_total_steps = models.PositiveIntegerField(null=True, blank=True)
    est_total_tokens = models.BigIntegerField(null=True, blank=True)
    est_duration_seconds = models.FloatField(null=True, blank=True)
    est_cost_min = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    est_cost_max = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    est_basis = models.CharField(max_length=16, blank=True)

    # Queue order (lower runs first); promote-to-front takes a value below the current minimum.
    # The priority is folded in when the job is queued: its queued-at timestamp minus the
    # priority's head start (backend/scheduling/priorities.py), so one column orders the queue.
    queue_order = models.FloatField(default=0.0, db_index=True)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)

    # Optional spending cap of this job: at `budget_cap` dollars it is paused or stopped at a
    # checkpoint (`budget_action`), checked on every heartbeat.
    budget_cap = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    budget_action = models.CharField(
        max_length=8, choices=BudgetAction.choices, default=BudgetAction.PAUSE
    )

    # Attempt bookkeeping: every worker write carries (attempt, fence) and stale ones get 409.
    attempt = models.PositiveIntegerField(default=0)
    fence = models.BigIntegerField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker_host = models.CharField(max_length=200, blank=True)

    cancel_reason = models.CharField(max_length=32, choices=CancelReason.choices, blank=True)
    cancel_notes = models.TextField(blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cancelled_jobs",
    )
    cancel_requested_at = models.DateTimeField(null=True, blank=True)

    error_category = models.CharField(max_length=32, choices=ErrorCategory.choices, blank=True)
    error_message = models.TextField(blank=True)
    error_step = models.PositiveIntegerField(null=True, blank=True)

    latest_metrics = models.JSONField(null=True, blank=True)
    previous_metrics = models.JSONField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    measured_tokens_per_second = models.FloatField(null=True, blank=True)
    # The worker's micro-batch decision for the current attempt (device, token budget, micro-
    # batches per step, the pre-flight probe's peak memory and tokens/s; after an out-of-memory
    # recovery the smaller budget). Copied from the "sizing" payload of its events.
    micro_batching = models.JSONField(null=True, blank=True)

    adapter_file = models.FileField(upload_to="adapters/", max_length=255, blank=True)
    adapter_sha256 = models.CharField(max_length=64, blank=True)
    adapter_size_bytes = models.BigIntegerField(null=True, blank=True)

    # Per-job event sequence: events get seq under this row's lock, so `after_seq` polling
    # never skips an event that committed late.
    last_event_seq = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=["status", "queue_order"], name="job_status_queue_idx"),
            models.Index(fields=["created_by", "-created_at"], name="job_creator_created_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    # --- derived values -------------------------------------------------------------------

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    def billed_seconds_at(self, now: datetime) -> float:
        open_interval = (now - self.billing_since).total_seconds() if self.billing_since else 0.0
        return self.billed_seconds + max(open_interval, 0.0)

    def spend_at(self, now: datetime) -> Decimal:
        seconds = max(self.billed_seconds_at(now) - self.seconds_before_rate, 0.0)
        hours = Decimal(str(seconds)) / Decimal(3600)
        return (self.spend_before_rate + hours * self.hourly_rate).quantize(Decimal("0.0001"))

    def measured_training_seconds_left(self, now: datetime) -> float | None:
        """Seconds of training left at the step rate this attempt has measured, or None before
        it has run a step (steps replayed from a checkpoint don't count towards the rate)."""
        steps_done = self.current_step - self.resume_step
        if self.training_started_at is None or steps_done <= 0 or not self.total_steps:
            return None
        elapsed = (now - self.training_started_at).total_seconds()
        if elapsed <= 0:
            return None
        return max(self.total_steps - self.current_step, 0) * elapsed / steps_done

    @property
    def percent_complete(self) -> float:
        if self.status == JobStatus.COMPLETED:
            return 100.0
        if not self.total_steps:
            return 0.0
        return round(min(100.0, 100.0 * self.current_step / self.total_steps), 1)

    @property
    def is_user_error(self) -> bool:
        return self.error_category in USER_ERROR_CATEGORIES
