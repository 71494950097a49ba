from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from backend.jobs.models import GpuType, JobStatus
from backend.jobs.transitions import transition
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def test_gpu_catalog_is_seeded_by_migration() -> None:
    h100 = GpuType.objects.get(slug="h100-80gb")
    assert h100.spot_hourly_rate == Decimal("2.49")
    assert GpuType.objects.count() >= 5


def test_billing_counts_only_provisioning_and_running_time() -> None:
    job = JobFactory(hourly_rate=Decimal("3.60"))
    t0 = timezone.now()
    transition(job, JobStatus.PROVISIONING, now=t0)
    transition(job, JobStatus.RUNNING, now=t0 + timedelta(seconds=100))
    assert job.billed_seconds_at(t0 + timedelta(seconds=1000)) == pytest.approx(1000)
    transition(job, JobStatus.COMPLETED, now=t0 + timedelta(seconds=1800))
    # 1800 s at $3.60/h = $1.80, and nothing accrues once finished.
    assert job.spend_at(t0 + timedelta(days=1)) == Decimal("1.8000")
    assert job.final_cost == Decimal("1.8000")
