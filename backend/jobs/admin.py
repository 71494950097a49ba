"""Django admin for jobs: the operator's view, with the same services the API uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from backend.accounts.authentication import signed_in_user
from backend.common.errors import ApplicationError
from backend.jobs.models import Attempt, Checkpoint, GpuType, Job, JobPause, StageRun
from backend.jobs.pausing import job_pause, job_resume
from backend.jobs.services import job_cancel
from backend.telemetry.models import METRIC_VALUE_FIELDS, Event, MetricPoint


@admin.register(GpuType)
class GpuTypeAdmin(admin.ModelAdmin[GpuType]):
    list_display = (
        "name",
        "slug",
        "memory_gb",
        "spot_hourly_rate",
        "on_demand_hourly_rate",
        "bf16_tflops",
        "max_workers",
        "is_active",
    )
    list_editable = ("spot_hourly_rate", "on_demand_hourly_rate", "max_workers", "is_active")
    search_fields = ("name", "slug")


class StageRunInline(admin.TabularInline[StageRun, Job]):
    model = StageRun
    extra = 0
    can_delete = False
    fields = ("stage", "state", "started_at", "finished_at", "substatus", "estimated_seconds")
    readonly_fields = fields


class AttemptInline(admin.TabularInline[Attempt, Job]):
    model = Attempt
    extra = 0
    can_delete = False
    fields = (
        "number",
        "fence",
        "created_at",
        "claimed_at",
        "ended_at",
        "end_reason",
        "worker_host",
        "resume_step",
    )
    readonly_fields = fields


class PauseInline(admin.TabularInline[JobPause, Job]):
    model = JobPause
    extra = 0
    can_delete = False
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
        "ended_at",
        "resumed_by",
        "resume_gpu_type",
        "resume_changes",
        "note",
    )
    readonly_fields = fields


class CheckpointInline(admin.TabularInline[Checkpoint, Job]):
    model = Checkpoint
    extra = 0
    can_delete = False
    fields = ("step", "attempt", "size_bytes", "sha256", "created_at")
    readonly_fields = fields


class _RecentInline(admin.TabularInline[Any, Job]):
    """Shows only the newest rows: a job can hold a million events."""

    extra = 0
    can_delete = False
    max_rows = 50

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        job_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        if job_id is None:
            return qs.none()
        newest = qs.filter(job_id=job_id).order_by(f"-{self.order_field}")
        ids = list(newest.values_list("pk", flat=True)[: self.max_rows])
        return qs.filter(pk__in=ids)

    order_field = "pk"


class EventInline(_RecentInline):
    model = Event
    order_field = "seq"
    verbose_name_plural = "events (newest 50; full log in the API / export)"
    fields = ("seq", "attempt", "created_at", "type", "message")
    readonly_fields = fields


_METRIC_COLUMNS: tuple[str, ...] = ("step", *METRIC_VALUE_FIELDS)


class MetricInline(_RecentInline):
    model = MetricPoint
    order_field = "step"
    verbose_name_plural = "metrics (last 50 steps)"
    fields = _METRIC_COLUMNS
    readonly_fields = _METRIC_COLUMNS


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = (
        "name",
        "status",
        "stage",
        "progress",
        "cost",
        "created_by",
        "gpu_type",
        "created_at",
        "attempt",
    )
    list_filter = ("status", "stage", "gpu_type", "pricing", "preset", "error_category")
    search_fields = ("name", "id", "created_by__username", "base_model")
    list_select_related = ("created_by", "gpu_type")
    date_hierarchy = "created_at"
    actions = ["cancel_selected", "pause_selected", "resume_selected"]
    inlines = [
        StageRunInline,
        AttemptInline,
        PauseInline,
        CheckpointInline,
        MetricInline,
        EventInline,
    ]
    readonly_fields = (
        "full_history",
        "status",
        "stage",
        "substatus",
        "recovering",
        "current_step",
        "total_steps",
        "current_epoch",
        "total_epochs",
        "created_at",
        "queued_at",
        "started_at",
        "finished_at",
        "billed_seconds",
        "billing_since",
        "final_cost",
        "hourly_rate",
        "attempt",
        "fence",
        "heartbeat_at",
        "cancel_reason",
        "cancel_notes",
        "cancelled_by",
        "cancel_requested_at",
        "error_category",
        "error_message",
        "error_step",
        "latest_metrics",
        "previous_metrics",
        "result",
        "est_total_steps",
        "est_total_tokens",
        "est_duration_seconds",
        "est_cost_min",
        "est_cost_max",
        "est_basis",
        "last_event_seq",
        "adapter_sha256",
        "adapter_size_bytes",
        "pause_requested_at",
        "spend_before_rate",
        "seconds_before_rate",
    )

    @admin.display(description="Full history")
    def full_history(self, job: Job) -> str:
        # The inlines show the newest rows; the changelists page through all of them.
        events = reverse("admin:telemetry_event_changelist") + f"?job__id__exact={job.pk}"
        metrics = reverse("admin:telemetry_metricpoint_changelist") + f"?job__id__exact={job.pk}"
        return format_html(
            '<a href="{}">All {} events</a> · <a href="{}">All metric points</a>',
            events,
            job.last_event_seq,
            metrics,
        )

    @admin.display(description="Progress")
    def progress(self, job: Job) -> str:
        return f"{job.percent_complete:.0f}% ({job.current_step}/{job.total_steps})"

    @admin.display(description="Cost", ordering="final_cost")
    def cost(self, job: Job) -> str:
        return f"${job.spend_at(timezone.now()):.2f}"

    @admin.action(description="Cancel selected jobs (reason: other)")
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        done = 0
        for job in queryset:
            try:
                job_cancel(
                    job_id=job.pk,
                    user=signed_in_user(request),
                    reason="other",
                    notes="Cancelled from the admin",
                )
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{job.name}: {exc.message}", messages.WARNING)
        self.message_user(request, f"Cancelled {done} job(s).", messages.SUCCESS)

    @admin.action(description="Pause selected running jobs (at their next step)")
    def pause_selected(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        self._each(
            request,
            queryset,
            "Pause requested for",
            lambda job: job_pause(job_id=job.pk, user=signed_in_user(request)),
        )

    @admin.action(description="Resume selected paused jobs (same GPU type)")
    def resume_selected(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        self._each(
            request,
            queryset,
            "Resumed",
            lambda job: job_resume(job_id=job.pk, user=signed_in_user(request)),
        )

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Job],
        done_text: str,
        call: Callable[[Job], object],
    ) -> None:
        done = 0
        for job in queryset:
            try:
                call(job)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{job.name}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{done_text} {done} job(s).", messages.SUCCESS)
