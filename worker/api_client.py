"""HTTP client of the worker API (no Django): retries, backoff, and what a status means.

- 5xx, 429 and connection errors are retried with exponential backoff and full jitter, up to a
  time budget; every write is idempotent on the server, so a retry never duplicates a row.
- 409 raises StaleAttempt and 401 raises AttemptEnded: the worker must stop at once (another
  attempt owns the job now, or this one is over) and must not write anything else.
- Any other 4xx raises ApiError (a bug or a limit: retrying the same request cannot help).
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

from worker.payloads import (
    CheckpointForm,
    CheckpointReply,
    ClaimReply,
    ClaimRequest,
    CompleteForm,
    CompleteReply,
    EventBody,
    EventsBody,
    FailBody,
    FailReply,
    HeartbeatBody,
    HeartbeatReply,
    LogLineBody,
    LogLinesBody,
    LogLinesReply,
    MetricPointBody,
    MetricsBody,
    Progress,
    StageBody,
    StageReply,
    StoredReply,
)

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class ApiError(Exception):
    """A request the API refused (4xx) or that kept failing until the retry budget ran out."""

    def __init__(self, message: str, *, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body

    @property
    def code(self) -> str | None:
        if isinstance(self.body, dict):
            return (self.body.get("error") or {}).get("code")
        return None


class StopWork(ApiError):
    """The worker must stop and write nothing more."""


class StaleAttempt(StopWork):
    """409: the lease was lost, a newer attempt exists, or the claim was a duplicate."""


class AttemptEnded(StopWork):
    """401: the token is unknown or its attempt has ended."""


def backoff_delays(base: float, cap: float) -> Any:
    """Exponential backoff with full jitter: uniform(0, min(cap, base * 2**n))."""
    n = 0
    while True:
        yield random.uniform(0, min(cap, base * 2**n))
        n += 1


class ApiClient:
    """One attempt's view of the worker API. Thread-safe: one requests.Session per thread."""

    def __init__(
        self,
        *,
        api_url: str,
        job_id: str,
        token: str,
        attempt: int,
        fence: int | None = None,
        timeout: float = 30.0,
        retry_budget: float = 120.0,
        backoff_base: float = 0.5,
        backoff_cap: float = 15.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = api_url.rstrip("/") + "/"
        self.job_id = job_id
        self.token = token
        self.attempt = attempt
        self.fence = fence
        self.timeout = timeout
        self.retry_budget = retry_budget
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.sleep = sleep
        self._local = threading.local()

    # --- plumbing -------------------------------------------------------------------------

    @property
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {self.token}"
            self._local.session = session
        return session

    def url(self, path: str) -> str:
        if path.startswith("/") or "://" in path:
            return urljoin(self.api_url, path)
        return urljoin(self.api_url, f"api/worker/jobs/{self.job_id}/{path}")

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Callable[[], dict[str, Any]] | None = None,
        stream: bool = False,
        budget: float | None = None,
    ) -> requests.Response:
        """Send with retries. `files` is a factory so each retry re-opens the upload."""
        deadline = time.monotonic() + (self.retry_budget if budget is None else budget)
        delays = backoff_delays(self.backoff_base, self.backoff_cap)
        url = self.url(path)
        while True:
            opened: dict[str, Any] = files() if files else {}
            try:
                response = self.session.request(
                    method,
                    url,
                    json=json_body,
                    data=data,
                    files=opened or None,
                    timeout=self.timeout,
                    stream=stream,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                response, failure = None, f"{type(exc).__name__}: {exc}"
            finally:
                for value in opened.values():
                    handle = value[1] if isinstance(value, tuple) else value
                    if hasattr(handle, "close"):
                        handle.close()
            if response is not None:
                if response.status_code < 400:
                    return response
                if response.status_code not in RETRY_STATUSES:
                    raise self._error(response)
                failure = f"HTTP {response.status_code}"
            delay = next(delays)
            if time.monotonic() + delay > deadline:
                raise ApiError(f"{method} {url} kept failing ({failure}); giving up")
            logger.warning("%s %s failed (%s); retrying in %.1fs", method, url, failure, delay)
            self.sleep(delay)

    @staticmethod
    def _error(response: requests.Response) -> ApiError:
        try:
            body = response.json()
        except ValueError:
            body = response.text[:500]
        message = body.get("error", {}).get("message") if isinstance(body, dict) else str(body)
        text = f"HTTP {response.status_code} {response.request.method} {response.url}: {message}"
        if response.status_code == 409:
            return StaleAttempt(text, status=409, body=body)
        if response.status_code == 401:
            return AttemptEnded(text, status=401, body=body)
        return ApiError(text, status=response.status_code, body=body)

    # --- endpoints ------------------------------------------------------------------------

    def claim(
        self, *, worker_host: str, worker: str | None = None, gpu_type: str | None = None
    ) -> ClaimReply:
        payload: ClaimRequest = {"attempt": self.attempt, "worker_host": worker_host}
        if worker:
            payload["worker"] = worker
        if gpu_type:
            payload["gpu_type"] = gpu_type
        body: ClaimReply = self.request("POST", "claim", json_body=payload).json()
        self.fence = body["fence"]
        return body

    def stage(self, stage: str, state: str, message: str = "") -> StageReply:
        payload: StageBody = {
            "attempt": self.attempt,
            "fence": self.fence,
            "stage": stage,
            "state": state,
            "message": message[:2000],
        }
        reply: StageReply = self.request("POST", "stage", json_body=payload).json()
        return reply

    def metrics(
        self,
        points: list[MetricPointBody],
        *,
        progress: Progress | None = None,
        substatus: str | None = None,
    ) -> StoredReply:
        payload: MetricsBody = {"attempt": self.attempt, "fence": self.fence, "points": points}
        if progress:
            payload["progress"] = progress
        if substatus is not None:
            payload["substatus"] = substatus[:2000]
        reply: StoredReply = self.request("POST", "metrics", json_body=payload).json()
        return reply

    def events(self, events: list[EventBody]) -> StoredReply:
        payload: EventsBody = {"attempt": self.attempt, "fence": self.fence, "events": events}
        reply: StoredReply = self.request("POST", "events", json_body=payload).json()
        return reply

    def logs(self, lines: list[LogLineBody]) -> LogLinesReply:
        """A batch of the process's own log lines (idempotent per seq; short retry budget: the
        next flush is the retry, and training never waits on it)."""
        payload: LogLinesBody = {"attempt": self.attempt, "fence": self.fence, "lines": lines}
        reply: LogLinesReply = self.request(
            "POST", "logs", json_body=payload, budget=min(10.0, self.retry_budget)
        ).json()
        return reply

    def heartbeat(
        self, *, progress: Progress | None = None, substatus: str | None = None
    ) -> HeartbeatReply:
        payload: HeartbeatBody = {"attempt": self.attempt, "fence": self.fence}
        if progress:
            payload["progress"] = progress
        if substatus is not None:
            payload["substatus"] = substatus[:2000]
        # A heartbeat that cannot get through within a lease is worthless: short budget.
        reply: HeartbeatReply = self.request(
            "POST", "heartbeat", json_body=payload, budget=min(20.0, self.retry_budget)
        ).json()
        return reply

    def checkpoint(
        self, *, path: Path, step: int, sha256: str, metrics: dict[str, Any]
    ) -> CheckpointReply:
        data: CheckpointForm = {
            "attempt": self.attempt,
            "fence": self.fence,
            "step": step,
            "sha256": sha256,
            "metrics": json.dumps(metrics),
        }
        reply: CheckpointReply = self.request(
            "POST",
            "checkpoints",
            data=data,
            files=lambda: {"file": (path.name, path.open("rb"), "application/octet-stream")},
        ).json()
        return reply

    def complete(
        self,
        *,
        result: dict[str, Any],
        final_metrics: dict[str, Any] | None = None,
        adapter: Path | None = None,
        adapter_sha256: str = "",
        stopped: str = "",
    ) -> CompleteReply:
        data: CompleteForm = {
            "attempt": self.attempt,
            "fence": self.fence,
            "stopped": stopped,
            "result": json.dumps(result),
            "final_metrics": json.dumps(final_metrics or {}),
            "adapter_sha256": adapter_sha256,
        }
        files = None
        if adapter is not None:
            path = adapter

            def files() -> dict[str, Any]:
                return {"adapter": (path.name, path.open("rb"), "application/gzip")}

        reply: CompleteReply = self.request("POST", "complete", data=data, files=files).json()
        return reply

    def fail(
        self,
        *,
        category: str,
        message: str,
        step: int | None = None,
        stage: str | None = None,
        line: int | None = None,
        details: dict[str, Any] | None = None,
        events: list[EventBody] | None = None,
    ) -> FailReply:
        payload: FailBody = {
            "attempt": self.attempt,
            "fence": self.fence,
            "category": category,
            "message": message[:8000],
            "step": step,
            "line": line,
            "details": details or {},
            "events": events or [],
        }
        if stage:
            payload["stage"] = stage
        reply: FailReply = self.request("POST", "fail", json_body=payload).json()
        return reply

    def download(self, url: str, dest: Path, *, sha256: str | None = None, tries: int = 3) -> Path:
        """Stream a file to `dest` (atomically) and verify its sha256 when one is given.

        A transfer cut off midway or corrupted (sha256 mismatch) is fetched again, up to `tries`.
        """
        for attempt in range(1, tries + 1):
            try:
                return self._download_once(url, dest, sha256=sha256)
            except (requests.RequestException, ApiError) as exc:
                if isinstance(exc, StopWork) or (isinstance(exc, ApiError) and exc.status):
                    raise  # refused by the API: another try gets the same answer
                if attempt == tries:
                    raise ApiError(f"{url}: download failed {tries} times: {exc}") from exc
                logger.warning("Download of %s failed (%s); trying again", url, exc)
                self.sleep(next(backoff_delays(self.backoff_base, self.backoff_cap)))
        raise AssertionError("unreachable")

    def _download_once(self, url: str, dest: Path, *, sha256: str | None) -> Path:
        import hashlib

        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".part")
        response = self.request("GET", url, stream=True)
        digest = hashlib.sha256()
        with response, tmp.open("wb") as out:
            for chunk in response.iter_content(chunk_size=1 << 20):
                digest.update(chunk)
                out.write(chunk)
        if sha256 and digest.hexdigest() != sha256.lower():
            tmp.unlink(missing_ok=True)
            raise ApiError(f"{url}: sha256 mismatch ({digest.hexdigest()} != {sha256})")
        tmp.replace(dest)
        return dest


class FleetClient:
    """The worker's own (not an attempt's) view of the API: registration and heartbeats,
    authenticated by the shared worker secret (`LORA_WORKER_SECRET`)."""

    def __init__(self, *, api_url: str, secret: str, timeout: float = 10.0) -> None:
        self.url = urljoin(api_url.rstrip("/") + "/", "api/worker/fleet/heartbeat")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {secret}"

    def heartbeat(self, body: dict[str, Any]) -> dict[str, Any]:
        """One registration/heartbeat; no retries (the next beat is the retry)."""
        try:
            response = self.session.post(self.url, json=body, timeout=self.timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise ApiError(f"POST {self.url}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise ApiClient._error(response)
        result: dict[str, Any] = response.json()
        return result
