"""A Reporter that never blocks the loop: calls become queued records, a thread ships them.

Bench-only: ``bench/train_bench.py`` uses it with a JSON-serializing sink to measure what
reporting costs a training step. The worker's real reporter is ``worker.reporter.ApiReporter``.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from worker.training.reporting import MetricSample

Record = dict[str, Any]


class ThreadedReporter:
    """Queues every report; a daemon thread drains the queue in batches and calls ``send``.

    ``progress`` is coalesced (only the latest value is shipped per batch) because the loop
    calls it every step. ``should_stop`` reads a field that another thread (e.g. the heartbeat)
    sets through :meth:`request_stop`, so it costs a Python attribute read.
    """

    def __init__(
        self,
        send: Callable[[list[Record]], None],
        *,
        flush_interval: float = 0.5,
        max_batch: int = 500,
    ) -> None:
        self._send = send
        self._queue: queue.SimpleQueue[Record | None] = queue.SimpleQueue()
        self._flush_interval = flush_interval
        self._max_batch = max_batch
        self._stop_request: str | None = None
        self._latest_progress: Record | None = None
        self._lock = threading.Lock()
        self.sent_batches = 0
        self.send_errors = 0
        self._thread = threading.Thread(target=self._run, name="training-reporter", daemon=True)
        self._thread.start()

    # ---- Reporter protocol (called from the training loop) ----------------------------------

    def stage(self, stage: str, *, state: str = "active", message: str = "") -> None:
        """Queue a stage transition."""
        self._queue.put({"kind": "stage", "stage": stage, "state": state, "message": message})

    def substatus(self, message: str) -> None:
        """Queue a substatus line."""
        self._queue.put({"kind": "substatus", "message": message})

    def progress(self, *, step: int, total_steps: int, epoch: int, total_epochs: int) -> None:
        """Remember the latest progress; shipped once per batch."""
        with self._lock:
            self._latest_progress = {
                "kind": "progress",
                "step": step,
                "total_steps": total_steps,
                "epoch": epoch,
                "total_epochs": total_epochs,
            }

    def metrics(self, point: MetricSample) -> None:
        """Queue a metric point."""
        self._queue.put({"kind": "metrics", **point.to_dict()})

    def event(self, type: str, message: str, payload: dict[str, Any] | None = None) -> None:
        """Queue an event with a client-side timestamp."""
        self._queue.put(
            {
                "kind": "event",
                "type": type,
                "message": message,
                "payload": payload or {},
                "ts": time.time(),
            }
        )

    def checkpoint(self, *, path: Path, step: int, sha256: str, metrics: dict[str, Any]) -> None:
        """Queue a checkpoint for upload."""
        self._queue.put(
            {
                "kind": "checkpoint",
                "path": str(path),
                "step": step,
                "sha256": sha256,
                "metrics": metrics,
            }
        )

    def should_stop(self) -> str | None:
        """Latest stop request (set by another thread); never blocks."""
        return self._stop_request

    # ---- control ------------------------------------------------------------------------------

    def request_stop(self, action: str | None) -> None:
        """Set by whoever talks to the API (heartbeat reply): "cancel", "pause" or None."""
        self._stop_request = action

    def close(self, timeout: float = 10.0) -> None:
        """Flush what is queued and stop the thread."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        done = False
        while not done:
            batch: list[Record] = []
            deadline = time.monotonic() + self._flush_interval
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is None:
                    done = True
                    break
                batch.append(item)
            with self._lock:
                progress, self._latest_progress = self._latest_progress, None
            if progress is not None:
                batch.append(progress)
            if batch:
                try:
                    self._send(batch)
                    self.sent_batches += 1
                except Exception:  # the sink retries on its own; never kill the loop
                    self.send_errors += 1
