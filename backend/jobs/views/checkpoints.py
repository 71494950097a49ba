"""Checkpoints of a job: list and download."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.common.http import SHA256_HEADER
from backend.jobs.models import Checkpoint, Job


class CheckpointSerializer(serializers.ModelSerializer[Checkpoint]):
    download_url = serializers.SerializerMethodField()

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
        )
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_download_url(self, checkpoint: Checkpoint) -> str:
        return reverse(
            "job-checkpoint-download", kwargs={"pk": checkpoint.job_id, "cid": checkpoint.pk}
        )


class JobCheckpointListView(generics.ListAPIView[Checkpoint]):
    serializer_class = CheckpointSerializer
    pagination_class = None
    queryset = Checkpoint.objects.none()

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Checkpoint.objects.none()
        job = get_object_or_404(Job.objects.only("pk"), pk=self.kwargs["pk"])
        return Checkpoint.objects.filter(job=job).order_by("step")

    @extend_schema(tags=["jobs"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class JobCheckpointDownloadView(APIView):
    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}, tags=["jobs"]
    )
    def get(self, request: Request, pk: str, cid: int) -> FileResponse:
        checkpoint = get_object_or_404(Checkpoint, pk=cid, job_id=pk)
        response = FileResponse(
            checkpoint.file.open("rb"),
            as_attachment=True,
            filename=f"checkpoint-step-{checkpoint.step}.pt",
            # Not guessed from `.pt` (that would be application/vnd.snesdev-page-table).
            content_type="application/octet-stream",
        )
        response[SHA256_HEADER] = checkpoint.sha256
        return response
