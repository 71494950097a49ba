from __future__ import annotations

from django.urls import path

from backend.scheduling.views import (
    FleetView,
    QueuePromoteView,
    QueueRemoveView,
    QueueView,
    SpendView,
)

urlpatterns = [
    path("queue", QueueView.as_view(), name="queue"),
    path("workers", FleetView.as_view(), name="workers"),
    path("spend", SpendView.as_view(), name="spend"),
    path("queue/<uuid:job_id>/promote", QueuePromoteView.as_view(), name="queue-promote"),
    path("queue/<uuid:job_id>/remove", QueueRemoveView.as_view(), name="queue-remove"),
]
