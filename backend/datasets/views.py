from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.authentication import signed_in_user
from backend.common.middleware import MULTIPART_OVERHEAD_BYTES
from backend.common.parsing import SafeFormParser, SafeMultiPartParser
from backend.datasets.models import Dataset
from backend.datasets.serializers import DatasetSerializer, DatasetUploadSerializer
from backend.datasets.services import dataset_create, dataset_delete


class DatasetListCreateView(generics.ListAPIView[Dataset]):
    serializer_class = DatasetSerializer
    queryset = Dataset.objects.select_related("uploaded_by").order_by("-created_at")
    parser_classes = [SafeMultiPartParser, SafeFormParser]

    @classmethod
    def request_body_limit(cls) -> int:
        # One dataset file plus the name field and the multipart framing.
        return settings.LORA_MAX_DATASET_BYTES + MULTIPART_OVERHEAD_BYTES

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
            uploaded_by=signed_in_user(request),
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

    @extend_schema(
        responses={204: None},
        tags=["datasets"],
        summary="Delete a dataset and its file (409 while an unfinished job uses it)",
    )
    def delete(self, request: Request, pk: str) -> Response:
        dataset = self.get_object()
        user = signed_in_user(request)
        # The uploader or a manager, like a job's cancel and delete.
        if not (dataset.uploaded_by_id == user.pk or user.is_manager):
            raise PermissionDenied("Only the uploader or a manager may delete a dataset.")
        dataset_delete(dataset_id=dataset.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
