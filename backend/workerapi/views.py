"""Worker endpoints under /api/worker/jobs/{job_id}/: validate, call a service, serialize."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from backend.common.errors import Conflict, PayloadTooLarge
from backend.common.http import SHA256_HEADER
from backend.common.parsing import SafeFormParser, SafeMultiPartParser
from backend.jobs.models import Checkpoint, Job
from backend.workerapi import serializers as s
from backend.workerapi import services
from backend.workerapi.auth import check_fence
from backend.workerapi.base import WorkerAPIView, errors

TAGS = ["worker"]
WRITE_ERRORS = errors(400, 401, 404, 409, 413)


def _file_ref(request: Request, url_name: str, file: Any, sha256: str, **kw: Any) -> dict:
    return {
        "url": reverse(url_name, kwargs=kw),
        "sha256": sha256,
        "size_bytes": file.size,
        "name": file.name.rsplit("/", 1)[-1],
    }


def _dataset_ref(request: Request, job: Job, *, validation: bool) -> dict | None:
    dataset = job.validation_dataset if validation else job.dataset
    if dataset is None:
        return None
    name = "workerapi:validation-dataset" if validation else "workerapi:dataset"
    return _file_ref(request, name, dataset.file, dataset.sha256, job_id=job.pk)


class ClaimView(WorkerAPIView):
    @extend_schema(
        tags=TAGS,
        operation_id="worker_claim",
        summary="Claim the attempt (once) and get the job spec",
        request=s.ClaimRequestSerializer,
        responses={200: s.ClaimResponseSerializer, **errors(400, 401, 404, 409)},
    )
    def post(self, request: Request, job_id: str) -> Response:
        data = self.validated(s.ClaimRequestSerializer, fenced=False)
        if data["attempt"] != self.attempt.number:
            check_fence(self.attempt, number=data["attempt"], fence=None)
        claim = services.attempt_claim(
            attempt=self.attempt,
            worker_host=data.get("worker_host", ""),
            worker_name=data.get("worker"),
            worker_gpu_type=data.get("gpu_type"),
        )
        job, ckpt = claim.job, claim.checkpoint
        body = {
            "action": claim.action,
            "attempt": claim.attempt.number,
            "fence": claim.attempt.fence,
            "job": {
                "id": job.pk,
                "name": job.name,
                "base_model": job.base_model,
                "hyperparameters": job.hyperparameters,
                "total_epochs": job.total_epochs,
                "total_steps": job.total_steps,
                "anomaly_pause": job.anomaly_pause,
                "hourly_rate": float(job.hourly_rate),
            },
            "dataset": _dataset_ref(request, job, validation=False),
            "validation_dataset": _dataset_ref(request, job, validation=True),
            "checkpoint": None,
            "resume_step": claim.attempt.resume_step,
            "heartbeat_seconds": settings.LORA_HEARTBEAT_SECONDS,
            "limits": s.limits(),
        }
        if ckpt is not None:
            body["checkpoint"] = {
                **_file_ref(
                    request,
                    "workerapi:checkpoint-file",
                    ckpt.file,
                    ckpt.sha256,
                    job_id=job.pk,
                    step=ckpt.step,
                ),
                "step": ckpt.step,
            }
        return Response(s.ClaimResponseSerializer(body).data)


class StageView(WorkerAPIView):
    @extend_schema(
        tags=TAGS,
        operation_id="worker_stage",
        summary="Report a stage transition (active / completed / failed)",
        request=s.StageRequestSerializer,
        responses={200: s.StageResponseSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, job_id: str) -> Response:
        data = self.validated(s.StageRequestSerializer)
        run = services.stage_update(
            attempt=self.attempt, stage=data["stage"], state=data["state"], message=data["message"]
        )
        body = {
            "stage": run.stage,
            "state": run.state,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "action": services.action_for(
                Job.objects.only("status", "budget_cap", "budget_action", "final_cost").get(
                    pk=job_id
                )
            ),
        }
        return Response(s.StageResponseSerializer(body).data)


class MetricsView(WorkerAPIView):
    @extend_schema(
        tags=TAGS,
        operation_id="worker_metrics",
        summary="Upsert a batch of metric points (idempotent per step) and progress",
        request=s.MetricsRequestSerializer,
        responses={200: s.StoredSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, job_id: str) -> Response:
        data = self.validated(s.MetricsRequestSerializer)
        result = services.metrics_ingest(
            attempt=self.attempt,
            points=[dict(p) for p in data["points"]],
            progress=dict(data["progress"]) if "progress" in data else None,
            substatus=data.get("substatus"),
        )
        return Response({"stored": result.stored, "action": result.action})


class EventsView(WorkerAPIView):
    @extend_schema(
        tags=TAGS,
        operation_id="worker_events",
        summary="Append a batch of events (idempotent per worker seq)",
        request=s.EventsRequestSerializer,
        responses={200: s.StoredSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, job_id: str) -> Response:
        data = self.validated(s.EventsRequestSerializer)
        result = services.events_ingest(
            attempt=self.attempt, events=[dict(e) for e in data["events"]]
        )
        return Response({"stored": result.stored, "action": result.action})


class LogLinesView(WorkerAPIView):
    @extend_schema(
        tags=TAGS,
        operation_id="worker_logs",
        summary="Append a batch of the training process's log lines (idempotent per seq; "
        "rate-limited per job, with a 'N lines dropped' marker)",
        request=s.LogLinesRequestSerializer,
        responses={200: s.LogLinesStoredSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, job_id: str) -> Response:
        data = self.validated(s.LogLinesRequestSerializer)
        result, action = services.log_lines_ingest(
            attempt=self.attempt, lines=[dict(line) for line in data["lines"]]
        )
        return Response({"stored": result.stored, "dropped": result.dropped, "action": action})


class HeartbeatView(WorkerAPIView):
    @extend_schema(
        tags=TAGS,
        operation_id="worker_heartbeat",
        summary="Renew the slot lease; the reply says continue / cancel / pause",
        request=s.HeartbeatRequestSerializer,
        responses={200: s.HeartbeatResponseSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, job_id: str) -> Response:
        data = self.validated(s.HeartbeatRequestSerializer)
        action = services.attempt_heartbeat(
            attempt=self.attempt,
            progress=dict(data["progress"]) if "progress" in data else None,
            substatus=data.get("substatus"),
        )
        return Response({"action": action, "heartbeat_seconds": settings.LORA_HEARTBEAT_SECONDS})


class UploadView(WorkerAPIView):
    """Multipart endpoints: one file up to LORA_MAX_ARTIFACT_BYTES."""

    parser_classes = [SafeMultiPartParser, SafeFormParser]

    @classmethod
    def request_body_limit(cls) -> int:
        # The file plus its form fields and multipart framing.
        return settings.LORA_MAX_ARTIFACT_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    @staticmethod
    def check_size(file: Any) -> None:
        if file is not None and (file.size or 0) > settings.LORA_MAX_ARTIFACT_BYTES:
            raise PayloadTooLarge(
                f"Artifacts are limited to {settings.LORA_MAX_ARTIFACT_BYTES:,} bytes."
            )


class CheckpointUploadView(UploadView):
    @extend_schema(
        tags=TAGS,
        operation_id="worker_checkpoint_upload",
        summary="Upload one checkpoint file (sha256 verified; replaces the same step)",
        request={"multipart/form-data": s.CheckpointRequestSerializer},
        responses={201: s.CheckpointResponseSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, job_id: str) -> Response:
        data = self.validated(s.CheckpointRequestSerializer)
        self.check_size(data["file"])
        ckpt = services.checkpoint_store(
            attempt=self.attempt,
            step=data["step"],
            sha256=data["sha256"],
            metrics=data["metrics"],
            file=data["file"],
        )
        body = {
            "step": ckpt.step,
            "sha256": ckpt.sha256,
            "size_bytes": ckpt.size_bytes,
            "url": reverse(
                "workerapi:checkpoint-file", kwargs={"job_id": job_id, "step": ckpt.step}
            ),
        }
        return Response(s.CheckpointResponseSerializer(body).data, status=status.HTTP_201_CREATED)


class CompleteView(UploadView):
    @extend_schema(
        tags=TAGS,
        operation_id="worker_complete",
        summary="Finish the attempt: completed with the adapter, or cancelled/paused early",
        request={"multipart/form-data": s.CompleteRequestSerializer},
        responses={200: s.CompleteResponseSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, job_id: str) -> Response:
        data = self.validated(s.CompleteRequestSerializer)
        self.check_size(data["adapter"])
        job = services.attempt_complete(
            attempt=self.attempt,
            stopped=data["stopped"],
            result=data["result"],
            final_metrics=data["final_metrics"],
            adapter=data["adapter"],
            adapter_sha256=data.get("adapter_sha256", ""),
        )
        return Response({"status": job.status, "adapter_sha256": job.adapter_sha256})


class FailView(WorkerAPIView):
    @extend_schema(
        tags=TAGS,
        operation_id="worker_fail",
        summary="Fail the job with a category, message, step and the last events",
        request=s.FailRequestSerializer,
        responses={200: s.FailResponseSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, job_id: str) -> Response:
        data = self.validated(s.FailRequestSerializer)
        details = dict(data["details"])
        if data.get("line") is not None:
            details["line"] = data["line"]
        job = services.attempt_fail(
            attempt=self.attempt,
            category=data["category"],
            message=data["message"],
            step=data["step"],
            stage=data.get("stage", ""),
            details=details,
            events=[dict(e) for e in data["events"]],
        )
        return Response({"status": job.status, "error_category": job.error_category})


class DownloadView(WorkerAPIView):
    """Streams a stored file through the API, so GPU hosts need no storage credentials."""

    # Errors are JSON; the file itself is a FileResponse with its own content type.
    renderer_classes = [JSONRenderer]

    def stream(self, file: Any, sha256: str) -> FileResponse:
        name = file.name.rsplit("/", 1)[-1]
        response = FileResponse(file.open("rb"), as_attachment=True, filename=name)
        response["Content-Type"] = "application/octet-stream"
        if sha256:
            response[SHA256_HEADER] = sha256
        return response


_DOWNLOAD: dict[Any, OpenApiResponse] = {
    (200, "application/octet-stream"): OpenApiResponse(
        OpenApiTypes.BINARY, description="The file's bytes."
    ),
    **errors(401, 404, 409),
}


class DatasetDownloadView(DownloadView):
    validation = False

    @extend_schema(tags=TAGS, operation_id="worker_dataset_download", responses=_DOWNLOAD)
    def get(self, request: Request, job_id: str) -> FileResponse:
        job = self.attempt.job
        dataset = job.validation_dataset if self.validation else job.dataset
        if dataset is None:
            raise Conflict(
                "This job has no separate validation dataset."
                if self.validation
                else "This job's dataset was deleted.",
                code="no_dataset",
            )
        return self.stream(dataset.file, dataset.sha256)


class ValidationDatasetDownloadView(DatasetDownloadView):
    validation = True

    @extend_schema(
        tags=TAGS, operation_id="worker_validation_dataset_download", responses=_DOWNLOAD
    )
    def get(self, request: Request, job_id: str) -> FileResponse:
        return super().get(request, job_id)


class CheckpointDownloadView(DownloadView):
    @extend_schema(tags=TAGS, operation_id="worker_checkpoint_download", responses=_DOWNLOAD)
    def get(self, request: Request, job_id: str, step: int) -> FileResponse:
        ckpt = Checkpoint.objects.filter(job_id=job_id, step=step).first()
        if ckpt is None:
            from rest_framework.exceptions import NotFound

            raise NotFound("No checkpoint at this step.")
        return self.stream(ckpt.file, ckpt.sha256)
