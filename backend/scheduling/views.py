"""The queue endpoints (view it, move a job to the front, remove a job from it) and the fleet."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.authentication import signed_in_user
from backend.jobs.models import Job
from backend.jobs.policies import can_manage
from backend.jobs.services import job_promote
from backend.scheduling.budgets import spend_view
from backend.scheduling.fleet import fleet_workers, pools
from backend.scheduling.selectors import queue_view
from backend.scheduling.serializers import FleetSerializer, QueueSerializer, SpendSerializer
from backend.scheduling.services import queue_remove

_ERRORS = {
    403: OpenApiResponse(description="Not allowed for this user."),
    404: OpenApiResponse(description="No such job."),
    409: OpenApiResponse(description="The job is not queued."),
}


def _queue_response(request: Request) -> Response:
    now = timezone.now()
    view = queue_view(now=now, viewer_id=request.user.pk)
    payload: dict[str, Any] = {
        "concurrency_limit": view.concurrency_limit,
        "active_count": len(view.active),
        "active": view.active,
        "queued": view.queued,
        "pools": view.pools,
        "depth": len(view.queued),
        "analytics": view.analytics,
    }
    context = {"request": request, "now": now, "queue_positions": view.positions}
    return Response(QueueSerializer(payload, context=context).data)


class QueueView(APIView):
    @extend_schema(
        operation_id="training_queue_retrieve",
        summary="The queue: active slots, queued jobs with positions and estimated starts",
        responses={200: QueueSerializer},
        tags=["queue"],
    )
    def get(self, request: Request) -> Response:
        return _queue_response(request)


class QueuePromoteView(APIView):
    @extend_schema(
        operation_id="training_queue_promote",
        summary="Move a queued job to the front of the queue (managers only)",
        request=None,
        responses={200: QueueSerializer, **_ERRORS},
        tags=["queue"],
    )
    def post(self, request: Request, job_id: str) -> Response:
        job = get_object_or_404(Job, pk=job_id)
        if not getattr(request.user, "is_manager", False):
            raise PermissionDenied("Only managers can reorder the queue.")
        job_promote(job_id=job.pk, user=signed_in_user(request))
        return _queue_response(request)


class QueueRemoveView(APIView):
    @extend_schema(
        operation_id="training_queue_remove",
        summary="Remove a queued job from the queue (its creator or a manager)",
        description='The job ends cancelled with reason "removed_from_queue".',
        request=None,
        responses={200: QueueSerializer, **_ERRORS},
        tags=["queue"],
    )
    def post(self, request: Request, job_id: str) -> Response:
        job = get_object_or_404(Job, pk=job_id)
        if not can_manage(request.user, job):
            raise PermissionDenied("Only the job's creator or a manager can remove it.")
        queue_remove(job_id=job.pk, user=signed_in_user(request))
        return _queue_response(request)


class FleetView(APIView):
    @extend_schema(
        operation_id="training_workers_list",
        summary="The worker fleet: each worker's type, host, state, current job, last seen",
        responses={200: FleetSerializer},
        tags=["queue"],
    )
    def get(self, request: Request) -> Response:
        now = timezone.now()
        payload = {"workers": list(fleet_workers()), "pools": list(pools(now).values())}
        return Response(FleetSerializer(payload, context={"now": now}).data)


class SpendView(APIView):
    @extend_schema(
        operation_id="training_spend_retrieve",
        summary="This month's spend, budgets and quotas: the team's and each person's",
        description="A job counts towards the calendar month (UTC) it was submitted in. `me` "
        "is the person asking, with their limits (the create form reads them).",
        responses={200: SpendSerializer},
        tags=["queue"],
    )
    def get(self, request: Request) -> Response:
        view = spend_view(now=timezone.now(), viewer=signed_in_user(request))
        return Response(SpendSerializer(view).data)
