"""User-facing job endpoints: thin views that validate, call a service or selector, serialize.

One module per entity (jobs, pauses, checkpoints, catalog); the views are re-exported here for
``backend.jobs.urls``.
"""

from __future__ import annotations

from backend.jobs.views.catalog import BaseModelListView, GpuTypeListView, PresetListView
from backend.jobs.views.checkpoints import JobCheckpointDownloadView, JobCheckpointListView
from backend.jobs.views.jobs import (
    JobAdapterDownloadView,
    JobCancelView,
    JobDetailView,
    JobEstimateView,
    JobListCreateView,
)
from backend.jobs.views.pauses import (
    JobPauseHistoryView,
    JobPauseView,
    JobResumeOptionsView,
    JobResumeView,
)

__all__ = [
    "BaseModelListView",
    "GpuTypeListView",
    "JobAdapterDownloadView",
    "JobCancelView",
    "JobCheckpointDownloadView",
    "JobCheckpointListView",
    "JobDetailView",
    "JobEstimateView",
    "JobListCreateView",
    "JobPauseHistoryView",
    "JobPauseView",
    "JobResumeOptionsView",
    "JobResumeView",
    "PresetListView",
]
