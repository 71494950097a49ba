"""The JSON bodies the worker and the worker API exchange, as TypedDicts (no Django).

They mirror the serializers of ``backend.workerapi.serializers`` (the API side, which validates
them) for what the worker sends and reads: the claim reply with the job's spec, stage changes,
metric points and events with their batch replies, heartbeats, and the complete/fail bodies.
Enumerated values (stage names, actions, failure categories) stay ``str``: their vocabularies
live in ``worker.contract.names`` and the API refuses a value outside them.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

# --- shared parts -----------------------------------------------------------------------------


class Fenced(TypedDict):
    """Every write after the claim names its attempt and the fence the claim returned."""

    attempt: int
    fence: int | None


class Progress(TypedDict):
    """Optimizer-step progress, sent with metric batches and heartbeats."""

    step: int
    total_steps: int
    epoch: int
    total_epochs: int


class ActionReply(TypedDict):
    """Every reply to a write during the run says what to do next: continue, cancel or pause."""

    action: str


# --- claim ------------------------------------------------------------------------------------


class ClaimRequest(TypedDict):
    attempt: int
    worker_host: str
    worker: NotRequired[str]
    gpu_type: NotRequired[str]


class FileRef(TypedDict):
    """A file to download from the API host (same bearer token) and its checksum."""

    url: str
    sha256: str
    size_bytes: int
    name: str


class CheckpointRef(FileRef):
    step: int


class ClaimedJob(TypedDict):
    id: str
    name: str
    base_model: str
    hyperparameters: dict[str, Any]
    total_epochs: int
    total_steps: int
    # Pause at the last good checkpoint on a NaN/inf loss or a loss spike (a per-job option).
    anomaly_pause: bool
    hourly_rate: NotRequired[float]


class Limits(TypedDict):
    max_metric_points: int
    max_events: int
    max_json_body_bytes: int
    max_artifact_bytes: int


class ClaimReply(TypedDict):
    """The job's spec for this attempt; action "cancel" means exit at once."""

    action: str
    attempt: int
    fence: int
    job: ClaimedJob
    dataset: FileRef | None
    validation_dataset: FileRef | None
    checkpoint: CheckpointRef | None
    resume_step: int
    heartbeat_seconds: float
    limits: Limits


# --- during the run ---------------------------------------------------------------------------


class StageBody(Fenced):
    stage: str
    state: str
    message: str


class StageReply(ActionReply):
    stage: str
    state: str
    started_at: str | None
    finished_at: str | None


class MetricPointBody(TypedDict):
    """One optimizer step's values (``worker.training.MetricSample.to_dict``, NaN sent as null);
    the value fields are ``worker.contract.names.METRIC_VALUE_FIELDS``."""

    step: int
    epoch: float | None
    train_loss: float | None
    val_loss: float | None
    learning_rate: float | None
    grad_norm: float | None
    tokens_per_second: float | None
    gpu_utilization: float | None
    gpu_memory_mb: float | None


class MetricsBody(Fenced):
    points: list[MetricPointBody]
    progress: NotRequired[Progress]
    substatus: NotRequired[str]


class EventBody(TypedDict):
    """One event of the loop; ``seq`` is the per-attempt idempotency key."""

    seq: int
    type: str
    message: str
    payload: dict[str, Any]
    created_at: str


class EventsBody(Fenced):
    events: list[EventBody]


class StoredReply(ActionReply):
    """Reply to a metric or event batch: rows written (a retried batch stores 0)."""

    stored: int


class LogLineBody(TypedDict):
    """One line of the process's own output; ``seq`` is the per-attempt idempotency key."""

    seq: int
    stream: str  # one of worker.contract.names.LOG_STREAMS
    level: str
    message: str
    created_at: str


class LogLinesBody(Fenced):
    lines: list[LogLineBody]


class LogLinesReply(StoredReply):
    """Lines of the batch over the API's per-job rate limit (stored as one marker instead)."""

    dropped: int


class HeartbeatBody(Fenced):
    progress: NotRequired[Progress]
    substatus: NotRequired[str]


class HeartbeatReply(ActionReply):
    heartbeat_seconds: float


class CheckpointForm(Fenced):
    """The multipart form of a checkpoint upload (the file travels beside it)."""

    step: int
    sha256: str
    metrics: str


class CheckpointReply(TypedDict):
    step: int
    sha256: str
    size_bytes: int
    url: str


# --- the end ----------------------------------------------------------------------------------


class CompleteForm(Fenced):
    """The multipart form of `complete` (the adapter travels as a file beside it): the JSON
    objects are encoded as strings because a form field is text."""

    stopped: str
    result: str
    final_metrics: str
    adapter_sha256: str


class CompleteReply(TypedDict):
    status: str
    adapter_sha256: str


class FailBody(Fenced):
    category: str
    message: str
    step: int | None
    line: int | None
    details: dict[str, Any]
    events: list[EventBody]
    stage: NotRequired[str]


class FailReply(TypedDict):
    status: str
    error_category: str
