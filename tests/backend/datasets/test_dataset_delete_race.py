"""A job created while its dataset is deleted: one of the two wins, the other gets a clear
answer in the error shape (never a 500), and no job ever points at a deleted dataset.

Races the real endpoints from two threads against PostgreSQL, many rounds, each started
together from a barrier."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from backend.datasets.models import Dataset
from backend.jobs.models import Job
from tests.factories import DatasetFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 30


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.raise_request_exception = False  # a server error must come back as a 500 reply
    return client


def _race(user: Any, dataset: Dataset, validation: bool) -> tuple[Any, Any]:
    barrier = threading.Barrier(2)
    replies: dict[str, Any] = {}
    body = {
        "name": "racing the delete",
        "dataset_id": str(dataset.pk),
        "base_model": "smollm2-135m-instruct",
        "preset": "balanced",
        "gpu_type": "h100-80gb",
        "pricing": "spot",
    }
    if validation:  # the deleted dataset is the validation set of the new job
        body["dataset_id"] = str(DatasetFactory(uploaded_by=user).pk)
        body["validation_dataset_id"] = str(dataset.pk)

    def create() -> None:
        try:
            barrier.wait()
            replies["create"] = _client(user).post("/api/training/jobs", body, format="json")
        finally:
            connection.close()

    def delete() -> None:
        try:
            barrier.wait()
            replies["delete"] = _client(user).delete(f"/api/training/datasets/{dataset.pk}")
        finally:
            connection.close()

    threads = [threading.Thread(target=create), threading.Thread(target=delete)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return replies["create"], replies["delete"]


@pytest.mark.parametrize("validation", [False, True], ids=["dataset", "validation_dataset"])
def test_create_racing_delete_never_errors_and_never_orphans_a_job(
    owner: Any, validation: bool
) -> None:
    outcomes: set[tuple[int, int]] = set()
    for _ in range(ROUNDS):
        dataset = DatasetFactory(uploaded_by=owner)
        create, delete = _race(owner, dataset, validation)
        outcomes.add((create.status_code, delete.status_code))
        field = "validation_dataset_id" if validation else "dataset_id"
        if delete.status_code == 204:
            # The delete won: the create is refused on the field, in the error shape.
            assert create.status_code == 400, create.content
            error = create.json()["error"]
            assert error["code"] == "validation_error"
            assert list(error["fields"]) == [field]
            assert not Dataset.objects.filter(pk=dataset.pk).exists()
        else:
            # The create won: the delete sees the queued job and refuses.
            assert (create.status_code, delete.status_code) == (201, 409), (
                create.content,
                delete.content,
            )
            assert delete.json()["error"]["code"] == "dataset_in_use"
            job = Job.objects.get(pk=create.json()["id"])
            used = job.validation_dataset_id if validation else job.dataset_id
            assert used == dataset.pk
    assert outcomes <= {(400, 204), (201, 409)}
