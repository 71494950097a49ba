"""Pause and resume a job (FR2.2.2), its pause history, and the resume modal's options."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.authentication import signed_in_user
from backend.jobs import pausing
from backend.jobs.models import Job
from backend.jobs.policies import can_manage
from backend.jobs.serializers.job_detail import JobDetailSerializer
from backend.jobs.serializers.pause import (
    PauseHistorySerializer,
    ResumeOptionsSerializer,
    ResumeSerializer,
)
from backend.jobs.views.jobs import _detail_response


def _managed_job(request: Request, pk: str, verb: str) -> Job:
    job = get_object_or_404(Job, pk=pk)
    if not can_manage(request.user, job):
        raise PermissionDenied(f"Only the job's creator or a manager can {verb} it.")
    return job


class JobPauseView(APIView):
    @extend_schema(
        request=None,
        responses={200: JobDetailSerializer},
        tags=["jobs"],
        summary="Pause a running job at its next step boundary",
        description="The worker finishes any checkpoint upload under way, saves and uploads a "
        "checkpoint at the next step boundary and releases its slot; the job then shows "
        "`paused`. Until then `pause.state` is `requested`. Repeating the request is harmless. "
        "409 for a queued or starting job (cancel it instead), while finalizing, while "
        "cancelling and once finished.",
    )
    def post(self, request: Request, pk: str) -> Response:
        job = _managed_job(request, pk, "pause")
        pausing.job_pause(job_id=job.pk, user=signed_in_user(request))
        return _detail_response(request, job.pk)


class JobResumeView(APIView):
    @extend_schema(
        request=ResumeSerializer,
        responses={200: JobDetailSerializer},
        tags=["jobs"],
        summary="Resume a paused job: back in the queue, from its newest checkpoint",
        description="Optionally on another GPU type (the rest is billed at its rate) and with "
        "changed hyperparameters (not those that change the data order, the step count or the "
        "adapter's shape). 409 unless the job is paused.",
    )
    def post(self, request: Request, pk: str) -> Response:
        job = _managed_job(request, pk, "resume")
        serializer = ResumeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pausing.job_resume(
            job_id=job.pk,
            user=signed_in_user(request),
            gpu_type=serializer.validated_data.get("gpu_type"),
            hyperparameters=serializer.validated_data.get("hyperparameters"),
        )
        return _detail_response(request, job.pk)


class JobPauseHistoryView(APIView):
    @extend_schema(
        responses={200: PauseHistorySerializer},
        tags=["jobs"],
        summary="Every pause of the job, and its active (billed) vs paused time",
    )
    def get(self, request: Request, pk: str) -> Response:
        job = get_object_or_404(Job, pk=pk)
        now = timezone.now()
        pauses = job.pauses.select_related("requested_by", "resumed_by", "resume_gpu_type")
        data = {
            "active_seconds": job.billed_seconds_at(now),
            "paused_seconds": pausing.paused_seconds(job, now),
            "pauses": list(pauses),
        }
        return Response(PauseHistorySerializer(data, context={"now": now}).data)


class JobResumeOptionsView(APIView):
    @extend_schema(
        responses={200: ResumeOptionsSerializer},
        tags=["jobs"],
        summary="What resuming costs from the checkpoint, per GPU type, with warnings",
    )
    def get(self, request: Request, pk: str) -> Response:
        job = _managed_job(request, pk, "resume")
        return Response(ResumeOptionsSerializer(pausing.resume_options(job=job)).data)
