"""The Celery task entry: ids in, everything else fetched through the API."""

from __future__ import annotations

import logging

from worker.celery_app import app
from worker.runner import execute_job

logger = logging.getLogger(__name__)


@app.task(name="worker.run_job", ignore_result=True)
def run_job(job_id: str, attempt: int, token: str, api_url: str) -> str:
    """Run one attempt of a training job; returns what happened (for logs)."""
    outcome = execute_job(job_id=job_id, attempt=attempt, token=token, api_url=api_url)
    logger.info("Job %s attempt %s: %s", job_id, attempt, outcome)
    return outcome
