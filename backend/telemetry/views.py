"""Metrics and event-log endpoints of a job."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.common.errors import ApplicationError
from backend.common.pagination import EventPagination
from backend.jobs.models import Job
from backend.telemetry import selectors
from backend.telemetry.compare import runs_compare
from backend.telemetry.models import Event
from backend.telemetry.serializers import (
    CompareQuerySerializer,
    CompareResponseSerializer,
    EventExportQuerySerializer,
    EventSerializer,
    EventsQuerySerializer,
    MetricsQuerySerializer,
    MetricsResponseSerializer,
)

DEFAULT_MAX_POINTS = 5000


class JobMetricsView(APIView):
    @extend_schema(
        parameters=[MetricsQuerySerializer],
        responses={200: MetricsResponseSerializer},
        tags=["metrics"],
        summary="Metric history: incremental (after_step), latest, or downsampled (max_points)",
    )
    def get(self, request: Request, pk: str) -> Response:
        job = get_object_or_404(Job.objects.only("pk", "latest_metrics"), pk=pk)
        query = MetricsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        if params["latest"]:
            points = list(job.metric_points.order_by("-step").values(*selectors.FIELDS)[:1])
            total, downsampled = len(points), False
        else:
            points, total, downsampled = selectors.metrics_downsampled(
                job_id=job.pk,
                after_step=params.get("after_step"),
                max_points=params.get("max_points", DEFAULT_MAX_POINTS),
            )
        return Response(
            {
                "job_id": job.pk,
                "total_points": total,
                "downsampled": downsampled,
                "points": points,
            }
        )


class JobCompareView(APIView):
    @extend_schema(
        parameters=[CompareQuerySerializer],
        responses={200: CompareResponseSerializer},
        tags=["metrics"],
        summary="Compare 2 to 5 runs: loss curves by step and tokens, differing config, finals",
    )
    def get(self, request: Request) -> Response:
        query = CompareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        ids = query.validated_data["jobs"]
        found = {
            j.pk: j for j in Job.objects.filter(pk__in=ids).select_related("dataset", "gpu_type")
        }
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise ApplicationError(
                f"No training job {missing[0]}.", code="not_found", status_code=404
            )
        data = runs_compare(jobs=[found[i] for i in ids], now=timezone.now())
        return Response(CompareResponseSerializer(data).data)


class _CountHintPaginator(Paginator):  # type: ignore[type-arg]
    """Uses a known total instead of COUNT(*) when the list is unfiltered (a job's events are
    numbered 1..last_event_seq without gaps), so page 1 of a million events stays cheap."""

    count_hint: int | None = None

    @cached_property
    def count(self) -> int:
        return self.count_hint if self.count_hint is not None else super().count


class _EventPagination(EventPagination):
    count_hint: int | None = None

    def django_paginator_class(self, *args: Any, **kwargs: Any) -> Paginator:  # type: ignore[override,type-arg]
        paginator = _CountHintPaginator(*args, **kwargs)
        paginator.count_hint = self.count_hint
        return paginator


class JobEventListView(generics.ListAPIView[Event]):
    serializer_class = EventSerializer
    pagination_class = _EventPagination
    queryset = Event.objects.none()

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Event.objects.none()
        job = get_object_or_404(Job.objects.only("pk", "last_event_seq"), pk=self.kwargs["pk"])
        query = EventsQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        unfiltered = not (params.get("type") or params.get("search") or "after_seq" in params)
        paginator = self.paginator
        assert isinstance(paginator, _EventPagination)
        paginator.count_hint = job.last_event_seq if unfiltered else None
        return selectors.events_for_job(
            job_id=job.pk,
            types=params.get("type"),
            search=params.get("search"),
            after_seq=params.get("after_seq"),
        )

    @extend_schema(parameters=[EventsQuerySerializer], tags=["events"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


CSV_COLUMNS = ["seq", "attempt", "created_at", "type", "message", "payload"]


def _csv_rows(events: Iterator[Event]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for e in events:
        writer.writerow(
            [e.seq, e.attempt, e.created_at.isoformat(), e.type, e.message, json.dumps(e.payload)]
        )
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _json_rows(events: Iterator[Event]) -> Iterator[str]:
    yield "["
    first = True
    for e in events:
        item = json.dumps(EventSerializer(e).data, default=str)
        yield item if first else "," + item
        first = False
    yield "]"


class JobEventExportView(APIView):
    @extend_schema(
        parameters=[EventExportQuerySerializer],
        responses={
            (200, "application/json"): EventSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
        },
        tags=["events"],
        summary="Download all (filtered) events as JSON or CSV",
    )
    def get(self, request: Request, pk: str) -> StreamingHttpResponse:
        job = get_object_or_404(Job.objects.only("pk", "name"), pk=pk)
        query = EventExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        events = selectors.events_for_job(
            job_id=job.pk,
            types=params.get("type"),
            search=params.get("search"),
            after_seq=params.get("after_seq"),
        ).iterator(chunk_size=2000)
        fmt = params["format"]
        body = _csv_rows(events) if fmt == "csv" else _json_rows(events)
        response = StreamingHttpResponse(
            body, content_type="text/csv" if fmt == "csv" else "application/json"
        )
        response["Content-Disposition"] = f'attachment; filename="job-{job.pk}-events.{fmt}"'
        return response
