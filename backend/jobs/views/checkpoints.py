"""Checkpoints of a job, whatever its status (also cancelled, failed and paused ones): list them
with their step and metrics, download one, or download the LoRA adapter inside one."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.common.http import SHA256_HEADER
from backend.jobs.artifacts import checkpoint_adapter_open
from backend.jobs.models import Checkpoint, Job
from backend.jobs.policies import can_view


class CheckpointSerializer(serializers.ModelSerializer[Checkpoint]):
    download_url = serializers.SerializerMethodField()
    adapter_download_url = serializers.SerializerMethodField()

    class Meta:
        model = Checkpoint
        fields = (
            "id",
            "step",
            "attempt",
            "metrics",
            "size_bytes",
            "sha256",
            "created_at",
            "download_url",
            "adapter_download_url",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_download_url(self, checkpoint: Checkpoint) -> str:
        return reverse(
            "job-checkpoint-download", kwargs={"pk": checkpoint.job_id, "cid": checkpoint.pk}
        )

    @extend_schema_field(
        serializers.CharField(
            help_text="The LoRA adapter at this step, packed like a completed job's adapter "
            "(adapter/adapter_config.json + adapter_model.safetensors, .tar.gz)."
        )
    )
    def get_adapter_download_url(self, checkpoint: Checkpoint) -> str:
        return reverse(
            "job-checkpoint-adapter", kwargs={"pk": checkpoint.job_id, "cid": checkpoint.pk}
        )


def _visible_checkpoint(request: Request, pk: str, cid: int) -> Checkpoint:
    checkpoint = get_object_or_404(Checkpoint.objects.select_related("job"), pk=cid, job_id=pk)
    if not can_view(request.user, checkpoint.job):
        raise PermissionDenied("You cannot see this job.")
    return checkpoint


class JobCheckpointListView(generics.ListAPIView[Checkpoint]):
    serializer_class = CheckpointSerializer
    pagination_class = None
    queryset = Checkpoint.objects.none()

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Checkpoint.objects.none()
        job = get_object_or_404(Job.objects.only("pk"), pk=self.kwargs["pk"])
        if not can_view(self.request.user, job):
            raise PermissionDenied("You cannot see this job.")
        return Checkpoint.objects.filter(job=job).order_by("step")

    @extend_schema(
        tags=["jobs"],
        summary="A job's checkpoints (any status: cancelled, failed and paused jobs keep theirs)",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class JobCheckpointDownloadView(APIView):
    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}, tags=["jobs"]
    )
    def get(self, request: Request, pk: str, cid: int) -> FileResponse:
        checkpoint = _visible_checkpoint(request, pk, cid)
        response = FileResponse(
            checkpoint.file.open("rb"),
            as_attachment=True,
            filename=f"checkpoint-step-{checkpoint.step}.pt",
            # Not guessed from `.pt` (that would be application/vnd.snesdev-page-table).
            content_type="application/octet-stream",
        )
        response[SHA256_HEADER] = checkpoint.sha256
        return response


class JobCheckpointAdapterView(APIView):
    @extend_schema(
        responses={(200, "application/gzip"): OpenApiTypes.BINARY},
        tags=["jobs"],
        summary="The LoRA adapter inside a checkpoint",
        description="The adapter weights saved at the checkpoint's step, packed as a completed "
        "job's adapter is: what a cancelled, failed or paused job trained so far. 409 "
        "`checkpoint_unreadable` when the stored file fails its sha256 check.",
    )
    def get(self, request: Request, pk: str, cid: int) -> FileResponse:
        checkpoint = _visible_checkpoint(request, pk, cid)
        name = f"{checkpoint.job.name}-step-{checkpoint.step}-adapter.tar.gz".replace("/", "_")
        return FileResponse(
            checkpoint_adapter_open(checkpoint=checkpoint),
            as_attachment=True,
            filename=name,
            content_type="application/gzip",
        )
