"""Checkpoint uploads: verified here and stored through Django's storage; the row (one per job
and step) and its event are the jobs app's (`checkpoint_record` in `backend/jobs/lifecycle.py`)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from backend.common.errors import ApplicationError
from backend.jobs.lifecycle import checkpoint_record
from backend.jobs.models import Attempt, Checkpoint
from backend.workerapi.services.common import lock_for_write


def file_sha256(file: UploadedFile) -> str:
    """sha256 of an uploaded file, read in chunks (uploads over 2 MB are on disk)."""
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def verify_sha256(file: UploadedFile, expected: str, *, field: str = "sha256") -> None:
    """400 `checksum_mismatch` when the bytes that arrived are not the bytes that were sent."""
    actual = file_sha256(file)
    if actual != expected.lower():
        raise ApplicationError(
            "The uploaded file does not match its sha256; it was corrupted in transit.",
            code="checksum_mismatch",
            fields={field: [f"Expected {expected}, received a file with sha256 {actual}."]},
        )


def checkpoint_store(
    *,
    attempt: Attempt,
    step: int,
    sha256: str,
    metrics: dict[str, Any] | None,
    file: UploadedFile,
) -> Checkpoint:
    """Verify and store a checkpoint, replacing an earlier one at the same step (a retried
    upload of identical bytes is a no-op).

    The bytes are hashed and written to storage before the job row is locked, so a large upload
    never holds the lock that a user's cancel or the reaper needs; the row is created under the
    lock, after re-checking that this attempt may still write.
    """
    verify_sha256(file, sha256)
    same = Checkpoint.objects.filter(
        job_id=attempt.job_id, step=step, sha256=sha256.lower()
    ).first()
    if same is not None:
        # A retry whose first reply was lost: the bytes are already stored, write nothing
        # (but a stale attempt still gets its 409).
        with transaction.atomic():
            lock_for_write(attempt=attempt)
        return same
    checkpoint = Checkpoint(
        job_id=attempt.job_id,
        attempt=attempt.number,
        step=step,
        metrics=metrics or {},
        size_bytes=file.size or 0,
        sha256=sha256.lower(),
    )
    checkpoint.file.save(f"step-{step:08d}.pt", file, save=False)
    stored_name = str(checkpoint.file.name)
    try:
        with transaction.atomic():
            job, current = lock_for_write(attempt=attempt)
            old_names = checkpoint_record(job=job, attempt=current, checkpoint=checkpoint)

            def remove_old() -> None:
                for name in old_names:
                    checkpoint.file.storage.delete(name)

            transaction.on_commit(remove_old)
    except BaseException:
        checkpoint.file.storage.delete(stored_name)
        raise
    return checkpoint
