"""DELETE /api/training/datasets/{id}: the row and the file go, unless an unfinished job still
needs them (409); finished jobs keep their history without the dataset."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import default_storage

from backend.jobs.models import Job, JobStatus
from tests.factories import DatasetFactory, JobFactory

pytestmark = pytest.mark.django_db


def _url(dataset: Any) -> str:
    return f"/api/training/datasets/{dataset.pk}"


def test_delete_removes_the_row_and_the_file(
    owner: Any, owner_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    dataset = DatasetFactory(uploaded_by=owner)
    name = dataset.file.name
    assert default_storage.exists(name)
    finished = JobFactory(dataset=dataset, status=JobStatus.COMPLETED)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.delete(_url(dataset))
    assert response.status_code == 204
    assert owner_client.get(_url(dataset)).status_code == 404
    assert not default_storage.exists(name)
    assert Job.objects.get(pk=finished.pk).dataset is None
    assert owner_client.get(f"/api/training/jobs/{finished.pk}").json()["dataset"] is None


@pytest.mark.parametrize("status", [JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.PAUSED])
def test_delete_is_409_while_an_unfinished_job_uses_it(
    owner: Any, owner_client: Any, status: str
) -> None:
    dataset = DatasetFactory(uploaded_by=owner)
    JobFactory(name="still training", validation_dataset=dataset, status=status)
    response = owner_client.delete(_url(dataset))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "dataset_in_use"
    assert "still training" in response.json()["error"]["message"]
    assert default_storage.exists(dataset.file.name)


def test_only_the_uploader_or_a_manager_deletes(
    owner: Any, teammate_client: Any, manager_client: Any
) -> None:
    dataset = DatasetFactory(uploaded_by=owner)
    assert teammate_client.delete(_url(dataset)).status_code == 403
    assert manager_client.delete(_url(dataset)).status_code == 204
