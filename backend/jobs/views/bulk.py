"""The jobs list's bulk actions (cancel, delete) and its CSV export."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.authentication import signed_in_user
from backend.common.csvstream import csv_response
from backend.common.errors import ApplicationError
from backend.jobs.bulk import MAX_BULK_JOBS, jobs_bulk_apply
from backend.jobs.exports import JOB_CSV_COLUMNS, job_csv_rows
from backend.jobs.filters import JobFilter
from backend.jobs.models import Job
from backend.jobs.serializers.bulk import (
    BulkActionSerializer,
    BulkResultSerializer,
    JobExportQuerySerializer,
)
from backend.jobs.views.jobs import CREATOR_PARAM, ORDERING_PARAM, ordered_jobs


class JobBulkView(APIView):
    @extend_schema(
        request=BulkActionSerializer,
        responses={200: BulkResultSerializer},
        tags=["jobs"],
        summary="Cancel or delete many jobs (by ids or by the list's filter)",
        description="Each job gets the permission check and the rules of the single action; "
        "the reply lists what was done, what already was, and what was refused and why. "
        "Repeating a request is harmless.",
    )
    def post(self, request: Request) -> Response:
        serializer = BulkActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = signed_in_user(request)
        if "ids" in data:
            job_ids: list[Any] = list(dict.fromkeys(data["ids"]))
        else:
            # The list's own FilterSet: the same query parameters select the same jobs.
            filterset = JobFilter(data=data["filter"], queryset=Job.objects.all(), request=request)
            if not filterset.is_valid():
                raise serializers.ValidationError({"filter": filterset.errors})
            job_ids = list(filterset.qs.values_list("pk", flat=True)[: MAX_BULK_JOBS + 1])
            if len(job_ids) > MAX_BULK_JOBS:
                raise ApplicationError(
                    f"The filter matches more than {MAX_BULK_JOBS} jobs; narrow it down.",
                    code="validation_error",
                    fields={"filter": [f"At most {MAX_BULK_JOBS} jobs at once."]},
                )
        result = jobs_bulk_apply(
            user=user,
            action=data["action"],
            job_ids=job_ids,
            reason=data.get("reason", ""),
            notes=data.get("notes", ""),
        )
        return Response(BulkResultSerializer(asdict(result)).data)


class JobExportView(generics.ListAPIView[Job]):
    """The jobs list as CSV: the list's filters and sort, every row (no pages), streamed."""

    filterset_class = JobFilter
    pagination_class = None
    queryset = Job.objects.none()

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Job.objects.none()
        return ordered_jobs(self.request)

    @extend_schema(
        parameters=[ORDERING_PARAM, CREATOR_PARAM, JobExportQuerySerializer],
        responses={(200, "text/csv"): OpenApiTypes.STR},
        tags=["jobs"],
        summary="The jobs list as CSV, filtered and sorted like the list",
        description="Columns: " + ", ".join(JOB_CSV_COLUMNS) + ". Times are ISO 8601 (UTC); "
        "duration and cost of unfinished jobs run to the moment of the export. Text that a "
        "spreadsheet would run as a formula starts with an apostrophe.",
    )
    # A ListAPIView for its filter backend (and the filters in the schema), streamed instead.
    def get(self, request: Request, *args: Any, **kwargs: Any) -> StreamingHttpResponse:  # type: ignore[override]
        query = JobExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        jobs = self.filter_queryset(self.get_queryset()).select_related("created_by", "gpu_type")
        if "ids" in query.validated_data:
            jobs = jobs.filter(pk__in=query.validated_data["ids"])
        now = timezone.now()
        rows = job_csv_rows(jobs.iterator(chunk_size=1000), now)
        return csv_response(
            JOB_CSV_COLUMNS, rows, filename=f"training-jobs-{now:%Y%m%d-%H%M%S}.csv"
        )
