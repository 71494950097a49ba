from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from backend.datasets.models import Dataset
from backend.datasets.validation import validate_jsonl


@transaction.atomic
def dataset_create(*, uploaded_by: Any, name: str, file: UploadedFile) -> Dataset:
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
