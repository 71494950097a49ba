"""Response shapes of the queue and fleet endpoints."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# A queue card is the jobs list's row. Context: request, now, queue_positions.
from backend.accounts.serializers import UserSummarySerializer
from backend.jobs.serializers import JobListSerializer
from backend.scheduling.fleet import worker_state
from backend.scheduling.models import Worker, WorkerState


class ActiveSlotSerializer(serializers.Serializer[Any]):
    slot = serializers.IntegerField(help_text="1..concurrency_limit, oldest attempt first.")
    job = JobListSerializer()
    estimated_finish_at = serializers.DateTimeField()


class QueuedEntrySerializer(serializers.Serializer[Any]):
    position = serializers.IntegerField(help_text="1 = starts next.")
    job = JobListSerializer()
    estimated_start_at = serializers.DateTimeField(
        allow_null=True,
        help_text="Simulated: active jobs free their slots at their estimated finish and each "
        "queued job, in order, takes the earliest free slot of its pool under the global "
        "limit. Null when no worker of its GPU type is online.",
    )
    wait_seconds = serializers.FloatField(
        help_text="How long the job has waited so far (since it last entered the queue)."
    )
    pool = serializers.CharField(help_text="The GPU type (slug) whose workers run this job.")
    reason = serializers.CharField(help_text="Why the job waits, in words.")
    passable_until = serializers.DateTimeField(
        help_text="Ageing bound: jobs submitted after this instant, whatever their priority, "
        "start after this one (a low-priority job cannot starve)."
    )


class QueueAnalyticsSerializer(serializers.Serializer[Any]):
    depth = serializers.IntegerField(help_text="Jobs queued now.")
    started_last_hour = serializers.IntegerField(
        help_text="Jobs first started within the last hour."
    )
    average_wait_seconds_24h = serializers.FloatField(
        allow_null=True,
        help_text="Mean of started_at - created_at over jobs first started in the last 24 h.",
    )
    longest_wait_seconds_24h = serializers.FloatField(allow_null=True)
    average_wait_seconds_7d = serializers.FloatField(allow_null=True)
    longest_wait_seconds_7d = serializers.FloatField(allow_null=True)


class WorkerJobSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    name = serializers.CharField()


class FleetWorkerSerializer(serializers.Serializer[Any]):
    """One worker of the fleet. Context: now."""

    name = serializers.CharField()
    gpu_type = serializers.CharField(source="gpu_type.slug")
    gpu_type_name = serializers.CharField(source="gpu_type.name")
    host = serializers.CharField()
    state = serializers.SerializerMethodField()
    current_job = serializers.SerializerMethodField()
    device = serializers.DictField(help_text="kind (gpu/cpu), name, count, memory_gb.")
    software = serializers.DictField(child=serializers.CharField())
    registered_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ChoiceField(choices=WorkerState.choices))
    def get_state(self, worker: Worker) -> str:
        return worker_state(worker, self.context.get("now"))

    @extend_schema_field(WorkerJobSerializer(allow_null=True))
    def get_current_job(self, worker: Worker) -> dict[str, Any] | None:
        if worker_state(worker, self.context.get("now")) != WorkerState.BUSY:
            return None
        job = worker.current_job
        assert job is not None  # busy means it has an active job
        return {"id": job.pk, "name": job.name}


class PoolSerializer(serializers.Serializer[Any]):
    gpu_type = serializers.CharField(source="slug")
    name = serializers.CharField()
    live_workers = serializers.IntegerField()
    capacity = serializers.IntegerField(
        help_text="Jobs this pool may run at once: live workers, capped in admin when set."
    )


class FleetSerializer(serializers.Serializer[Any]):
    workers = FleetWorkerSerializer(many=True)
    pools = PoolSerializer(many=True)


class QueueSerializer(serializers.Serializer[Any]):
    concurrency_limit = serializers.IntegerField()
    active_count = serializers.IntegerField()
    active = ActiveSlotSerializer(many=True)
    queued = QueuedEntrySerializer(many=True)
    pools = PoolSerializer(many=True)
    depth = serializers.IntegerField()
    analytics = QueueAnalyticsSerializer()


def _dollars(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)


class SpendFiguresSerializer(serializers.Serializer[Any]):
    """Spent / committed / budget / left of one person or the team for the month. Context: none;
    the instance is (Spend, budget)."""

    spent = serializers.FloatField(help_text="Dollars billed this month (jobs submitted in it).")
    committed = serializers.FloatField(
        help_text="Dollars unfinished jobs are still expected to cost (estimate upper bound or "
        "their own cap, less what they spent)."
    )
    budget = serializers.FloatField(allow_null=True, help_text="Monthly budget; null: none.")
    remaining = serializers.FloatField(
        allow_null=True, help_text="budget - spent - committed (may be negative); null: no budget."
    )
    jobs = serializers.IntegerField(help_text="Jobs submitted this month.")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        spend, budget = instance
        left = spend.left(budget)
        return {
            "spent": _dollars(spend.spent),
            "committed": _dollars(spend.committed),
            "budget": _dollars(budget),
            "remaining": _dollars(left),
            "jobs": spend.jobs,
        }


class PersonSpendSerializer(serializers.Serializer[Any]):
    user = UserSummarySerializer()
    month = serializers.SerializerMethodField()
    running = serializers.IntegerField(help_text="Jobs holding a GPU slot now.")
    queued = serializers.IntegerField(help_text="Jobs queued now.")
    max_running = serializers.IntegerField(allow_null=True, help_text="Running limit; null: none.")
    max_queued = serializers.IntegerField(allow_null=True, help_text="Queued limit; null: none.")
    allow_high_priority = serializers.BooleanField(help_text="May submit high-priority jobs.")

    @extend_schema_field(SpendFiguresSerializer)
    def get_month(self, person: Any) -> dict[str, Any]:
        return SpendFiguresSerializer((person.spend, person.budget)).data


class SpendSerializer(serializers.Serializer[Any]):
    period_start = serializers.DateTimeField(source="start", help_text="First instant (UTC).")
    period_end = serializers.DateTimeField(source="end", help_text="End (exclusive, UTC).")
    team = serializers.SerializerMethodField()
    users = PersonSpendSerializer(many=True, help_text="Everyone with a job this month.")
    me = PersonSpendSerializer(help_text="The person asking: their figures and limits.")

    @extend_schema_field(SpendFiguresSerializer)
    def get_team(self, view: Any) -> dict[str, Any]:
        return SpendFiguresSerializer((view.team, view.team_budget)).data
