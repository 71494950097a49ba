"""Jobs: create, estimate, cancel and the list rows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.accounts.serializers import UserSummarySerializer
from backend.datasets.models import Dataset
from backend.jobs.models import BudgetAction, CancelReason, GpuType, Job, Pricing, Priority, Stage
from backend.jobs.models.job import Preset
from backend.jobs.policies import allowed_actions
from backend.jobs.serializers.gpu_types import GpuTypeSummarySerializer
from backend.jobs.serializers.hyperparameters import HyperparametersSerializer

ACTIONS = ["cancel", "delete", "remove_from_queue", "promote", "pause", "resume"]
CANCEL_REASONS = [c for c in CancelReason.values if c != CancelReason.REMOVED_FROM_QUEUE]


def _now(context: Any) -> datetime:
    # One timestamp per response, so every row's cost and duration agree with each other.
    now = context.get("now")
    if now is None:
        now = context["now"] = timezone.now()
    return now


def _messages(missing: str, **others: str) -> dict[str, Any]:
    """Field error messages in the create form's words: ``missing`` for absent, null or blank."""
    return {"required": missing, "null": missing, "blank": missing, **others}


_DATASET_GONE = "That dataset does not exist (any more): choose another or upload it again."


class JobCreateSerializer(serializers.Serializer[Any]):
    """A new job. Error messages are plain sentences the create form shows under each field."""

    name = serializers.CharField(
        max_length=200,
        error_messages=_messages(
            "Give the job a name.", max_length="Keep the name to {max_length} characters."
        ),
    )
    dataset_id = serializers.PrimaryKeyRelatedField(
        queryset=Dataset.objects.all(),
        error_messages=_messages(
            "Choose or upload a dataset.",
            does_not_exist=_DATASET_GONE,
            incorrect_type=_DATASET_GONE,
        ),
    )
    validation_dataset_id = serializers.PrimaryKeyRelatedField(
        queryset=Dataset.objects.all(),
        required=False,
        allow_null=True,
        error_messages=_messages(
            _DATASET_GONE, does_not_exist=_DATASET_GONE, incorrect_type=_DATASET_GONE
        ),
    )
    base_model = serializers.RegexField(
        r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$",
        max_length=300,
        help_text="A preset (tiny-random-llama, smollm2-135m-instruct), a hub id or a path.",
        error_messages=_messages(
            "Choose a base model.",
            invalid="A model name is letters, digits and . _ - / (a hub id or a path).",
            max_length="A model name has at most {max_length} characters.",
        ),
    )
    preset = serializers.ChoiceField(
        choices=Preset.choices,
        default=Preset.BALANCED,
        error_messages=_messages("Choose a preset.", invalid_choice="Choose one of the presets."),
    )
    hyperparameters = HyperparametersSerializer(required=False)
    gpu_type = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=GpuType.objects.filter(is_active=True),
        error_messages=_messages(
            "Choose a GPU type.",
            does_not_exist="That GPU type is not offered (any more): choose another.",
            invalid="Choose a GPU type from the list.",
        ),
    )
    pricing = serializers.ChoiceField(
        choices=Pricing.choices,
        default=Pricing.SPOT,
        error_messages=_messages(
            "Choose spot or on-demand pricing.", invalid_choice="Choose spot or on-demand pricing."
        ),
    )
    metadata = serializers.DictField(
        child=serializers.CharField(max_length=500, allow_blank=True),
        required=False,
        help_text="Free-form string key/values for API clients (at most 50 keys).",
    )
    cloned_from = serializers.PrimaryKeyRelatedField(
        queryset=Job.objects.all(),
        required=False,
        allow_null=True,
        help_text="The job this one duplicates (recorded and shown on the new job's page; you "
        "must be able to see it). GET /api/training/jobs/{id}/clone gives a body to start from.",
    )
    priority = serializers.ChoiceField(
        choices=Priority.choices,
        default=Priority.NORMAL,
        help_text="Queue priority. high: managers, or people their quota allows it. Higher runs "
        "first, FIFO within a priority; ageing bounds how long later arrivals can pass a job "
        "(see the queue's passable_until).",
    )
    budget_cap = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        allow_null=True,
        help_text="Stop at $X: when the job's spend reaches this, it is paused or stopped at a "
        "checkpoint (budget_action).",
    )
    budget_action = serializers.ChoiceField(
        choices=BudgetAction.choices,
        default=BudgetAction.PAUSE,
        help_text="What happens at budget_cap: pause (resumable) or stop (cancelled).",
    )
    anomaly_pause = serializers.BooleanField(
        default=True,
        help_text="Pause at the last good checkpoint on a NaN/inf loss or a loss spike "
        "(instead of failing or running on).",
    )

    def validate_metadata(self, value: dict[str, str]) -> dict[str, str]:
        if len(value) > 50:
            raise serializers.ValidationError("At most 50 keys.")
        if any(len(k) > 100 for k in value):
            raise serializers.ValidationError("Keys are at most 100 characters.")
        return value


class CloneTemplateSerializer(serializers.Serializer[Any]):
    """A create body reproducing a job (see selectors.job_clone_template)."""

    cloned_from = serializers.UUIDField()
    source_name = serializers.CharField(help_text="The name of the job this body duplicates.")
    name = serializers.CharField()
    dataset_id = serializers.UUIDField(
        allow_null=True, help_text="Null when the source's dataset was deleted."
    )
    validation_dataset_id = serializers.UUIDField(allow_null=True)
    base_model = serializers.CharField()
    preset = serializers.ChoiceField(choices=Preset.choices)
    hyperparameters = HyperparametersSerializer()
    gpu_type = serializers.CharField(
        allow_null=True, help_text="Null when the source's GPU type is no longer offered."
    )
    pricing = serializers.ChoiceField(choices=Pricing.choices)
    metadata = serializers.DictField(child=serializers.CharField(allow_blank=True))
    anomaly_pause = serializers.BooleanField()
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="What could not be carried over, and why."
    )


class EstimateSerializer(serializers.Serializer[Any]):
    total_steps = serializers.IntegerField()
    total_tokens = serializers.IntegerField()
    epochs = serializers.IntegerField()
    duration_seconds = serializers.FloatField()
    cost_min = serializers.FloatField()
    cost_max = serializers.FloatField()
    hourly_rate = serializers.FloatField()
    tokens_per_second = serializers.FloatField(required=False)
    basis = serializers.ChoiceField(
        choices=["history", "measured", "flops"],
        help_text="history: similar measured runs; measured: this job's own early run; flops: "
        "the GPU's theoretical throughput alone (rough, wide band).",
    )
    samples = serializers.IntegerField(
        required=False, help_text="Similar measured runs the estimate rests on."
    )
    rough = serializers.BooleanField(
        required=False, help_text="True when the estimate rests on the FLOPs prior alone."
    )


CANCEL_NOTES_MAX_LENGTH = 2000


class CancelSerializer(serializers.Serializer[Any]):
    """Why a job is cancelled. "Other" says nothing by itself, so it needs a note."""

    reason = serializers.ChoiceField(choices=CANCEL_REASONS)
    notes = serializers.CharField(
        max_length=CANCEL_NOTES_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text='Required (not blank) when the reason is "other".',
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # CharField trims whitespace, so a note of spaces arrives here as "".
        if attrs["reason"] == CancelReason.OTHER and not attrs.get("notes"):
            raise serializers.ValidationError(
                {"notes": ['Say why you are cancelling: the reason "Other" needs a note.']}
            )
        return attrs


class JobListSerializer(serializers.ModelSerializer[Job]):
    """A row of the jobs table / a queue card. Context: request, optional queue_positions."""

    stage = serializers.SerializerMethodField()
    percent_complete = serializers.FloatField(read_only=True)
    created_by = UserSummarySerializer(read_only=True)
    duration_seconds = serializers.SerializerMethodField()
    current_cost = serializers.SerializerMethodField()
    configuration_summary = serializers.SerializerMethodField()
    gpu_type = GpuTypeSummarySerializer(read_only=True)
    queue_position = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = (
            "id",
            "name",
            "status",
            "stage",
            "percent_complete",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "current_cost",
            "configuration_summary",
            "preset",
            "pricing",
            "gpu_type",
            "base_model",
            "queue_position",
            "recovering",
            "allowed_actions",
            "priority",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Stage.choices, allow_null=True))
    def get_stage(self, job: Job) -> str | None:
        return job.stage or None

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_duration_seconds(self, job: Job) -> float | None:
        if job.started_at is None:
            return None
        end = job.finished_at or _now(self.context)
        return round((end - job.started_at).total_seconds(), 1)

    @extend_schema_field(serializers.FloatField())
    def get_current_cost(self, job: Job) -> float:
        return round(float(job.spend_at(_now(self.context))), 4)

    @extend_schema_field(serializers.CharField())
    def get_configuration_summary(self, job: Job) -> str:
        return f"{job.get_preset_display()} • {job.get_pricing_display()} {job.gpu_type.name}"

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_queue_position(self, job: Job) -> int | None:
        positions: dict[Any, int] = self.context.get("queue_positions") or {}
        return positions.get(job.pk)

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=ACTIONS)))
    def get_allowed_actions(self, job: Job) -> list[str]:
        return allowed_actions(self.context["request"].user, job)
