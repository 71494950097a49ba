"""Pause and resume: the requests, the pause card and timeline, the resume modal's options."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.accounts.serializers import UserSummarySerializer
from backend.jobs.models import GpuType, JobPause
from backend.jobs.serializers.gpu_types import GpuTypeSummarySerializer
from backend.jobs.serializers.hyperparameters import HyperparametersSerializer
from worker.contract.names import ANOMALY_KINDS


class ResumeSerializer(serializers.Serializer[Any]):
    gpu_type = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=GpuType.objects.filter(is_active=True),
        required=False,
        help_text="Run the rest on another GPU type (same pricing); default: the job's own.",
    )
    hyperparameters = HyperparametersSerializer(
        required=False,
        help_text="Values to change from the checkpoint on (e.g. the anomaly suggestion's "
        "learning rate); fields that change the data order, the step count or the adapter's "
        "shape are refused.",
    )


class CurvePointSerializer(serializers.Serializer[Any]):
    step = serializers.IntegerField()
    train_loss = serializers.FloatField(allow_null=True)


class SuggestionSerializer(serializers.Serializer[Any]):
    resume_step = serializers.IntegerField(help_text="The last good checkpoint's step.")
    hyperparameters = serializers.DictField(
        child=serializers.FloatField(), help_text="What to resume with, e.g. {learning_rate}."
    )
    text = serializers.CharField()


class AnomalySerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=list(ANOMALY_KINDS))
    step = serializers.IntegerField()
    loss = serializers.FloatField(allow_null=True, help_text="null: the loss was NaN/inf.")
    baseline = serializers.FloatField(
        allow_null=True, help_text="Mean of the rolling window before it."
    )
    ratio = serializers.FloatField(allow_null=True)
    learning_rate = serializers.FloatField(allow_null=True)
    curve = CurvePointSerializer(many=True, help_text="The logged losses around the anomaly.")
    suggestion = SuggestionSerializer(allow_null=True)


class PauseSerializer(serializers.ModelSerializer[JobPause]):
    requested_by = UserSummarySerializer(allow_null=True)
    resumed_by = UserSummarySerializer(allow_null=True)
    resume_gpu_type = GpuTypeSummarySerializer(allow_null=True)
    spend = serializers.FloatField(allow_null=True)
    paused_seconds = serializers.SerializerMethodField()
    anomaly = serializers.SerializerMethodField()
    resume_changes = serializers.DictField(
        child=serializers.ListField(child=serializers.FloatField(allow_null=True)),
        help_text="Hyperparameters changed on resume: {name: [before, after]}.",
    )

    class Meta:
        model = JobPause
        fields = (
            "number",
            "source",
            "state",
            "reason",
            "requested_by",
            "requested_at",
            "paused_at",
            "step",
            "spend",
            "active_seconds",
            "ended_at",
            "paused_seconds",
            "resumed_by",
            "resume_gpu_type",
            "resume_changes",
            "note",
            "anomaly",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_paused_seconds(self, pause: JobPause) -> float | None:
        if pause.paused_at is None:
            return None
        end = pause.ended_at or self.context.get("now") or timezone.now()
        return max((end - pause.paused_at).total_seconds(), 0.0)

    @extend_schema_field(AnomalySerializer(allow_null=True))
    def get_anomaly(self, pause: JobPause) -> dict[str, Any] | None:
        anomaly = pause.details.get("anomaly")
        return anomaly if isinstance(anomaly, dict) else None


class PauseHistorySerializer(serializers.Serializer[Any]):
    active_seconds = serializers.FloatField(help_text="Billed time: provisioning + running.")
    paused_seconds = serializers.FloatField(help_text="Time paused (never billed).")
    pauses = PauseSerializer(many=True)


class ResumeOptionSerializer(serializers.Serializer[Any]):
    gpu_type = GpuTypeSummarySerializer()
    current = serializers.BooleanField(help_text="The type the job ran on before the pause.")
    hourly_rate = serializers.FloatField()
    live_workers = serializers.IntegerField()
    duration_seconds = serializers.FloatField(allow_null=True)
    cost_min = serializers.FloatField(allow_null=True)
    cost_max = serializers.FloatField(allow_null=True)
    basis = serializers.CharField(allow_blank=True)
    warnings = serializers.ListField(child=serializers.CharField())


class ResumeOptionsSerializer(serializers.Serializer[Any]):
    resume_step = serializers.IntegerField(help_text="The newest checkpoint's step (0: none).")
    total_steps = serializers.IntegerField()
    spend_so_far = serializers.FloatField()
    pricing = serializers.CharField()
    hyperparameters = serializers.DictField()
    suggestion = SuggestionSerializer(allow_null=True)
    options = ResumeOptionSerializer(many=True)
