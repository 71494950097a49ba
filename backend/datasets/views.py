from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from backend.datasets.models import Dataset
from backend.datasets.serializers import DatasetSerializer, DatasetUploadSerializer
from backend.datasets.services import dataset_create


class DatasetListCreateView(generics.ListAPIView[Dataset]):
    serializer_class = DatasetSerializer
    queryset = Dataset.objects.select_related("uploaded_by").order_by("-created_at")
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(tags=["datasets"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": DatasetUploadSerializer},
        responses={201: DatasetSerializer},
        tags=["datasets"],
        summary="Upload a JSONL dataset; the reply lists line-numbered validation errors",
    )
    def post(self, request: Request) -> Response:
        serializer = DatasetUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dataset = dataset_create(
            uploaded_by=request.user,
            name=serializer.validated_data["name"],
            file=serializer.validated_data["file"],
        )
        return Response(DatasetSerializer(dataset).data, status=status.HTTP_201_CREATED)


class DatasetDetailView(generics.RetrieveAPIView[Dataset]):
    serializer_class = DatasetSerializer
    queryset = Dataset.objects.select_related("uploaded_by")

    @extend_schema(tags=["datasets"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
