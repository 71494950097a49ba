"""Request and response shapes of the user-facing jobs API, one module per entity.

The names are re-exported here so ``from backend.jobs.serializers import X`` keeps working.
``job`` comes before ``job_detail``, which builds on it.
"""

from __future__ import annotations

from backend.jobs.serializers.catalog import (
    BaseModelSerializer,
    HyperparameterBoundsSerializer,
    PresetSerializer,
)
from backend.jobs.serializers.gpu_types import GpuTypeSerializer, GpuTypeSummarySerializer
from backend.jobs.serializers.hyperparameters import HyperparametersSerializer
from backend.jobs.serializers.job import (
    ACTIONS,
    CANCEL_REASONS,
    CancelSerializer,
    CloneTemplateSerializer,
    EstimateSerializer,
    JobCreateSerializer,
    JobListSerializer,
)
from backend.jobs.serializers.job_detail import JobDetailSerializer

__all__ = [
    "ACTIONS",
    "CANCEL_REASONS",
    "BaseModelSerializer",
    "CancelSerializer",
    "CloneTemplateSerializer",
    "EstimateSerializer",
    "GpuTypeSerializer",
    "GpuTypeSummarySerializer",
    "HyperparameterBoundsSerializer",
    "HyperparametersSerializer",
    "JobCreateSerializer",
    "JobDetailSerializer",
    "JobListSerializer",
    "PresetSerializer",
]
