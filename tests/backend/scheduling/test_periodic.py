"""The periodic entry points: beat tasks and the run_scheduler command."""

from __future__ import annotations

import time
from io import StringIO
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from backend.jobs.models import Job, JobStatus
from backend.scheduling.tasks import dispatch_task, reap_task
from tests.backend.scheduling.helpers import set_limits
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def test_beat_runs_both_tasks_on_their_intervals() -> None:
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    assert schedule["scheduling-dispatch"]["task"] == "scheduling.dispatch"
    assert schedule["scheduling-dispatch"]["schedule"] == (
        django_settings.LORA_DISPATCH_INTERVAL_SECONDS
    )
    assert schedule["scheduling-reap"]["task"] == "scheduling.reap"


def test_the_tasks_dispatch_and_reap(settings: Any) -> None:
    # Long enough that the second dispatch below runs while the first lease still holds (a
    # dispatch reads the fleet and refreshes the estimate: on a busy machine it takes a while).
    settings.LORA_PROVISIONING_GRACE_SECONDS = 1.0
    set_limits(concurrency_limit=1)
    first, second = JobFactory(), JobFactory()
    assert dispatch_task() == [str(first.pk)]
    assert dispatch_task() == []  # idempotent
    time.sleep(1.1)
    # The lost job is re-queued at the front and started again straight away.
    assert reap_task() == [str(first.pk)]
    first.refresh_from_db()
    assert (first.status, first.attempt, first.recovering) == (JobStatus.PROVISIONING, 2, True)
    assert Job.objects.get(pk=second.pk).status == JobStatus.QUEUED


def test_run_scheduler_once() -> None:
    job = JobFactory()
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert Job.objects.get(pk=job.pk).status == JobStatus.PROVISIONING
    assert str(job.pk) in out.getvalue()
