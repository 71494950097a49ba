"""The job's Logs tab: the worker's own log lines, read with a cursor (follow mode polls
"after the last id it has") or downloaded whole as text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.common.parsing import INT64_MAX
from backend.jobs.models import Job
from backend.telemetry import selectors
from backend.telemetry.models import LogLine, LogStream

TAGS = ["logs"]


class LogsQuerySerializer(serializers.Serializer[Any]):
    after = serializers.IntegerField(
        min_value=0,
        max_value=INT64_MAX,
        required=False,
        help_text="Cursor: lines after this id, oldest first (follow mode passes the previous "
        "reply's `next_cursor`). Without `after` or `before`: the newest lines (the tail).",
    )
    before = serializers.IntegerField(
        min_value=0,
        max_value=INT64_MAX,
        required=False,
        help_text="Lines before this id (scrolling back): the newest `limit` of them. With "
        "`after` too: the lines between the two, oldest first.",
    )
    search = serializers.CharField(required=False, max_length=200)
    stream = serializers.ChoiceField(choices=LogStream.choices, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=200)


class LogLineSerializer(serializers.ModelSerializer[LogLine]):
    class Meta:
        model = LogLine
        fields = ("id", "attempt", "seq", "created_at", "stream", "level", "message")
        read_only_fields = fields


class LogPageSerializer(serializers.Serializer[Any]):
    job_id = serializers.UUIDField()
    lines = LogLineSerializer(many=True, help_text="Oldest first.")
    next_cursor = serializers.IntegerField(
        help_text="Pass as `after` to get the lines written since (the same value when none "
        "came: keep polling with it)."
    )
    has_more = serializers.BooleanField(
        help_text="More lines exist in the direction of this read (after: newer; before or "
        "tail: older)."
    )
    job_finished = serializers.BooleanField(help_text="No more lines will come.")


class LogDownloadQuerySerializer(serializers.Serializer[Any]):
    search = serializers.CharField(required=False, max_length=200)
    stream = serializers.ChoiceField(choices=LogStream.choices, required=False)


class JobLogsView(APIView):
    @extend_schema(
        parameters=[LogsQuerySerializer],
        responses={200: LogPageSerializer},
        tags=TAGS,
        summary="The worker's log lines: the tail, or a page after/before a cursor",
    )
    def get(self, request: Request, pk: str) -> Response:
        job = get_object_or_404(Job.objects.only("pk", "status"), pk=pk)
        query = LogsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        page = selectors.log_lines_page(
            job_id=job.pk,
            after=params.get("after"),
            before=params.get("before"),
            search=params.get("search"),
            stream=params.get("stream"),
            limit=params["limit"],
        )
        body = {
            "job_id": job.pk,
            "lines": LogLineSerializer(page.lines, many=True).data,
            "next_cursor": page.next_cursor,
            "has_more": page.has_more,
            "job_finished": job.is_finished,
        }
        return Response(body)


def _text_lines(lines: Iterator[LogLine]) -> Iterator[str]:
    chunk: list[str] = []
    for line in lines:
        level = f" {line.level}" if line.level else ""
        stamp = line.created_at.isoformat(timespec="milliseconds")
        chunk.append(f"{stamp} [attempt {line.attempt}] {line.stream}{level}: {line.message}\n")
        if len(chunk) >= 2000:
            yield "".join(chunk)
            chunk.clear()
    yield "".join(chunk)


class JobLogsDownloadView(APIView):
    @extend_schema(
        parameters=[LogDownloadQuerySerializer],
        responses={(200, "text/plain"): OpenApiTypes.STR},
        tags=TAGS,
        summary="Download every (filtered) log line of the job as plain text",
    )
    def get(self, request: Request, pk: str) -> StreamingHttpResponse:
        job = get_object_or_404(Job.objects.only("pk"), pk=pk)
        query = LogDownloadQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        lines = selectors.log_lines_for_job(
            job_id=job.pk, search=params.get("search"), stream=params.get("stream")
        ).iterator(chunk_size=2000)
        response = StreamingHttpResponse(_text_lines(lines), content_type="text/plain")
        response["Content-Disposition"] = f'attachment; filename="job-{job.pk}-logs.txt"'
        return response
