"""Request and response bodies of the worker API (validation gives the one error shape)."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from rest_framework import serializers

from backend.common.parsing import INT32_MAX, INT64_MAX, JSONObjectField, Rfc3339DateTimeField
from backend.common.serializers import SharedFieldsSerializer
from backend.jobs.models import Stage
from backend.telemetry.models import EventType, LogStream
from worker.contract import names

MAX_METRIC_POINTS = 500
MAX_EVENTS = 500
SHA256 = r"^[0-9a-fA-F]{64}$"
# Named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] (two choice sets share the name `action`).
WORKER_ACTIONS = ["continue", "cancel", "pause"]
CLAIM_ACTIONS = ["run", "cancel"]
# Named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]; the values are the contract's.
STAGE_STATES = list(names.STAGE_STATES)
FAILURE_CATEGORIES = list(names.WORKER_FAILURE_CATEGORIES)


def limits() -> dict[str, int]:
    """Batch and upload limits, also sent to the worker in the claim reply."""
    return {
        "max_metric_points": MAX_METRIC_POINTS,
        "max_events": MAX_EVENTS,
        "max_json_body_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        "max_artifact_bytes": settings.LORA_MAX_ARTIFACT_BYTES,
    }


class FiniteFloatField(serializers.FloatField):
    """A float that must be finite (a NaN loss is reported through `fail`, not as a point)."""

    def to_internal_value(self, data: Any) -> float:
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            raise serializers.ValidationError("Must be a finite number.")
        return value


def _float() -> FiniteFloatField:
    return FiniteFloatField(required=False, allow_null=True, default=None)


class FencedSerializer(SharedFieldsSerializer):
    """Every write repeats its attempt and fence (or sends X-Attempt / X-Fence headers)."""

    attempt = serializers.IntegerField(
        max_value=INT32_MAX, help_text="Or the X-Attempt header (the body wins)."
    )
    fence = serializers.IntegerField(
        max_value=INT64_MAX, help_text="Or the X-Fence header (the body wins)."
    )


class WorkerProgressSerializer(serializers.Serializer):
    step = serializers.IntegerField(max_value=INT32_MAX, min_value=0, required=False)
    total_steps = serializers.IntegerField(max_value=INT32_MAX, min_value=0, required=False)
    epoch = serializers.IntegerField(max_value=INT32_MAX, min_value=0, required=False)
    total_epochs = serializers.IntegerField(max_value=INT32_MAX, min_value=0, required=False)


class ActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=WORKER_ACTIONS, help_text="What the worker should do next."
    )


# --- claim ------------------------------------------------------------------------------


class ClaimRequestSerializer(SharedFieldsSerializer):
    """A worker's claim of its attempt, and which worker and pool it is."""

    attempt = serializers.IntegerField(
        max_value=INT32_MAX, min_value=1, help_text="The attempt number of the task."
    )
    worker_host = serializers.CharField(max_length=200, required=False, allow_blank=True)
    worker = serializers.CharField(
        max_length=200,
        required=False,
        help_text="The worker's registered name (the fleet shows it running this job).",
    )
    gpu_type = serializers.SlugField(
        max_length=64,
        required=False,
        help_text="The pool the worker serves: a claim for a job of another type is refused "
        "(409 `wrong_pool`).",
    )


class FileRefSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="Download path on the API host (same bearer token).")
    sha256 = serializers.CharField(allow_blank=True)
    size_bytes = serializers.IntegerField()
    name = serializers.CharField()


class CheckpointRefSerializer(FileRefSerializer):
    step = serializers.IntegerField()


class ClaimJobSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    base_model = serializers.CharField()
    hyperparameters = serializers.DictField()
    total_epochs = serializers.IntegerField()
    total_steps = serializers.IntegerField()
    anomaly_pause = serializers.BooleanField(
        help_text="Pause at the last good checkpoint on a NaN/inf loss or a loss spike (report "
        "`stopped=pause` with `result.anomaly`) instead of failing or running on."
    )
    hourly_rate = serializers.FloatField(
        help_text="Dollars per hour this job is billed (its snapshot): the money-aware early "
        "stop prices the steps left with it."
    )


class LimitsSerializer(serializers.Serializer):
    max_metric_points = serializers.IntegerField()
    max_events = serializers.IntegerField()
    max_json_body_bytes = serializers.IntegerField()
    max_artifact_bytes = serializers.IntegerField()


class ClaimResponseSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=CLAIM_ACTIONS, help_text="`cancel`: the job was cancelled; exit at once."
    )
    attempt = serializers.IntegerField()
    fence = serializers.IntegerField()
    job = ClaimJobSerializer()
    dataset = FileRefSerializer(allow_null=True)
    validation_dataset = FileRefSerializer(allow_null=True)
    checkpoint = CheckpointRefSerializer(
        allow_null=True, help_text="The checkpoint to resume from (the job's latest), if any."
    )
    resume_step = serializers.IntegerField()
    heartbeat_seconds = serializers.FloatField()
    limits = LimitsSerializer()


# --- stage ------------------------------------------------------------------------------


class StageRequestSerializer(FencedSerializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    state = serializers.ChoiceField(choices=STAGE_STATES)
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class StageResponseSerializer(ActionSerializer):
    stage = serializers.CharField()
    state = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


# --- metrics / events / heartbeat -------------------------------------------------------


class MetricPointInSerializer(serializers.Serializer):
    """A point from the worker: its step and the contract's value fields (finite or null)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields: dict[str, serializers.Field] = {
            "step": serializers.IntegerField(min_value=0, max_value=INT32_MAX)
        }
        fields.update({name: _float() for name in names.METRIC_VALUE_FIELDS})
        return fields


class MetricsRequestSerializer(FencedSerializer):
    points = serializers.ListField(
        child=MetricPointInSerializer(), max_length=MAX_METRIC_POINTS, allow_empty=True
    )
    progress = WorkerProgressSerializer(required=False)
    substatus = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class StoredSerializer(ActionSerializer):
    stored = serializers.IntegerField(help_text="Rows written (a retried batch stores 0 events).")


class EventInSerializer(serializers.Serializer):
    seq = serializers.IntegerField(
        min_value=1,
        max_value=INT32_MAX,
        help_text="The worker's per-attempt sequence number (idempotency key).",
    )
    type = serializers.ChoiceField(choices=EventType.choices)
    message = serializers.CharField(max_length=4000)
    payload = serializers.DictField(required=False, default=dict)
    created_at = Rfc3339DateTimeField(required=False, allow_null=True, default=None)


class EventsRequestSerializer(FencedSerializer):
    events = serializers.ListField(
        child=EventInSerializer(), max_length=MAX_EVENTS, allow_empty=True
    )


class LogLineInSerializer(serializers.Serializer):
    seq = serializers.IntegerField(
        min_value=1,
        max_value=INT32_MAX,
        help_text="The worker's per-attempt line number (idempotency key and order).",
    )
    stream = serializers.ChoiceField(choices=LogStream.choices)
    level = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    message = serializers.CharField(
        max_length=names.MAX_LOG_LINE_CHARS, allow_blank=True, trim_whitespace=False
    )
    created_at = Rfc3339DateTimeField()


class LogLinesRequestSerializer(FencedSerializer):
    lines = serializers.ListField(
        child=LogLineInSerializer(), max_length=names.MAX_LOG_LINES_PER_BATCH, allow_empty=True
    )


class LogLinesStoredSerializer(StoredSerializer):
    dropped = serializers.IntegerField(
        help_text="Lines of this batch over the job's rate limit: stored as one "
        "'N lines dropped' marker instead."
    )


class HeartbeatRequestSerializer(FencedSerializer):
    progress = WorkerProgressSerializer(required=False)
    substatus = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class HeartbeatResponseSerializer(ActionSerializer):
    heartbeat_seconds = serializers.FloatField()


# --- uploads and the end of an attempt --------------------------------------------------


class CheckpointRequestSerializer(FencedSerializer):
    step = serializers.IntegerField(max_value=INT32_MAX, min_value=0)
    sha256 = serializers.RegexField(SHA256)
    metrics = JSONObjectField(required=False, binary=True, default=dict)
    file = serializers.FileField()


class CheckpointResponseSerializer(serializers.Serializer):
    step = serializers.IntegerField()
    sha256 = serializers.CharField()
    size_bytes = serializers.IntegerField()
    url = serializers.CharField()


class AnomalyPointSerializer(serializers.Serializer):
    step = serializers.IntegerField(min_value=0, max_value=INT32_MAX)
    train_loss = FiniteFloatField(allow_null=True)


class AnomalyInSerializer(serializers.Serializer):
    """`result.anomaly` of a run that auto-paused (see worker.training.monitoring)."""

    kind = serializers.ChoiceField(choices=list(names.ANOMALY_KINDS))
    step = serializers.IntegerField(min_value=0, max_value=INT32_MAX)
    loss = FiniteFloatField(allow_null=True)
    baseline = FiniteFloatField(allow_null=True)
    ratio = FiniteFloatField(allow_null=True)
    learning_rate = FiniteFloatField(allow_null=True)
    curve = serializers.ListField(child=AnomalyPointSerializer(), max_length=100)
    resume_step = serializers.IntegerField(min_value=0, max_value=INT32_MAX)


class CompleteRequestSerializer(FencedSerializer):
    stopped = serializers.ChoiceField(
        choices=["", "cancel", "pause"],
        required=False,
        default="",
        help_text="Empty: training finished (adapter required). `cancel`/`pause`: stopped early "
        "on request; the last checkpoint was uploaded before.",
    )
    result = JSONObjectField(required=False, binary=True, default=dict)
    final_metrics = JSONObjectField(required=False, binary=True, default=dict)
    adapter = serializers.FileField(required=False, allow_null=True, default=None)
    adapter_sha256 = serializers.RegexField(
        r"^([0-9a-fA-F]{64})?$",
        required=False,
        allow_blank=True,
        default="",
        help_text="Hex sha256.",
        error_messages={"invalid": "Must be 64 hex digits."},
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("adapter") is not None and not attrs.get("adapter_sha256"):
            raise serializers.ValidationError({"adapter_sha256": ["Required with an adapter."]})
        result = attrs.get("result") or {}
        if result.get("anomaly") is not None:
            # Only an auto-pause carries one; it reaches the job page, so it is checked here.
            anomaly = AnomalyInSerializer(data=result["anomaly"])
            if attrs.get("stopped") != "pause" or not anomaly.is_valid():
                raise serializers.ValidationError(
                    {"result": ["`anomaly` must be a valid anomaly of a paused run."]}
                )
            attrs["result"] = {**result, "anomaly": dict(anomaly.validated_data)}
        return attrs


class CompleteResponseSerializer(serializers.Serializer):
    status = serializers.CharField()
    adapter_sha256 = serializers.CharField(allow_blank=True)


class FailRequestSerializer(FencedSerializer):
    category = serializers.ChoiceField(choices=FAILURE_CATEGORIES)
    message = serializers.CharField(max_length=8000)
    step = serializers.IntegerField(
        max_value=INT32_MAX, min_value=0, required=False, allow_null=True, default=None
    )
    stage = serializers.ChoiceField(choices=Stage.choices, required=False, allow_blank=True)
    line = serializers.IntegerField(
        max_value=INT32_MAX, min_value=1, required=False, allow_null=True, default=None
    )
    details = serializers.DictField(required=False, default=dict)
    events = serializers.ListField(
        child=EventInSerializer(), max_length=MAX_EVENTS, required=False, default=list
    )


class FailResponseSerializer(serializers.Serializer):
    status = serializers.CharField()
    error_category = serializers.CharField()


class WorkerErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()

    def get_fields(self) -> dict[str, serializers.Field]:
        # `fields` is the error shape's key, but also a Serializer attribute: add it here.
        fields = super().get_fields()
        fields["fields"] = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField())
        )
        return fields


class WorkerErrorSerializer(serializers.Serializer):
    error = WorkerErrorDetailSerializer()
