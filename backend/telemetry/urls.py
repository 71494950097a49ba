"""A job's telemetry under /api/training/jobs/<id>/: its metric points and its event log."""

from __future__ import annotations

from django.urls import path

from backend.telemetry import views

urlpatterns = [
    path("jobs/compare", views.JobCompareView.as_view(), name="job-compare"),
    path("jobs/<uuid:pk>/metrics", views.JobMetricsView.as_view(), name="job-metrics"),
    path("jobs/<uuid:pk>/events", views.JobEventListView.as_view(), name="job-events"),
    path(
        "jobs/<uuid:pk>/events/export",
        views.JobEventExportView.as_view(),
        name="job-events-export",
    ),
]
