"""backend/common/rows.py: rows read and written with SQL written once behave as the ORM's."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from backend.common.rows import row_select, row_update
from backend.jobs.models import Job
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def test_a_selected_row_has_the_orms_values_and_defers_the_rest() -> None:
    job = JobFactory(
        latest_metrics={"step": 3, "train_loss": 1.5},
        hyperparameters={"eval_every": 7},
        current_step=3,
        hourly_rate=Decimal("2.49"),
    )
    names = ["latest_metrics", "current_step", "hyperparameters", "hourly_rate", "created_by"]
    row = row_select(Job, names=names, by="id", value=job.pk)
    assert row is not None
    orm = Job.objects.get(pk=job.pk)
    # JSON decoded, Decimal kept, the foreign key as its id: as the ORM gives them.
    for name in ["latest_metrics", "current_step", "hyperparameters", "hourly_rate"]:
        assert getattr(row, name) == getattr(orm, name), name
    assert row.created_by_id == orm.created_by_id
    assert row.pk == job.pk
    assert row.get_deferred_fields() >= {"name", "status", "previous_metrics"}


def test_no_row_is_none() -> None:
    assert row_select(Job, names=["status"], by="id", value=JobFactory.build().pk) is None


def test_a_locked_select_is_for_update() -> None:
    job = JobFactory()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        row_select(Job, names=["status"], by="id", value=job.pk, lock=True)
    assert queries[-1]["sql"].endswith("FOR UPDATE")


def test_an_update_writes_the_named_fields_only_and_stamps_auto_now() -> None:
    job = JobFactory(name="kept", current_step=1)
    before = Job.objects.get(pk=job.pk).updated_at
    row = row_select(Job, names=["current_step", "latest_metrics"], by="id", value=job.pk)
    assert row is not None
    row.current_step = 9
    row.latest_metrics = {"step": 9, "val_loss": None}
    row.name = "not written"
    row_update(row, ["current_step", "latest_metrics", "updated_at"])
    saved = Job.objects.get(pk=job.pk)
    assert (saved.current_step, saved.latest_metrics) == (9, {"step": 9, "val_loss": None})
    assert saved.name == "kept"
    assert before < saved.updated_at <= timezone.now() + timedelta(seconds=1)
