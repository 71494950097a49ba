"""The GPU workers' Celery app (no Django): one long training task per process.

A worker serves one pool, the GPU type it runs on (`worker.device.worker_gpu_type`: the
`LORA_GPU_TYPE` slug, or `cpu` on a host without a GPU), and consumes only that pool's queue,
`training.<type>` (``worker.contract.names.pool_queue``); the API sends a job only to its own
type's queue. Start one worker per GPU:

    LORA_GPU_TYPE=h100-80gb celery -A worker.celery_app worker --concurrency 1

At start-up it imports the training stack (torch, transformers, PEFT) before its pool forks,
so no job pays for that import. Once ready, the worker registers with the API and heartbeats
every LORA_HEARTBEAT_SECONDS (`FleetReporter`): its name, host, device, software versions and
type, authenticated by the shared `LORA_WORKER_SECRET`; the API counts live workers per type
to size each pool. Without `LORA_API_URL` / `LORA_WORKER_SECRET` it does not register (and its
pool stays closed unless other workers of its type are registered).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from typing import Any

from celery import Celery
from celery.signals import worker_init, worker_ready, worker_shutdown

from worker.api_client import ApiError, FleetClient
from worker.contract.names import RUN_JOB_TASK, pool_queue
from worker.device import discover_device, software_versions, worker_gpu_type

logger = logging.getLogger(__name__)

# Longer than any job: with acks_late an unacknowledged message is redelivered only after this,
# and a redelivered message's claim fails (409) anyway, so it exits without doing anything.
VISIBILITY_TIMEOUT_SECONDS = 7 * 24 * 3600

DEVICE = discover_device()
GPU_TYPE = worker_gpu_type(DEVICE)
QUEUE = pool_queue(GPU_TYPE)
HOST = socket.gethostname()
# Unique per worker process; set before any fork, so a prefork child claims under this name.
WORKER_NAME = os.environ.get("LORA_WORKER_NAME") or (f"{HOST}-{os.getpid()}-{secrets.token_hex(3)}")


def broker_url() -> str:
    return (
        os.environ.get("CELERY_BROKER_URL")
        or os.environ.get("REDIS_URL")
        or "redis://127.0.0.1:6379/0"
    )


app = Celery("lora_worker", broker=broker_url(), include=["worker.tasks"])
app.conf.update(
    task_default_queue=QUEUE,
    task_routes={RUN_JOB_TASK: {"queue": QUEUE}},
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


def registration() -> dict[str, Any]:
    """What this worker tells the API about itself (the fleet heartbeat body)."""
    return {
        "name": WORKER_NAME,
        "gpu_type": GPU_TYPE,
        "host": HOST,
        "device": DEVICE,
        "software": software_versions(),
    }


class FleetReporter:
    """Registers the worker and heartbeats it from a daemon thread until stopped."""

    def __init__(self, client: FleetClient, *, interval: float) -> None:
        self.client = client
        self.interval = interval
        self.body = registration()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="fleet-heartbeat", daemon=True)

    def start(self) -> FleetReporter:
        self._thread.start()
        return self

    def beat(self) -> bool:
        try:
            reply = self.client.heartbeat(self.body)
        except ApiError as exc:
            logger.warning("Fleet heartbeat of %s failed: %s", WORKER_NAME, exc)
            return False
        interval = reply.get("heartbeat_seconds")
        if isinstance(interval, int | float) and interval > 0:
            self.interval = float(interval)
        return True

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.beat()
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()


_reporter: FleetReporter | None = None


@worker_init.connect
def _preload(**_: Any) -> None:
    """Import the training stack before the pool forks (its processes inherit it) and before the
    worker registers, so no job waits for it: a job's stage timings are then its own work."""
    from worker.training.models import import_training_stack

    import_training_stack()


@worker_ready.connect
def _register(**_: Any) -> None:
    global _reporter
    api_url = os.environ.get("LORA_API_URL", "")
    secret = os.environ.get("LORA_WORKER_SECRET", "")
    if not api_url or not secret:
        logger.warning(
            "LORA_API_URL or LORA_WORKER_SECRET is not set: worker %s does not register "
            "with the fleet (pool %s)",
            WORKER_NAME,
            GPU_TYPE,
        )
        return
    interval = float(os.environ.get("LORA_HEARTBEAT_SECONDS") or 10.0)
    _reporter = FleetReporter(FleetClient(api_url=api_url, secret=secret), interval=interval)
    _reporter.start()
    logger.info("Worker %s serves pool %s (queue %s)", WORKER_NAME, GPU_TYPE, QUEUE)


@worker_shutdown.connect
def _unregister(**_: Any) -> None:
    if _reporter is not None:
        _reporter.stop()
