"""The real Reporter: the training loop calls it, a background thread talks to the API.

Every method the loop calls only appends to in-memory state under a lock and returns; the
network is used by two daemon threads:

- the sender wakes every `flush_seconds` (or when `batch_size` items are waiting) and sends, in
  the order they happened, stage changes, event batches, metric batches (with the latest
  progress and substatus) and checkpoint uploads. Failed sends stay queued and are retried at the
  next wake; the server is idempotent (metrics per step, events per worker seq), so a batch that
  did arrive but whose reply was lost is harmless to resend.
- the heartbeat thread renews the lease every `heartbeat_seconds` and caches the reply, so
  `should_stop()` is a plain read. Metric replies carry the same action, so a cancel is seen
  within a flush interval even between heartbeats.

A 409/401 from any call means this attempt no longer owns the job: the reporter stops sending,
and `should_stop()` answers "cancel" so the loop ends; `lost` tells the task not to complete.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, cast

from worker.api_client import ApiClient, ApiError, StopWork
from worker.payloads import ActionReply, EventBody, MetricPointBody, Progress

P = ParamSpec("P")
R = TypeVar("R")

logger = logging.getLogger(__name__)

DEFAULT_HEARTBEAT_SECONDS = 10.0


def _finite(value: Any) -> Any:
    """JSON has no NaN: a non-finite float is reported as unknown (the loop fails on NaN)."""
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    return value


def server_writes_its_own(type: str, payload: dict[str, Any]) -> bool:
    """Events the API writes itself when it handles the matching call, with server-side times
    (stage started/completed with durations, checkpoint stored after verification, the final
    error). The loop's own copies are dropped so the event log shows each once."""
    if type == "checkpoint":
        return True
    if type == "status" and "stage" in payload and set(payload) <= {"stage", "duration_s"}:
        return True
    return type == "error" and "category" in payload and "stage" in payload


@dataclass
class _Checkpoint:
    path: Path
    step: int
    sha256: str
    metrics: dict[str, Any]


@dataclass
class _Outbox:
    """Things to send, in order. Stage changes and checkpoints are ordering barriers."""

    items: deque[tuple[str, Any]] = field(default_factory=deque)
    progress: Progress | None = None
    substatus: str | None = None
    dirty: bool = False  # progress/substatus changed since the last send


class ApiReporter:
    """Implements worker.training.reporting.Reporter on top of ApiClient."""

    def __init__(
        self,
        client: ApiClient,
        *,
        heartbeat_seconds: float | None = None,
        flush_seconds: float = 2.0,
        batch_size: int = 100,
    ) -> None:
        self.client = client
        env = os.environ.get("LORA_HEARTBEAT_SECONDS")
        self.heartbeat_seconds = (
            float(env) if env else heartbeat_seconds or DEFAULT_HEARTBEAT_SECONDS
        )
        flush_env = os.environ.get("LORA_REPORT_FLUSH_SECONDS")
        self.flush_seconds = float(flush_env) if flush_env else flush_seconds
        self.batch_size = batch_size
        self._out = _Outbox()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._idle = threading.Condition(self._lock)
        self._busy = False
        self._closing = threading.Event()
        self._seq = 0
        self._action: str | None = None
        self.lost: StopWork | None = None
        self.errors: list[str] = []
        self._threads: list[threading.Thread] = []

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> ApiReporter:
        for target, name in ((self._send_loop, "reporter-send"), (self._beat_loop, "heartbeat")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def flush(self, timeout: float = 60.0) -> bool:
        """Send everything queued so far; True when the outbox emptied within `timeout`."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while (self._pending() or self._busy) and self.lost is None:
                self._wake.set()
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(min(left, 0.5))
            return not self._pending()

    def close(self, timeout: float = 60.0) -> bool:
        """Flush with a deadline, then stop both threads. Safe to call twice."""
        flushed = self.flush(timeout)
        self.stop()
        return flushed

    def stop(self) -> None:
        """Stop both threads without flushing (what is still queued stays readable)."""
        self._closing.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=30.0)

    # --- the Reporter protocol (called from the training loop; never blocks) ---------------

    def stage(self, stage: str, *, state: str = "active", message: str = "") -> None:
        self._put("stage", (stage, state, message))

    def substatus(self, message: str) -> None:
        with self._lock:
            self._out.substatus = message
            self._out.dirty = True

    def progress(self, *, step: int, total_steps: int, epoch: int, total_epochs: int) -> None:
        with self._lock:
            self._out.progress = {
                "step": step,
                "total_steps": total_steps,
                "epoch": epoch,
                "total_epochs": total_epochs,
            }
            self._out.dirty = True

    def metrics(self, point: Any) -> None:
        data = point.to_dict() if hasattr(point, "to_dict") else dict(point)
        # The keys are the point's own (MetricSample's fields); only the values change here.
        body = cast(MetricPointBody, {k: _finite(v) for k, v in data.items()})
        self._put("metric", body)

    def event(self, type: str, message: str, payload: dict[str, Any] | None = None) -> None:
        payload = dict(payload or {})
        if server_writes_its_own(type, payload):
            return
        with self._lock:
            self._seq += 1
            seq = self._seq
        body: EventBody = {
            "seq": seq,
            "type": type,
            "message": message[:4000],
            "payload": _jsonable(payload),
            "created_at": datetime.now(UTC).isoformat(),
        }
        self._put("event", body)

    def checkpoint(self, *, path: Path, step: int, sha256: str, metrics: dict[str, Any]) -> None:
        self._put("checkpoint", _Checkpoint(Path(path), step, sha256, _jsonable(metrics)))

    def should_stop(self) -> str | None:
        if self.lost is not None:
            return "cancel"
        action = self._action
        return action if action in ("cancel", "pause") else None

    # --- internals ------------------------------------------------------------------------

    def pending_events(self) -> list[EventBody]:
        """Events not sent yet (after `stop()`, the task hands them to `fail`)."""
        with self._lock:
            return [item for kind, item in self._out.items if kind == "event"]

    def _pending(self) -> bool:
        return bool(self._out.items) or self._out.dirty

    def _put(self, kind: str, item: Any) -> None:
        if self.lost is not None:
            return  # this attempt no longer owns the job: nothing more may be written
        with self._lock:
            self._out.items.append((kind, item))
            if len(self._out.items) >= self.batch_size:
                self._wake.set()

    def _call(self, method: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
        """One API call; a request the API refuses for good (4xx other than 401/409) is logged
        and dropped (None), or it would block everything queued behind it forever."""
        try:
            return method(*args, **kwargs)
        except StopWork:
            raise
        except ApiError as exc:
            if exc.status is None:
                raise  # retry budget ran out (API down): keep the items for the next wake
            logger.error("Report refused by the API, dropped: %s", exc)
            self.errors.append(str(exc))
            return None

    def _remember(self, reply: ActionReply | None) -> None:
        if reply is None:
            return  # the call was dropped: no news about the action
        action = reply.get("action")
        if action in ("continue", "cancel", "pause"):
            self._action = action

    def _stop(self, exc: StopWork) -> None:
        if self.lost is None:
            logger.warning("Attempt no longer owns the job, stopping: %s", exc)
            self.lost = exc
        with self._lock:
            self._out.items.clear()
            self._out.dirty = False
            self._idle.notify_all()

    def _send_loop(self) -> None:
        while not self._closing.is_set() and self.lost is None:
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            if self.lost is not None:
                break
            try:
                self._send_once()
            except StopWork as exc:
                self._stop(exc)
            except Exception as exc:  # keep the items; the next wake retries them
                logger.warning("Report failed, will retry: %s", exc)
                self.errors.append(str(exc))
                time.sleep(min(self.flush_seconds, 1.0))
            finally:
                with self._lock:
                    self._busy = False
                    self._idle.notify_all()

    def _send_once(self) -> None:
        """Send the outbox in order; an item leaves the outbox only after the API took it."""
        with self._lock:
            self._busy = True
            snapshot = list(self._out.items)
            progress, substatus, dirty = self._out.progress, self._out.substatus, self._out.dirty
        events: list[EventBody] = []
        points: list[MetricPointBody] = []
        sent = 0

        def send_batches(final: bool = False) -> None:
            nonlocal sent, dirty
            if events:
                self._remember(self._call(self.client.events, list(events)))
                sent += len(events)
                events.clear()
            if points or (dirty and final):
                reply = self._call(
                    self.client.metrics, list(points), progress=progress, substatus=substatus
                )
                self._remember(reply)
                sent += len(points)
                points.clear()
                if dirty and final:
                    with self._lock:
                        # Clear only if nothing newer arrived while we were sending.
                        if self._out.progress is progress and self._out.substatus is substatus:
                            self._out.dirty = False
                    dirty = False
            self._drop(sent)
            sent = 0

        for kind, item in snapshot:
            if kind == "event":
                events.append(item)
            elif kind == "metric":
                points.append(item)
            else:
                send_batches()
                if kind == "stage":
                    self._remember(self._call(self.client.stage, *item))
                else:
                    self._upload(item)
                sent += 1
                self._drop(sent)
                sent = 0
            if len(events) >= 500 or len(points) >= 500:
                send_batches()
        send_batches(final=True)

    def _drop(self, count: int) -> None:
        with self._lock:
            for _ in range(count):
                self._out.items.popleft()

    def _upload(self, ckpt: _Checkpoint) -> None:
        if not ckpt.path.exists():  # pruned by the loop before we got to it; a later one exists
            logger.warning("Checkpoint %s is gone; skipping its upload", ckpt.path)
            return
        self._call(
            self.client.checkpoint,
            path=ckpt.path,
            step=ckpt.step,
            sha256=ckpt.sha256,
            metrics=ckpt.metrics,
        )

    def _beat_loop(self) -> None:
        while not self._closing.is_set() and self.lost is None:
            with self._lock:
                progress, substatus = self._out.progress, self._out.substatus
            try:
                self._remember(self.client.heartbeat(progress=progress, substatus=substatus))
            except StopWork as exc:
                self._stop(exc)
                return
            except Exception as exc:
                logger.warning("Heartbeat failed: %s", exc)
            self._closing.wait(self.heartbeat_seconds)


def _jsonable(value: Any) -> Any:
    """Payloads cross JSON: paths become strings, NaN becomes null, tuples lists."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float):
        return _finite(value)
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)
