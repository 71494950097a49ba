"""Worker registration: a worker process says what it is, on start and with every heartbeat.

Authentication is a shared secret, not an attempt token: a worker registers before it has any
job. Every worker of a deployment is given `LORA_WORKER_SECRET` (environment) and sends it as
`Authorization: Bearer <secret>` to `POST /api/worker/fleet/heartbeat`. The API compares it in
constant time; an empty setting refuses every registration (production requires it to be set;
`make run` generates one for its own workers). The secret only lets a caller describe a worker:
it grants no access to jobs, datasets or checkpoints, which stay behind per-attempt tokens.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.scheduling.services import fleet_heartbeat
from backend.workerapi.serializers import WorkerErrorSerializer

KEYWORD = "Bearer"


@dataclass
class FleetPrincipal:
    """`request.user` on the fleet endpoint: a holder of the worker secret (not a user)."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False

    @property
    def pk(self) -> None:
        return None


class WorkerSecretAuthentication(BaseAuthentication):
    """Accepts exactly `Authorization: Bearer <LORA_WORKER_SECRET>`."""

    def authenticate(self, request: Request) -> tuple[FleetPrincipal, None] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0] != KEYWORD or not parts[1]:
            raise exceptions.AuthenticationFailed("Expected 'Authorization: Bearer <secret>'.")
        secret = settings.LORA_WORKER_SECRET
        if not secret:
            raise exceptions.AuthenticationFailed(
                "Worker registration is disabled: LORA_WORKER_SECRET is not set on the API."
            )
        if not hmac.compare_digest(parts[1].encode(), secret.encode()):
            raise exceptions.AuthenticationFailed("Wrong worker secret.")
        return FleetPrincipal(), None

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="worker-fleet"'


class HasWorkerSecret(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, FleetPrincipal)


class DeviceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["gpu", "cpu"])
    name = serializers.CharField(max_length=200)
    count = serializers.IntegerField(min_value=1, max_value=1024)
    memory_gb = serializers.FloatField(
        min_value=0, max_value=1e6, allow_null=True, help_text="Per device; null when unknown."
    )


class FleetHeartbeatRequestSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=200, help_text="Unique per worker process (host, pid, random suffix)."
    )
    gpu_type = serializers.SlugField(
        max_length=64, help_text="Catalog slug of the pool this worker serves (`cpu` for CPU)."
    )
    host = serializers.CharField(max_length=200)
    device = DeviceSerializer()
    software = serializers.DictField(
        child=serializers.CharField(max_length=100, allow_blank=True),
        help_text="Package name -> version.",
    )

    def validate_software(self, value: dict[str, str]) -> dict[str, str]:
        if len(value) > 50:
            raise serializers.ValidationError("At most 50 entries.")
        return value


class FleetHeartbeatResponseSerializer(serializers.Serializer):
    name = serializers.CharField()
    gpu_type = serializers.CharField()
    queue = serializers.CharField(help_text="The Celery queue this worker must consume.")
    heartbeat_seconds = serializers.FloatField()


class FleetHeartbeatView(APIView):
    authentication_classes = [WorkerSecretAuthentication]
    permission_classes = [HasWorkerSecret]

    @extend_schema(
        tags=["worker"],
        operation_id="worker_fleet_heartbeat",
        summary="Register a worker / heartbeat: host, device, software versions (worker secret)",
        request=FleetHeartbeatRequestSerializer,
        responses={
            200: FleetHeartbeatResponseSerializer,
            400: OpenApiResponse(WorkerErrorSerializer, description="Invalid body or GPU type."),
            401: OpenApiResponse(WorkerErrorSerializer, description="No or wrong worker secret."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = FleetHeartbeatRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        worker = fleet_heartbeat(
            name=data["name"],
            gpu_type=data["gpu_type"],
            host=data["host"],
            device=dict(data["device"]),
            software=dict(data["software"]),
        )
        body = {
            "name": worker.name,
            "gpu_type": worker.gpu_type.slug,
            "queue": worker.gpu_type.queue_name,
            "heartbeat_seconds": settings.LORA_HEARTBEAT_SECONDS,
        }
        return Response(FleetHeartbeatResponseSerializer(body).data)
