from __future__ import annotations

from django.db import models
from django.utils import timezone


class RunSample(models.Model):
    """What one run measured, with what the measurement depends on: the estimator's history.

    Written early in training from the throughput the worker reports (`final=False`: the first
    sample of a new combination) and rewritten when the job completes (`final=True`: its stage
    durations and the effective throughput of its whole Training stage).
    """

    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="sample")
    gpu_type = models.ForeignKey("jobs.GpuType", on_delete=models.PROTECT, related_name="+")
    base_model = models.CharField(max_length=300)
    lora_r = models.PositiveIntegerField()
    # Sorted, comma-separated.
    target_modules = models.CharField(max_length=300)
    # max_seq_len rounded up to a power of two.
    seq_bucket = models.PositiveIntegerField()
    batch_size = models.PositiveIntegerField()
    grad_accum_steps = models.PositiveIntegerField()
    # Real (non-padding) tokens per second, as the worker measured them over logged intervals.
    tokens_per_second = models.FloatField()
    # The job's estimated tokens over its Training stage's duration: what predicts a stage length
    # from an estimated token count (it absorbs eval, checkpoints and tokenizer differences).
    effective_tokens_per_second = models.FloatField(null=True, blank=True)
    preprocessing_seconds = models.FloatField(null=True, blank=True)
    model_loading_seconds = models.FloatField(null=True, blank=True)
    training_seconds = models.FloatField(null=True, blank=True)
    finalization_seconds = models.FloatField(null=True, blank=True)
    # Billed time outside the four stages (waiting for the worker to claim, uploads).
    overhead_seconds = models.FloatField(null=True, blank=True)
    final = models.BooleanField(default=False)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["gpu_type", "base_model"], name="sample_combination_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.base_model} on {self.gpu_type_id}: {self.tokens_per_second:.0f} tok/s"
