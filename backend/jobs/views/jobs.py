"""Jobs: list and create, estimate, detail, cancel, adapter download."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db.models import Max
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.authentication import signed_in_user
from backend.common.errors import ApplicationError
from backend.common.types import JobId
from backend.jobs import selectors, services
from backend.jobs.estimates import estimate_job
from backend.jobs.filters import JobFilter
from backend.jobs.models import Job, JobStatus
from backend.jobs.policies import can_manage, can_view
from backend.jobs.serializers import (
    CancelSerializer,
    CloneTemplateSerializer,
    EstimateSerializer,
    JobCreateSerializer,
    JobListSerializer,
)
from backend.jobs.serializers.job_detail import JobDetailSerializer
from backend.scheduling.selectors import queue_positions, queue_view
from worker.contract.hyperparameters import resolve_hyperparameters

ORDERING_PARAM = OpenApiParameter(
    "ordering",
    str,
    description="Sort: created_at, name, status, started_at, duration, cost; prefix - for "
    "descending. Default -created_at.",
    enum=[f"{p}{f}" for f in selectors.ORDERING_FIELDS for p in ("", "-")],
)


CREATOR_PARAM = OpenApiParameter(
    "creator", str, description="A user id, or `me` for your own jobs.", pattern=r"^(me|\d{1,18})$"
)


def _queue_context(request: Request) -> dict[str, Any]:
    view = queue_view(viewer_id=request.user.pk)
    return {
        "queue_positions": view.positions,
        "estimated_starts": view.starts,
        "queue_reasons": view.reasons,
        "queue_passable": view.passable,
    }


def _detail_response(request: Request, job_id: JobId, **kw: Any) -> Response:
    job = selectors.job_detail(job_id=job_id)
    context: dict[str, Any] = {"request": request}
    if job.status == JobStatus.QUEUED:
        context |= _queue_context(request)
    return Response(JobDetailSerializer(job, context=context).data, **kw)


# The columns a jobs-list row shows or needs (JobListSerializer, allowed_actions): the rest
# of the job (65 columns, six JSON documents among them) and of its creator and GPU type is
# not loaded. The list's constant-query test fails if a row reads a column left out here.
LIST_FIELDS = (
    "name",
    "status",
    "stage",
    "current_step",
    "total_steps",
    "created_at",
    "started_at",
    "finished_at",
    "billed_seconds",
    "billing_since",
    "seconds_before_rate",
    "spend_before_rate",
    "hourly_rate",
    "preset",
    "pricing",
    "base_model",
    "recovering",
    "pause_requested_at",
    "priority",
    "created_by__username",
    "created_by__first_name",
    "created_by__last_name",
    "gpu_type__slug",
    "gpu_type__name",
)


def ordered_jobs(request: Request) -> Any:
    """The jobs list's queryset in the request's `ordering` (400 for an unknown one); the
    list's filters are applied on top by its FilterSet (list and CSV export alike)."""
    ordering = request.query_params.get("ordering", "-created_at")
    if ordering.lstrip("-") not in selectors.ORDERING_FIELDS:
        raise ApplicationError(
            "Unknown ordering.",
            code="validation_error",
            fields={"ordering": [f"Use one of {', '.join(selectors.ORDERING_FIELDS)}."]},
        )
    return selectors.jobs_list(ordering=ordering)


class JobListCreateView(generics.ListAPIView[Job]):
    serializer_class = JobListSerializer
    filterset_class = JobFilter

    def get_queryset(self) -> Any:
        # Building every column of 25 jobs, their creators and GPU types, and decoding six JSON
        # documents per job, was a good part of the list's cost (dashboards poll it).
        return ordered_jobs(self.request).only(*LIST_FIELDS)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "queue_positions": queue_positions()}

    @extend_schema(parameters=[ORDERING_PARAM, CREATOR_PARAM], tags=["jobs"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=JobCreateSerializer,
        responses={201: JobDetailSerializer},
        tags=["jobs"],
        summary="Submit a job",
    )
    def post(self, request: Request) -> Response:
        serializer = JobCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = signed_in_user(request)
        source: Job | None = data.get("cloned_from")
        if source is not None and not can_view(user, source):
            # Said like a missing job: a job you may not see does not exist for you.
            raise ApplicationError(
                "Some fields are invalid.",
                code="validation_error",
                fields={"cloned_from": [f'Invalid pk "{source.pk}" - object does not exist.']},
            )
        job = services.job_create(
            created_by=user,
            name=data["name"],
            dataset=data["dataset_id"],
            validation_dataset=data.get("validation_dataset_id"),
            base_model=data["base_model"],
            preset=data["preset"],
            hyperparameters=data.get("hyperparameters"),
            gpu_type=data["gpu_type"],
            pricing=data["pricing"],
            metadata=data.get("metadata"),
            cloned_from=source,
            priority=data["priority"],
            budget_cap=data.get("budget_cap"),
            budget_action=data["budget_action"],
            anomaly_pause=data["anomaly_pause"],
        )
        return _detail_response(request, job.pk, status=status.HTTP_201_CREATED)


class JobEstimateView(APIView):
    @extend_schema(
        request=JobCreateSerializer,
        responses={200: EstimateSerializer},
        tags=["jobs"],
        summary="Estimate steps, duration and cost without creating a job",
    )
    def post(self, request: Request) -> Response:
        serializer = JobCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        estimate = estimate_job(
            dataset=data["dataset_id"],
            validation_dataset=data.get("validation_dataset_id"),
            base_model=data["base_model"],
            hyperparameters=resolve_hyperparameters(data["preset"], data.get("hyperparameters")),
            gpu_type=data["gpu_type"],
            pricing=data["pricing"],
        )
        if estimate is None:
            raise ApplicationError(
                "Cannot estimate this model: its size is unknown.",
                code="estimate_unavailable",
                fields={"base_model": ["Unknown model size; pick a listed model."]},
            )
        return Response(EstimateSerializer(estimate.as_dict()).data)


def _etag(request: Request, job: Job) -> str:
    """Cheap validator for polling: anything the payload shows changes one of these."""
    parts = [str(job.pk), job.updated_at.isoformat(), str(job.last_event_seq), str(request.user.pk)]
    if job.status == JobStatus.QUEUED:
        # Queue position and estimated start move when any job ahead moves.
        latest = Job.objects.filter(status__in=["queued", "provisioning", "running"]).aggregate(
            m=Max("updated_at")
        )["m"]
        parts.append(latest.isoformat() if latest else "")
    return '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + '"'


class JobDetailView(APIView):
    @extend_schema(
        responses={200: JobDetailSerializer, 304: OpenApiResponse(description="Not modified")},
        parameters=[OpenApiParameter("If-None-Match", str, OpenApiParameter.HEADER)],
        tags=["jobs"],
    )
    def get(self, request: Request, pk: str) -> Response:
        job = get_object_or_404(
            Job.objects.only("pk", "updated_at", "last_event_seq", "status"), pk=pk
        )
        etag = _etag(request, job)
        if etag in request.headers.get("If-None-Match", ""):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        response = _detail_response(request, pk)
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return response

    @extend_schema(responses={204: None}, tags=["jobs"], summary="Delete a finished job")
    def delete(self, request: Request, pk: str) -> Response:
        job = get_object_or_404(Job, pk=pk)
        if not can_manage(request.user, job):
            raise PermissionDenied("Only the job's creator or a manager can delete it.")
        services.job_delete(job_id=job.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class JobCancelView(APIView):
    @extend_schema(request=CancelSerializer, responses={200: JobDetailSerializer}, tags=["jobs"])
    def post(self, request: Request, pk: str) -> Response:
        job = get_object_or_404(Job, pk=pk)
        if not can_manage(request.user, job):
            raise PermissionDenied("Only the job's creator or a manager can cancel it.")
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.job_cancel(
            job_id=job.pk,
            user=signed_in_user(request),
            reason=serializer.validated_data["reason"],
            notes=serializer.validated_data["notes"],
        )
        return _detail_response(request, job.pk)


class JobCloneTemplateView(APIView):
    @extend_schema(
        responses={200: CloneTemplateSerializer},
        tags=["jobs"],
        summary="A create body that duplicates this job",
        description="Everything needed to submit the job again: POST it to /api/training/jobs "
        "as it is, or with changes. `cloned_from` records the source on the new job.",
    )
    def get(self, request: Request, pk: str) -> Response:
        job = get_object_or_404(
            Job.objects.select_related("dataset", "validation_dataset", "gpu_type"), pk=pk
        )
        if not can_view(request.user, job):
            raise PermissionDenied("You cannot see this job.")
        template = selectors.job_clone_template(job=job)
        return Response(CloneTemplateSerializer(template).data)


class JobAdapterDownloadView(APIView):
    @extend_schema(responses={(200, "application/gzip"): OpenApiTypes.BINARY}, tags=["jobs"])
    def get(self, request: Request, pk: str) -> FileResponse:
        job = get_object_or_404(Job, pk=pk)
        if not job.adapter_file:
            raise ApplicationError(
                "This job has no adapter yet.", code="not_found", status_code=404
            )
        return FileResponse(
            job.adapter_file.open("rb"),
            as_attachment=True,
            filename=f"{job.name}-adapter.tar.gz".replace("/", "_"),
            content_type="application/gzip",
        )
