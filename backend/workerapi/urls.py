from __future__ import annotations

from django.urls import path

from backend.workerapi import views
from backend.workerapi.fleet import FleetHeartbeatView

app_name = "workerapi"

_JOB = "jobs/<uuid:job_id>/"

urlpatterns = [
    path("fleet/heartbeat", FleetHeartbeatView.as_view(), name="fleet-heartbeat"),
    path(_JOB + "claim", views.ClaimView.as_view(), name="claim"),
    path(_JOB + "stage", views.StageView.as_view(), name="stage"),
    path(_JOB + "metrics", views.MetricsView.as_view(), name="metrics"),
    path(_JOB + "events", views.EventsView.as_view(), name="events"),
    path(_JOB + "logs", views.LogLinesView.as_view(), name="logs"),
    path(_JOB + "heartbeat", views.HeartbeatView.as_view(), name="heartbeat"),
    path(_JOB + "checkpoints", views.CheckpointUploadView.as_view(), name="checkpoints"),
    path(
        _JOB + "checkpoints/<int:step>",
        views.CheckpointDownloadView.as_view(),
        name="checkpoint-file",
    ),
    path(_JOB + "complete", views.CompleteView.as_view(), name="complete"),
    path(_JOB + "fail", views.FailView.as_view(), name="fail"),
    path(_JOB + "dataset", views.DatasetDownloadView.as_view(), name="dataset"),
    path(
        _JOB + "validation-dataset",
        views.ValidationDatasetDownloadView.as_view(),
        name="validation-dataset",
    ),
]
