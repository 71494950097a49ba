"""The catalog: GPU types (with live workers), presets, base models."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.jobs.catalog import BASE_MODELS
from backend.jobs.models import GpuType
from backend.jobs.serializers import (
    BaseModelSerializer,
    GpuTypeSerializer,
    PresetSerializer,
)
from backend.scheduling.fleet import live_since


class GpuTypeListView(generics.ListAPIView[GpuType]):
    serializer_class = GpuTypeSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[GpuType]:
        # Live workers per type: the create form preselects a type that can run now.
        return GpuType.objects.filter(is_active=True).annotate(
            live_workers=Count("workers", filter=Q(workers__last_seen_at__gt=live_since()))
        )

    @extend_schema(tags=["catalog"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class PresetListView(APIView):
    @extend_schema(responses={200: PresetSerializer(many=True)}, tags=["catalog"])
    def get(self, request: Request) -> Response:
        return Response(PresetSerializer(PresetSerializer.all(), many=True).data)


class BaseModelListView(APIView):
    @extend_schema(responses={200: BaseModelSerializer(many=True)}, tags=["catalog"])
    def get(self, request: Request) -> Response:
        models = [
            {"key": m.key, "label": m.label, "parameters": m.parameters}
            for m in BASE_MODELS.values()
        ]
        return Response(BaseModelSerializer(models, many=True).data)
