"""The training process's own output — its logging records, stdout and stderr — shipped to the
API as the job's log lines (its Logs tab), without ever blocking training.

- Capturing only appends to a bounded in-memory buffer under a lock; a daemon thread sends
  batches every `flush_seconds` (or sooner when a batch is full).
- Rate-limited here too: a token bucket (`rate` lines a second, bursts up to `burst`) and a
  buffer of at most `max_buffered` lines. Lines over either are counted, not kept, and the next
  line sent is preceded by a `system` line "N lines dropped by the worker ..." — never a silent
  gap. (The API applies its own per-minute limit, with the same kind of marker.)
- Lines carry a per-attempt `seq`, so a batch retried after a lost reply is stored once.
- A 409/401 (the attempt lost the job) stops shipping; an API that is down keeps the lines
  queued (up to the buffer) for the next flush.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO

from worker.api_client import ApiClient, ApiError, StopWork
from worker.contract.names import MAX_LOG_LINE_CHARS, MAX_LOG_LINES_PER_BATCH
from worker.payloads import LogLineBody

logger = logging.getLogger(__name__)

# Loggers whose records are not shipped: our own (a failed send would log about itself) and the
# HTTP stack under it; Celery's stdout proxy (its lines are captured as stdout already).
IGNORED_LOGGERS = ("worker.log_capture", "urllib3", "requests", "celery.redirected")


class _Handler(logging.Handler):
    def __init__(self, capture: LogCapture) -> None:
        super().__init__(level=logging.INFO)
        self.capture = capture
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(IGNORED_LOGGERS):
            return
        try:
            text = self.format(record)
        except Exception:  # a broken record must not break training
            return
        for line in text.splitlines() or [""]:
            self.capture.add("log", line, level=record.levelname)


class _Tee(io.TextIOBase):
    """Writes through to the original stream and captures complete lines."""

    def __init__(self, capture: LogCapture, stream: str, original: TextIO) -> None:
        self.capture = capture
        self.stream = stream
        self.original = original
        self._partial = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        written = self.original.write(text)
        with self._lock:
            buffered = self._partial + text
            *lines, self._partial = buffered.split("\n")
            if len(self._partial) > MAX_LOG_LINE_CHARS:  # a progress bar without newlines
                lines.append(self._partial)
                self._partial = ""
        for line in lines:
            self.capture.add(self.stream, line.rstrip("\r"))
        return written if isinstance(written, int) else len(text)

    def flush(self) -> None:
        self.original.flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.original, "encoding", "utf-8")


class LogCapture:
    """Captures the process's output while an attempt runs and ships it to the API."""

    def __init__(
        self,
        client: ApiClient,
        *,
        flush_seconds: float = 1.0,
        rate: float = 50.0,
        burst: int = 500,
        max_buffered: int = 2000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.flush_seconds = flush_seconds
        self.rate = rate
        self.burst = burst
        self.max_buffered = max_buffered
        self.clock = clock
        self._lines: deque[LogLineBody] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._idle = threading.Condition(self._lock)
        self._busy = False
        self._seq = 0
        self._tokens = float(burst)
        self._refilled = clock()
        self._dropped = 0
        self.dropped_total = 0
        self.stopped: StopWork | None = None
        self._thread: threading.Thread | None = None
        self._handler = _Handler(self)
        self._saved: tuple[Any, Any] | None = None
        self._level: int | None = None

    # --- capture ------------------------------------------------------------------------

    def add(self, stream: str, message: str, *, level: str = "") -> None:
        """Queue one line (never blocks on the network; drops and counts when over a limit)."""
        if self.stopped is not None:
            return
        now = self.clock()
        with self._lock:
            self._tokens = min(self.burst, self._tokens + (now - self._refilled) * self.rate)
            self._refilled = now
            if self._tokens < 1 or len(self._lines) >= self.max_buffered:
                self._dropped += 1
                self.dropped_total += 1
                return
            self._tokens -= 1
            if self._dropped:
                self._append(
                    "system",
                    f"{self._dropped:,} lines dropped by the worker (over {self.rate:g} lines "
                    "a second or its buffer was full)",
                    "WARNING",
                )
                self._dropped = 0
            self._append(stream, message, level)
            full = len(self._lines) >= MAX_LOG_LINES_PER_BATCH
        if full:
            self._wake.set()

    def _append(self, stream: str, message: str, level: str) -> None:
        self._seq += 1
        self._lines.append(
            {
                "seq": self._seq,
                "stream": stream,
                "level": level[:10],
                "message": message[:MAX_LOG_LINE_CHARS],
                "created_at": datetime.now(UTC).isoformat(),
            }
        )

    # --- lifecycle ----------------------------------------------------------------------

    def start(self, *, redirect: bool = True) -> LogCapture:
        """Attach to the root logger (and stdout/stderr) and start the sender thread."""
        logging.getLogger().addHandler(self._handler)
        # The training code's INFO lines (one per logging interval) reach the handler even
        # where the root logger is left at WARNING.
        ours = logging.getLogger("worker")
        if ours.getEffectiveLevel() > logging.INFO:
            self._level = ours.level
            ours.setLevel(logging.INFO)
        if redirect:
            self._saved = (sys.stdout, sys.stderr)
            sys.stdout = _Tee(self, "stdout", sys.stdout)  # type: ignore[assignment]
            sys.stderr = _Tee(self, "stderr", sys.stderr)  # type: ignore[assignment]
        self._thread = threading.Thread(target=self._send_loop, name="log-capture", daemon=True)
        self._thread.start()
        return self

    def detach(self) -> None:
        """Stop capturing (restore stdout/stderr); queued lines stay until flushed."""
        logging.getLogger().removeHandler(self._handler)
        if self._level is not None:
            logging.getLogger("worker").setLevel(self._level)
            self._level = None
        if self._saved is not None:
            sys.stdout, sys.stderr = self._saved
            self._saved = None

    def flush(self, timeout: float = 30.0) -> bool:
        """Send everything queued so far; True when the buffer emptied within `timeout`."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while (self._lines or self._busy) and self.stopped is None:
                self._wake.set()
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(min(left, 0.5))
            return not self._lines

    def close(self, timeout: float = 30.0) -> bool:
        """Detach, send what is left (within `timeout`), stop the thread. Safe to call twice."""
        self.detach()
        flushed = self.flush(timeout)
        self._closing.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10.0)
        return flushed

    # --- sending ------------------------------------------------------------------------

    def _send_loop(self) -> None:
        while not self._closing.is_set() and self.stopped is None:
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            try:
                self.send_once()
            except StopWork as exc:
                self.stopped = exc
            except Exception as exc:  # the API is down: keep the lines for the next wake
                logger.debug("Sending log lines failed, will retry: %s", exc)
                self._closing.wait(min(self.flush_seconds, 1.0))
            finally:
                with self._lock:
                    self._busy = False
                    self._idle.notify_all()

    def send_once(self) -> int:
        """Send the queued lines in batches, oldest first; returns how many left the buffer.
        A batch leaves the buffer only after the API took it (or refused it for good)."""
        sent = 0
        while True:
            with self._lock:
                self._busy = True
                batch = [
                    self._lines[i] for i in range(min(len(self._lines), MAX_LOG_LINES_PER_BATCH))
                ]
            if not batch:
                return sent
            try:
                self.client.logs(batch)
            except StopWork:
                raise
            except ApiError as exc:
                if exc.status is None:
                    raise  # retry budget ran out: keep them
                logger.debug("Log lines refused by the API, dropped: %s", exc)
            with self._lock:
                for _ in batch:
                    self._lines.popleft()
            sent += len(batch)
