"""The GPU workers' Celery app (no Django): one long training task per process.

Start a worker per GPU:  celery -A worker.celery_app worker -Q training --concurrency 1
(the task and queue names are the contract's, ``worker.contract.names``).
"""

from __future__ import annotations

import os

from celery import Celery

from worker.contract.names import RUN_JOB_TASK, TRAINING_QUEUE

# Longer than any job: with acks_late an unacknowledged message is redelivered only after this,
# and a redelivered message's claim fails (409) anyway, so it exits without doing anything.
VISIBILITY_TIMEOUT_SECONDS = 7 * 24 * 3600


def broker_url() -> str:
    return (
        os.environ.get("CELERY_BROKER_URL")
        or os.environ.get("REDIS_URL")
        or "redis://127.0.0.1:6379/0"
    )


app = Celery("lora_worker", broker=broker_url(), include=["worker.tasks"])
app.conf.update(
    task_default_queue=TRAINING_QUEUE,
    task_routes={RUN_JOB_TASK: {"queue": TRAINING_QUEUE}},
    # Hours-long tasks: take one message at a time and acknowledge it only when the task ends,
    # so a worker that dies mid-job does not silently swallow it.
    worker_prefetch_multiplier=1,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_concurrency=1,
    task_time_limit=None,
    task_soft_time_limit=None,
    broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_SECONDS},
    broker_connection_retry_on_startup=True,
    task_ignore_result=True,
    worker_hijack_root_logger=False,
)
