"""One attempt of a job, end to end: claim, download, train, upload, complete (or fail).

Kept apart from the Celery task so tests can drive it with a fake training function.
"""

from __future__ import annotations

import logging
import shutil
import socket
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from worker.api_client import ApiClient, ApiError, StopWork
from worker.log_capture import LogCapture
from worker.payloads import ClaimReply
from worker.reporter import ApiReporter

logger = logging.getLogger(__name__)

RunTraining = Callable[..., Any]


def _real_run_training() -> RunTraining:
    from worker.training import run_training

    return run_training


def _config(spec: ClaimReply) -> Any:
    from worker.training import TrainingConfig

    return TrainingConfig.from_dict(
        {**spec["job"]["hyperparameters"], "base_model": spec["job"]["base_model"]}
    )


def _result_dict(result: Any) -> dict[str, Any]:
    data = asdict(result) if hasattr(result, "__dataclass_fields__") else dict(result)
    out = {k: (str(v) if isinstance(v, Path) else v) for k, v in data.items()}
    duration, tokens = out.get("duration_s"), out.get("tokens_seen")
    if isinstance(duration, int | float) and isinstance(tokens, int) and duration > 0 < tokens:
        out["tokens_per_second"] = tokens / duration
    return out


def execute_job(
    *,
    job_id: str,
    attempt: int,
    token: str,
    api_url: str,
    run: RunTraining | None = None,
    make_config: Callable[[ClaimReply], Any] | None = None,
    client: ApiClient | None = None,
    flush_seconds: float = 2.0,
    worker_name: str | None = None,
    gpu_type: str | None = None,
    capture_logs: bool = True,
) -> str:
    """Run one attempt. Returns "duplicate", "cancelled", "completed", "stopped:<action>",
    "failed:<category>" or "lost"; never raises for anything the API should hear about.

    While it runs, the process's logging, stdout and stderr go to the job's log lines
    (`capture_logs`; see worker/log_capture.py), flushed before the attempt ends."""
    client = client or ApiClient(api_url=api_url, job_id=job_id, token=token, attempt=attempt)
    try:
        # The worker's pool goes with the claim: the API refuses a job of another type.
        spec = client.claim(worker_host=socket.gethostname(), worker=worker_name, gpu_type=gpu_type)
    except StopWork as exc:
        # A duplicate or redelivered message, or a job that moved on: do nothing at all.
        logger.info("Claim of job %s attempt %s refused: %s", job_id, attempt, exc)
        return "duplicate"
    if spec["action"] == "cancel":
        return "cancelled"

    reporter = ApiReporter(
        client, heartbeat_seconds=spec.get("heartbeat_seconds"), flush_seconds=flush_seconds
    ).start()
    capture = LogCapture(client, flush_seconds=min(flush_seconds, 1.0))
    if capture_logs:
        capture.start()
        host = socket.gethostname()
        capture.add(
            "system",
            f"Attempt {attempt} of job {job_id} started on {worker_name or host} ({host})",
        )
    work = Path(tempfile.mkdtemp(prefix=f"lora-{job_id[:8]}-"))
    try:
        return _run(client, reporter, spec, work, run, make_config or _config, capture)
    finally:
        capture.close(timeout=10.0)
        reporter.close(timeout=30.0)
        shutil.rmtree(work, ignore_errors=True)


def _run(
    client: ApiClient,
    reporter: ApiReporter,
    spec: ClaimReply,
    work: Path,
    run: RunTraining | None,
    make_config: Callable[[ClaimReply], Any],
    capture: LogCapture,
) -> str:
    try:
        reporter.stage("preprocessing", state="active", message="Downloading dataset")
        train = spec["dataset"]
        if train is None:  # the API sends one with every "run" claim; say so if it did not
            raise ApiError("the claim carries no training dataset")
        dataset = client.download(
            train["url"], work / "data" / "train.jsonl", sha256=train["sha256"]
        )
        val = None
        val_ref = spec.get("validation_dataset")
        if val_ref:
            val = client.download(
                val_ref["url"], work / "data" / "val.jsonl", sha256=val_ref["sha256"]
            )
        resume, resume_sha = None, None
        ckpt = spec.get("checkpoint")
        if ckpt:
            reporter.substatus(f"Downloading checkpoint at step {ckpt['step']:,}")
            resume = client.download(
                ckpt["url"], work / "resume" / f"step-{ckpt['step']:07d}.pt", sha256=ckpt["sha256"]
            )
            resume_sha = ckpt["sha256"]
        config = make_config(spec)
        result = (run or _real_run_training())(
            config=config,
            dataset_path=dataset,
            val_dataset_path=val,
            work_dir=work / "run",
            reporter=reporter,
            resume_from=resume,
            resume_sha256=resume_sha,
            anomaly_pause=bool(spec["job"].get("anomaly_pause", False)),
            hourly_rate=spec["job"].get("hourly_rate"),
        )
    except StopWork:
        return "lost"
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        if reporter.lost is not None:
            return "lost"
        return _fail(client, reporter, exc, capture)

    if reporter.lost is not None:
        return "lost"  # stopped because another attempt owns the job: write nothing more
    # Everything the loop reported (incl. the stop checkpoint) must land before the job ends.
    reporter.flush(timeout=300.0)
    if reporter.lost is not None:
        return "lost"
    summary = _result_dict(result)
    # The token dies with the attempt: the last lines must land before `complete`.
    capture.add(
        "system", f"Training {'stopped (' + result.stopped + ')' if result.stopped else 'finished'}"
    )
    capture.flush(timeout=10.0)
    try:
        if result.stopped:
            client.complete(result=summary, stopped=result.stopped)
            return f"stopped:{result.stopped}"
        client.complete(
            result=summary,
            final_metrics={
                k: summary.get(k)
                for k in ("final_val_loss", "final_train_loss", "initial_val_loss")
            },
            adapter=Path(result.adapter_path),
            adapter_sha256=result.adapter_sha256 or "",
        )
    except StopWork:
        return "lost"
    return "completed"


def _fail(client: ApiClient, reporter: ApiReporter, exc: BaseException, capture: LogCapture) -> str:
    category = getattr(exc, "category", None)
    if isinstance(category, str):  # worker.training.TrainingFailure (duck-typed: no import)
        kwargs: dict[str, Any] = {
            "category": category,
            "message": getattr(exc, "message", None) or str(exc),
            "step": getattr(exc, "step", None),
            "stage": getattr(exc, "stage", None),
            "line": getattr(exc, "line", None),
            "details": getattr(exc, "details", None) or {},
        }
    else:
        logger.exception("Attempt failed outside the training loop")
        category = "internal_error"
        kwargs = {"category": category, "message": f"{type(exc).__name__}: {exc}"}
    # Metrics and stage changes go out first; events still queued (the API was unreachable)
    # ride along with `fail`, once the sender thread has stopped touching the queue.
    reporter.flush(timeout=30.0)
    reporter.stop()
    capture.add("system", f"Attempt failed ({category}): {kwargs['message']}"[:2000], level="ERROR")
    capture.flush(timeout=10.0)
    events = reporter.pending_events()
    try:
        client.fail(**kwargs, events=events)
    except (StopWork, ApiError) as err:
        logger.error("Could not report the failure of the job: %s", err)
        return "lost" if isinstance(err, StopWork) else f"failed:{category}"
    return f"failed:{category}"
