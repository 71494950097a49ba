"""The Celery task entry: ids in, everything else fetched through the API."""

from __future__ import annotations

import logging

from worker.celery_app import app
from worker.contract.names import RUN_JOB_TASK
from worker.runner import execute_job

logger = logging.getLogger(__name__)

try:
    # Import torch/transformers/peft when the worker starts, not inside the first job: that
    # time would otherwise be billed GPU time with the slot held.
    import worker.training  # noqa: F401
except ImportError:  # pragma: no cover - a host without the training extras
    logger.warning("worker.training is not importable; jobs will fail at their first step")


@app.task(name=RUN_JOB_TASK, ignore_result=True)
def run_job(job_id: str, attempt: int, token: str, api_url: str) -> str:
    """Run one attempt of a training job; returns what happened (for logs)."""
    outcome = execute_job(job_id=job_id, attempt=attempt, token=token, api_url=api_url)
    logger.info("Job %s attempt %s: %s", job_id, attempt, outcome)
    return outcome
