from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from rest_framework.exceptions import NotFound

from backend.accounts.models import User
from backend.common.errors import Conflict
from backend.datasets.models import Dataset
from backend.datasets.validation import validate_jsonl
from backend.jobs.models import FINISHED_STATUSES, Job, JobStatus


@transaction.atomic
def dataset_create(*, uploaded_by: User, name: str, file: UploadedFile) -> Dataset:
    """Store an uploaded JSONL file and record its validation report (kept even when invalid,
    so the user sees every line-numbered error next to the file)."""
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    report = validate_jsonl(file)
    file.seek(0)
    dataset = Dataset(
        name=name,
        uploaded_by=uploaded_by,
        size_bytes=file.size or 0,
        sha256=digest.hexdigest(),
        format=report.format,
        num_examples=report.num_examples,
        total_chars=report.total_chars,
        trainable_chars=report.trainable_chars,
        is_valid=report.is_valid,
        errors=report.errors,
    )
    dataset.file.save(f"{dataset.id}.jsonl", file, save=False)
    dataset.save()
    return dataset


# A job in one of these states will still read its dataset (a paused job resumes).
UNFINISHED_STATUSES = sorted(set(JobStatus.values) - FINISHED_STATUSES)


@transaction.atomic
def dataset_delete(*, dataset_id: Any) -> None:
    """Delete a dataset and its file; refused (409) while an unfinished job uses it. Finished
    jobs keep their rows, without the dataset."""
    # Row lock: a job dispatched or resumed between the check and the delete would otherwise
    # start on a file that is about to disappear.
    dataset = Dataset.objects.select_for_update().filter(pk=dataset_id).first()
    if dataset is None:
        raise NotFound("No such dataset.")
    users = Job.objects.filter(
        Q(dataset=dataset) | Q(validation_dataset=dataset), status__in=UNFINISHED_STATUSES
    )
    if users.exists():
        names = ", ".join(sorted(users.values_list("name", flat=True)[:5]))
        raise Conflict(
            f"The dataset is used by a queued, running or paused job ({names}); cancel it or "
            "wait until it finishes.",
            code="dataset_in_use",
        )
    name, storage = dataset.file.name, dataset.file.storage
    dataset.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
