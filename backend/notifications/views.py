"""Team webhooks (managers only), their delivery log and "send test"; a user's "notify me when
this job ends" and the notifications the SPA shows while it is open."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import User
from backend.common.pagination import EventPagination
from backend.jobs.models import Job
from backend.notifications import selectors, services
from backend.notifications.models import Webhook, WebhookDelivery
from backend.notifications.serializers import (
    AcknowledgedSerializer,
    AcknowledgeSerializer,
    DeliverySerializer,
    NotificationListSerializer,
    WatchSerializer,
    WebhookSerializer,
    WebhookWithSecretSerializer,
)

WEBHOOK_TAGS = ["webhooks"]
NOTIFY_TAGS = ["notifications"]


class IsManager(BasePermission):
    """Webhooks carry the team's secrets and reach outside: managers only."""

    message = "Only managers can manage the team's webhooks."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return isinstance(user, User) and user.is_manager


class ManagerView(APIView):
    permission_classes = [IsAuthenticated, IsManager]


def _webhook(pk: str) -> Webhook:
    return get_object_or_404(Webhook, pk=pk)


class WebhookListCreateView(ManagerView):
    @extend_schema(tags=WEBHOOK_TAGS, responses={200: WebhookSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(WebhookSerializer(selectors.webhooks_list(), many=True).data)

    @extend_schema(
        tags=WEBHOOK_TAGS,
        request=WebhookSerializer,
        responses={201: WebhookWithSecretSerializer},
        summary="Create a webhook (the reply carries its signing secret, shown once)",
    )
    def post(self, request: Request) -> Response:
        body = WebhookSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = request.user
        assert isinstance(user, User)
        hook = services.webhook_create(user=user, **body.validated_data)
        return Response(WebhookWithSecretSerializer(hook).data, status=status.HTTP_201_CREATED)


class WebhookDetailView(ManagerView):
    @extend_schema(tags=WEBHOOK_TAGS, responses={200: WebhookSerializer})
    def get(self, request: Request, pk: str) -> Response:
        return Response(WebhookSerializer(_webhook(pk)).data)

    @extend_schema(tags=WEBHOOK_TAGS, request=WebhookSerializer, responses={200: WebhookSerializer})
    def patch(self, request: Request, pk: str) -> Response:
        hook = _webhook(pk)
        body = WebhookSerializer(hook, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        hook = services.webhook_update(webhook=hook, **body.validated_data)
        return Response(WebhookSerializer(hook).data)

    @extend_schema(tags=WEBHOOK_TAGS, responses={204: None})
    def delete(self, request: Request, pk: str) -> Response:
        _webhook(pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateSecretView(ManagerView):
    @extend_schema(
        tags=WEBHOOK_TAGS,
        request=None,
        responses={200: WebhookWithSecretSerializer},
        summary="Replace the signing secret (the reply shows the new one, once)",
    )
    def post(self, request: Request, pk: str) -> Response:
        hook = services.webhook_rotate_secret(webhook=_webhook(pk))
        return Response(WebhookWithSecretSerializer(hook).data)


class WebhookTestView(ManagerView):
    @extend_schema(
        tags=WEBHOOK_TAGS,
        request=None,
        responses={202: DeliverySerializer},
        summary="Send a signed `webhook.test` delivery now (see the delivery log for the reply)",
    )
    def post(self, request: Request, pk: str) -> Response:
        delivery = services.delivery_test(webhook=_webhook(pk))
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookDeliveryListView(generics.ListAPIView[WebhookDelivery]):
    permission_classes = [IsAuthenticated, IsManager]
    serializer_class = DeliverySerializer
    pagination_class = EventPagination
    queryset = WebhookDelivery.objects.none()

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        return selectors.deliveries_for_webhook(webhook=_webhook(self.kwargs["pk"]))

    @extend_schema(tags=WEBHOOK_TAGS, summary="The delivery log of a webhook, newest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _user(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):  # IsAuthenticated ran first; this narrows the type
        raise PermissionDenied()
    return user


class JobWatchView(APIView):
    @extend_schema(tags=NOTIFY_TAGS, responses={200: WatchSerializer})
    def get(self, request: Request, pk: str) -> Response:
        job = get_object_or_404(Job.objects.only("pk"), pk=pk)
        watching = job.watches.filter(user=_user(request)).exists()
        return Response({"watching": watching})

    @extend_schema(
        tags=NOTIFY_TAGS,
        request=WatchSerializer,
        responses={200: WatchSerializer},
        summary='"Notify me when this job ends": on or off, for the signed-in user',
    )
    def put(self, request: Request, pk: str) -> Response:
        job = get_object_or_404(Job.objects.only("pk"), pk=pk)
        body = WatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        watching = services.watch_set(
            user=_user(request), job=job, watching=body.validated_data["watching"]
        )
        return Response({"watching": watching})


class NotificationListView(APIView):
    @extend_schema(
        tags=NOTIFY_TAGS,
        responses={200: NotificationListSerializer},
        summary="Outcomes of the jobs you watch that you have not been shown yet",
    )
    def get(self, request: Request) -> Response:
        user = _user(request)
        results = [
            {
                "job_id": w.job_id,
                "job_name": w.job.name,
                "status": w.outcome,
                "at": w.outcome_at,
            }
            for w in selectors.notifications_pending(user=user)[:50]
        ]
        return Response({"results": results, "watching": selectors.watching_ids(user=user)})


class NotificationAckView(APIView):
    @extend_schema(
        tags=NOTIFY_TAGS,
        request=AcknowledgeSerializer,
        responses={200: AcknowledgedSerializer},
        summary="Mark notifications as shown",
    )
    def post(self, request: Request) -> Response:
        body = AcknowledgeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        count = services.notifications_acknowledge(
            user=_user(request), job_ids=body.validated_data["job_ids"]
        )
        return Response({"acknowledged": count})
