from __future__ import annotations

from django.urls import path

from backend.jobs import views

urlpatterns = [
    path("jobs", views.JobListCreateView.as_view(), name="job-list"),
    path("jobs/estimate", views.JobEstimateView.as_view(), name="job-estimate"),
    path("jobs/<uuid:pk>", views.JobDetailView.as_view(), name="job-detail"),
    path("jobs/<uuid:pk>/cancel", views.JobCancelView.as_view(), name="job-cancel"),
    path("jobs/<uuid:pk>/pause", views.JobPauseView.as_view(), name="job-pause"),
    path("jobs/<uuid:pk>/resume", views.JobResumeView.as_view(), name="job-resume"),
    path("jobs/<uuid:pk>/pauses", views.JobPauseHistoryView.as_view(), name="job-pauses"),
    path(
        "jobs/<uuid:pk>/resume-options",
        views.JobResumeOptionsView.as_view(),
        name="job-resume-options",
    ),
    path(
        "jobs/<uuid:pk>/checkpoints",
        views.JobCheckpointListView.as_view(),
        name="job-checkpoints",
    ),
    path(
        "jobs/<uuid:pk>/checkpoints/<int:cid>/download",
        views.JobCheckpointDownloadView.as_view(),
        name="job-checkpoint-download",
    ),
    path("jobs/<uuid:pk>/adapter", views.JobAdapterDownloadView.as_view(), name="job-adapter"),
    path("gpu-types", views.GpuTypeListView.as_view(), name="gpu-types"),
    path("presets", views.PresetListView.as_view(), name="presets"),
    path("base-models", views.BaseModelListView.as_view(), name="base-models"),
]
