"""The job dashboard payload: everything the detail page shows, computed at one instant.

Timing, stage estimates and cost come from the forecast read model (`backend.jobs.forecast`),
the same one the queue view uses; this module only shapes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.accounts.serializers import UserSummarySerializer
from backend.jobs.forecast import JobForecast, job_forecast
from backend.jobs.models import Job, JobStatus, PauseState, Stage, StageRun
from backend.jobs.models.stage import StageState
from backend.jobs.serializers.job import EstimateSerializer, JobListSerializer
from backend.jobs.serializers.job import _now as response_now
from backend.jobs.serializers.pause import PauseSerializer
from backend.telemetry.serializers import MetricPointSerializer


class ProgressSerializer(serializers.Serializer[Any]):
    current_step = serializers.IntegerField()
    total_steps = serializers.IntegerField()
    current_epoch = serializers.IntegerField()
    total_epochs = serializers.IntegerField()
    percent = serializers.FloatField()


class StageSerializer(serializers.Serializer[Any]):
    stage = serializers.ChoiceField(choices=Stage.choices)
    label = serializers.CharField()  # type: ignore[assignment]
    state = serializers.ChoiceField(choices=StageState.choices)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    duration_seconds = serializers.FloatField(allow_null=True)
    estimated_seconds = serializers.FloatField(allow_null=True)
    substatus = serializers.CharField(allow_blank=True)


class TimingSerializer(serializers.Serializer[Any]):
    elapsed_seconds = serializers.FloatField(allow_null=True)
    remaining_seconds = serializers.FloatField(allow_null=True)
    remaining_basis = serializers.ChoiceField(
        choices=["measured", "estimate"], allow_null=True, required=False
    )


class CostSerializer(serializers.Serializer[Any]):
    current_spend = serializers.FloatField()
    hourly_rate = serializers.FloatField()
    pricing = serializers.CharField()
    estimate_min = serializers.FloatField(allow_null=True)
    estimate_max = serializers.FloatField(allow_null=True)
    percent_of_estimate = serializers.FloatField(allow_null=True)
    projected_final = serializers.FloatField(allow_null=True)
    over_estimate = serializers.BooleanField()


class QueueInfoSerializer(serializers.Serializer[Any]):
    position = serializers.IntegerField()
    estimated_start_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(
        help_text="Why the job waits: its place in its GPU type's pool, no worker of its type "
        "online, the global limit, or its owner's running limit."
    )
    passable_until = serializers.DateTimeField(
        allow_null=True,
        help_text="Ageing bound: jobs submitted after this instant, whatever their priority, "
        "start after this one.",
    )


class ErrorInfoSerializer(serializers.Serializer[Any]):
    category = serializers.CharField()
    message = serializers.CharField()
    step = serializers.IntegerField(allow_null=True)
    is_user_error = serializers.BooleanField()


class CancelInfoSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField()
    notes = serializers.CharField(allow_blank=True)
    cancelled_by = UserSummarySerializer(allow_null=True)
    requested_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)


class DatasetRefSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    name = serializers.CharField()
    num_examples = serializers.IntegerField()


class JobRefSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    name = serializers.CharField()


class AdapterSerializer(serializers.Serializer[Any]):
    available = serializers.BooleanField()
    size_bytes = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField(allow_blank=True)
    download_url = serializers.CharField(allow_null=True)


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round(max((end - start).total_seconds(), 0.0), 1)


class MicroBatchingSerializer(serializers.Serializer[Any]):
    """The worker's micro-batch decision (see worker/training/sizing.py); null fields were not
    measured (CPU workers take the budget from the config)."""

    device = serializers.CharField()
    budget_tokens = serializers.IntegerField()
    min_tokens = serializers.IntegerField()
    micro_batches_per_step = serializers.FloatField()
    gradient_checkpointing = serializers.BooleanField()
    free_memory_mb = serializers.FloatField(allow_null=True)
    measured_peak_mb = serializers.FloatField(allow_null=True)
    measured_tokens_per_s = serializers.FloatField(allow_null=True)
    probe_tokens = serializers.IntegerField(allow_null=True)
    # a field named "source" (the metaclass pops it off the class; mypy sees Field.source)
    source = serializers.ChoiceField(choices=["config", "probe", "oom"])  # type: ignore[assignment]


class JobDetailSerializer(JobListSerializer):
    """Context: request, now (optional), queue_positions, estimated_starts, queue_reasons."""

    dataset = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    stages = serializers.SerializerMethodField()
    timing = serializers.SerializerMethodField()
    cost = serializers.SerializerMethodField()
    estimate = serializers.SerializerMethodField()
    latest_metrics = serializers.SerializerMethodField()
    previous_metrics = serializers.SerializerMethodField()
    queue = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    cancel = serializers.SerializerMethodField()
    checkpoint_count = serializers.SerializerMethodField()
    adapter = serializers.SerializerMethodField()
    micro_batching = MicroBatchingSerializer(read_only=True, allow_null=True)
    cloned_from = serializers.SerializerMethodField()
    budget_cap = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Stop at $X (the job's own cap), or null."
    )
    pause = serializers.SerializerMethodField()

    class Meta(JobListSerializer.Meta):
        fields: tuple[str, ...] = (  # type: ignore[assignment]
            *JobListSerializer.Meta.fields,
            "dataset",
            "hyperparameters",
            "metadata",
            "progress",
            "stages",
            "timing",
            "cost",
            "estimate",
            "latest_metrics",
            "previous_metrics",
            "queue",
            "error",
            "cancel",
            "checkpoint_count",
            "attempt",
            "adapter",
            "micro_batching",
            "cloned_from",
            "budget_cap",
            "budget_action",
            "pause",
            "anomaly_pause",
            "updated_at",
        )
        read_only_fields = fields  # type: ignore[assignment]

    def _stages(self, job: Job) -> list[StageRun]:
        return list(job.stages.all())  # prefetched by the selector

    def _forecast(self, job: Job) -> JobForecast:
        # One read model per job and response: timing, stages and cost agree with each other.
        cache: dict[Any, JobForecast] = self.__dict__.setdefault("_forecast_cache", {})
        if job.pk not in cache:
            cache[job.pk] = job_forecast(job, self._stages(job), response_now(self.context))
        return cache[job.pk]

    @extend_schema_field(PauseSerializer(allow_null=True))
    def get_pause(self, job: Job) -> dict[str, Any] | None:
        """The pause under way (requested, or paused until resumed or cancelled)."""
        if job.status not in (JobStatus.RUNNING, JobStatus.QUEUED, JobStatus.PAUSED):
            return None
        # A requested pause always sets `pause_requested_at` (job_pause) until the worker stops
        # (pause_stopped) or the job finishes; a paused job has its pause. Otherwise there is
        # none to look up: a running job's poll skips the query.
        if job.status != JobStatus.PAUSED and job.pause_requested_at is None:
            return None
        pause = (
            job.pauses.filter(state__in=(PauseState.REQUESTED, PauseState.PAUSED))
            .select_related("requested_by", "resumed_by", "resume_gpu_type")
            .order_by("-number")
            .first()
        )
        if pause is None:
            return None
        return dict(PauseSerializer(pause, context={"now": response_now(self.context)}).data)

    @extend_schema_field(DatasetRefSerializer(allow_null=True))
    def get_dataset(self, job: Job) -> dict[str, Any] | None:
        d = job.dataset
        if d is None:  # deleted after the job finished
            return None
        return {"id": d.pk, "name": d.name, "num_examples": d.num_examples}

    @extend_schema_field(JobRefSerializer(allow_null=True))
    def get_cloned_from(self, job: Job) -> dict[str, Any] | None:
        source = job.cloned_from
        if source is None:  # not a clone, or its source was deleted since
            return None
        return {"id": source.pk, "name": source.name}

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, job: Job) -> dict[str, Any]:
        return {
            "current_step": job.current_step,
            "total_steps": job.total_steps,
            "current_epoch": job.current_epoch,
            "total_epochs": job.total_epochs,
            "percent": job.percent_complete,
        }

    @extend_schema_field(StageSerializer(many=True))
    def get_stages(self, job: Job) -> list[dict[str, Any]]:
        now = response_now(self.context)
        forecasts = self._forecast(job).stages
        out = []
        for s in self._stages(job):
            end = s.finished_at or (now if s.state == StageState.ACTIVE else None)
            out.append(
                {
                    "stage": s.stage,
                    "label": Stage(s.stage).label,
                    "state": s.state,
                    "started_at": s.started_at,
                    "finished_at": s.finished_at,
                    "duration_seconds": _seconds(s.started_at, end),
                    "estimated_seconds": forecasts[s.stage].estimated_seconds,
                    "substatus": s.substatus,
                }
            )
        return out

    @extend_schema_field(TimingSerializer)
    def get_timing(self, job: Job) -> dict[str, Any]:
        forecast = self._forecast(job)
        return {
            "elapsed_seconds": forecast.elapsed_seconds,
            "remaining_seconds": forecast.remaining_seconds,
            "remaining_basis": forecast.remaining_basis,
        }

    @extend_schema_field(CostSerializer)
    def get_cost(self, job: Job) -> dict[str, Any]:
        forecast = self._forecast(job)
        projected = forecast.projected_final
        return {
            "current_spend": round(float(forecast.current_spend), 4),
            "hourly_rate": float(job.hourly_rate),
            "pricing": job.pricing,
            "estimate_min": float(job.est_cost_min) if job.est_cost_min is not None else None,
            "estimate_max": float(job.est_cost_max) if job.est_cost_max is not None else None,
            "percent_of_estimate": forecast.percent_of_estimate,
            "projected_final": round(float(projected), 4) if projected is not None else None,
            "over_estimate": forecast.over_estimate,
        }

    @extend_schema_field(EstimateSerializer(allow_null=True))
    def get_estimate(self, job: Job) -> dict[str, Any] | None:
        if job.est_total_steps is None:
            return None
        return {
            "total_steps": job.est_total_steps,
            "total_tokens": job.est_total_tokens,
            "epochs": job.total_epochs,
            "duration_seconds": job.est_duration_seconds,
            "cost_min": float(job.est_cost_min or 0),
            "cost_max": float(job.est_cost_max or 0),
            "hourly_rate": float(job.hourly_rate),
            "basis": job.est_basis,
            "rough": job.est_basis == "flops",
        }

    @extend_schema_field(MetricPointSerializer(allow_null=True))
    def get_latest_metrics(self, job: Job) -> dict[str, Any] | None:
        return job.latest_metrics

    @extend_schema_field(MetricPointSerializer(allow_null=True))
    def get_previous_metrics(self, job: Job) -> dict[str, Any] | None:
        return job.previous_metrics

    @extend_schema_field(QueueInfoSerializer(allow_null=True))
    def get_queue(self, job: Job) -> dict[str, Any] | None:
        if job.status != JobStatus.QUEUED:
            return None
        positions: dict[Any, int] = self.context.get("queue_positions") or {}
        starts: dict[Any, datetime | None] = self.context.get("estimated_starts") or {}
        reasons: dict[Any, str] = self.context.get("queue_reasons") or {}
        passable: dict[Any, datetime] = self.context.get("queue_passable") or {}
        if job.pk not in positions:
            return None
        return {
            "position": positions[job.pk],
            "estimated_start_at": starts.get(job.pk),
            "reason": reasons.get(job.pk, ""),
            "passable_until": passable.get(job.pk),
        }

    @extend_schema_field(ErrorInfoSerializer(allow_null=True))
    def get_error(self, job: Job) -> dict[str, Any] | None:
        if not job.error_category:
            return None
        return {
            "category": job.error_category,
            "message": job.error_message,
            "step": job.error_step,
            "is_user_error": job.is_user_error,
        }

    @extend_schema_field(CancelInfoSerializer(allow_null=True))
    def get_cancel(self, job: Job) -> dict[str, Any] | None:
        if not job.cancel_reason:
            return None
        by = job.cancelled_by
        return {
            "reason": job.cancel_reason,
            "notes": job.cancel_notes,
            "cancelled_by": UserSummarySerializer(by).data if by else None,
            "requested_at": job.cancel_requested_at,
            "cancelled_at": job.finished_at if job.status == JobStatus.CANCELLED else None,
        }

    @extend_schema_field(serializers.IntegerField())
    def get_checkpoint_count(self, job: Job) -> int:
        return int(getattr(job, "checkpoint_count", 0))

    @extend_schema_field(AdapterSerializer(allow_null=True))
    def get_adapter(self, job: Job) -> dict[str, Any] | None:
        if not job.adapter_file:
            return None
        return {
            "available": True,
            "size_bytes": job.adapter_size_bytes,
            "sha256": job.adapter_sha256,
            "download_url": reverse("job-adapter", kwargs={"pk": job.pk}),
        }
