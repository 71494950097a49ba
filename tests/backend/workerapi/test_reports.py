"""Stage, metrics, events and heartbeat reports: values on the job, idempotent retries."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from backend.jobs.models import Job, JobStatus, StageRun
from backend.jobs.services import job_cancel
from backend.telemetry.models import Event, MetricPoint
from tests.attempts import attempt_lose, attempt_start
from tests.backend.workerapi.conftest import WorkerClient

pytestmark = pytest.mark.django_db


def _job(client: WorkerClient) -> Job:
    return Job.objects.get(pk=client.started.job_id)


def test_stage_transitions_update_the_stage_bar_and_write_events(running: WorkerClient) -> None:
    r = running.write("stage", {"stage": "preprocessing", "state": "active", "message": "Tok"})
    assert r.status_code == 200
    assert r.json()["state"] == "active" and r.json()["action"] == "continue"
    job = _job(running)
    assert (job.stage, job.substatus) == ("preprocessing", "Tok")
    # A retried request changes nothing and writes no second event.
    running.write("stage", {"stage": "preprocessing", "state": "active"})
    running.write("stage", {"stage": "preprocessing", "state": "completed"})
    running.write("stage", {"stage": "preprocessing", "state": "completed"})
    run = StageRun.objects.get(job=job, stage="preprocessing")
    assert run.state == "completed" and run.attempt == 1
    assert run.finished_at >= run.started_at
    messages = list(
        Event.objects.filter(job=job, payload__stage="preprocessing")
        .order_by("seq")
        .values_list("message", flat=True)
    )
    assert messages[0] == "Preprocessing started"
    assert messages[1].startswith("Preprocessing completed in ")
    assert len(messages) == 2

    running.write("stage", {"stage": "training", "state": "active"})
    job = _job(running)
    assert job.stage == "training"
    assert job.training_started_at is not None
    assert job.resume_step == 0


def test_metrics_upsert_is_idempotent_and_keeps_trend_snapshots(running: WorkerClient) -> None:
    batch = {
        "points": [
            {
                "step": 10,
                "epoch": 0.1,
                "train_loss": 2.5,
                "val_loss": 2.6,
                "tokens_per_second": 900,
            },
            {"step": 20, "epoch": 0.2, "train_loss": 2.1, "learning_rate": 1e-4},
        ],
        "progress": {"step": 20, "total_steps": 200, "epoch": 1, "total_epochs": 3},
        "substatus": "Epoch 1/3 · Step 20/200",
    }
    for _ in range(2):  # the retry after a lost response
        r = running.write("metrics", batch)
        assert r.status_code == 200
        assert r.json() == {"stored": 2, "action": "continue"}
    rows = list(MetricPoint.objects.filter(job_id=running.started.job_id).order_by("step"))
    assert [(p.step, p.train_loss, p.attempt) for p in rows] == [(10, 2.5, 1), (20, 2.1, 1)]
    assert rows[1].gpu_utilization is None  # not measured on a CPU host: null, never 0
    job = _job(running)
    assert (job.current_step, job.total_steps, job.current_epoch, job.total_epochs) == (
        20,
        200,
        1,
        3,
    )
    assert job.substatus == "Epoch 1/3 · Step 20/200"
    assert job.previous_metrics["step"] == 10 and job.previous_metrics["train_loss"] == 2.5
    assert job.latest_metrics["step"] == 20 and job.latest_metrics["train_loss"] == 2.1
    # Val loss was not measured at step 20: the snapshot carries the last known value.
    assert job.latest_metrics["val_loss"] == 2.6
    assert job.latest_metrics["gpu_utilization"] is None  # every field present, null if unknown
    assert job.latest_metrics["recorded_at"]
    assert job.measured_tokens_per_second == 900


def test_non_finite_or_oversized_metric_batches_are_rejected(running: WorkerClient) -> None:
    for loss in ("nan", float("nan"), "inf"):
        point = {"step": 1, "train_loss": loss}
        body = json.dumps({"attempt": 1, "fence": running.started.fence, "points": [point]})
        r = running.post(running.url("metrics"), body, content_type="application/json")
        assert r.status_code == 400
        assert r.json()["error"]["code"] in ("validation_error", "parse_error")
    r = running.write("metrics", {"points": [{"step": s} for s in range(501)]})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "validation_error"
    assert not MetricPoint.objects.exists()


def test_body_over_the_json_limit_is_413(running: WorkerClient, settings: object) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048  # type: ignore[attr-defined]
    events = [{"seq": i, "type": "info", "message": "x" * 100} for i in range(1, 40)]
    r = running.write("events", {"events": events})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"
    assert not Event.objects.filter(attempt=1, worker_seq__isnull=False).exists()


def test_events_batch_is_idempotent_per_worker_seq(running: WorkerClient) -> None:
    events = [
        {"seq": 1, "type": "info", "message": "Dataset: 40 examples", "payload": {"n": 40}},
        {"seq": 2, "type": "warning", "message": "3 examples truncated"},
    ]
    assert running.write("events", {"events": events}).json()["stored"] == 2
    retry = running.write(
        "events", {"events": [*events, {"seq": 3, "type": "info", "message": "x"}]}
    )
    assert retry.json()["stored"] == 1
    stored = Event.objects.filter(job_id=running.started.job_id, worker_seq__isnull=False)
    assert sorted(stored.values_list("worker_seq", "message")) == [
        (1, "Dataset: 40 examples"),
        (2, "3 examples truncated"),
        (3, "x"),
    ]
    assert stored.get(worker_seq=1).payload == {"n": 40}
    seqs = list(Event.objects.filter(job_id=running.started.job_id).values_list("seq", flat=True))
    assert len(seqs) == len(set(seqs))
    assert _job(running).last_event_seq == max(seqs)


def test_heartbeat_renews_and_replies_cancel_once_the_user_cancels(
    running: WorkerClient, owner: object
) -> None:
    r = running.write("heartbeat", {"progress": {"step": 5, "total_steps": 50}})
    assert r.json()["action"] == "continue"
    job = _job(running)
    assert job.heartbeat_at is not None and job.current_step == 5
    assert job.final_cost == job.spend_at(job.heartbeat_at) >= Decimal("0")
    job_cancel(job_id=job.pk, user=owner, reason="testing")
    assert running.write("heartbeat").json()["action"] == "cancel"
    assert running.write("metrics", {"points": []}).json()["action"] == "cancel"
    assert _job(running).status == JobStatus.CANCELLING


def test_a_later_attempt_replaces_steps_above_its_resume_point(running: WorkerClient) -> None:
    job_id = running.started.job_id
    running.write("metrics", {"points": [{"step": s, "train_loss": 2.0} for s in (10, 20, 30)]})
    attempt_lose(job_id)  # no checkpoint: the next attempt starts from step 0
    second = WorkerClient(attempt_start(job_id))
    second.claim()
    assert not MetricPoint.objects.filter(job_id=job_id).exists()
    second.write("metrics", {"points": [{"step": s, "train_loss": 1.0} for s in (10, 20)]})
    rows = MetricPoint.objects.filter(job_id=job_id).order_by("step")
    assert [(p.step, p.attempt, p.train_loss) for p in rows] == [(10, 2, 1.0), (20, 2, 1.0)]


def test_micro_batch_decision_lands_on_the_job_detail(running: WorkerClient) -> None:
    from rest_framework.test import APIClient

    sizing = {
        "device": "NVIDIA H200",
        "budget_tokens": 65536,
        "min_tokens": 512,
        "micro_batches_per_step": 1.0,
        "gradient_checkpointing": False,
        "free_memory_mb": 139000.0,
        "measured_peak_mb": 9800.5,
        "measured_tokens_per_s": 120000.0,
        "probe_tokens": 16384,
        "source": "probe",
    }
    smaller = {**sizing, "budget_tokens": 32768, "micro_batches_per_step": 2.0, "source": "oom"}
    events = [
        {"seq": 1, "type": "info", "message": "Micro-batches: ...", "payload": {"sizing": sizing}},
        {"seq": 2, "type": "info", "message": "unrelated", "payload": {"sizing": "not a dict"}},
    ]
    assert running.write("events", {"events": events}).json()["stored"] == 2
    job = _job(running)
    assert job.micro_batching == sizing
    client = APIClient()
    client.force_authenticate(job.created_by)
    detail = client.get(f"/api/training/jobs/{job.pk}").json()
    assert detail["micro_batching"] == sizing
    # an out-of-memory recovery later replaces it: the detail shows the budget in force
    oom = {"seq": 3, "type": "warning", "message": "Out of memory", "payload": {"sizing": smaller}}
    running.write("events", {"events": [oom]})
    assert client.get(f"/api/training/jobs/{job.pk}").json()["micro_batching"] == smaller


def test_job_detail_micro_batching_is_null_until_reported(running: WorkerClient) -> None:
    from rest_framework.test import APIClient

    job = _job(running)
    client = APIClient()
    client.force_authenticate(job.created_by)
    assert client.get(f"/api/training/jobs/{job.pk}").json()["micro_batching"] is None


def test_a_metric_report_is_four_statements_reading_only_what_it_uses(
    running: WorkerClient,
) -> None:
    """The hottest request of the system: authentication reads the attempt and its job's
    attempt number; the job row is read once, under the write's lock, and only the columns the
    report uses; then one upsert of the points and one update of the job."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    point = {"step": 1, "train_loss": 2.0}
    with CaptureQueriesContext(connection) as queries:
        assert running.write("metrics", {"points": [point]}).status_code == 200
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert [s.split()[0] for s in statements] == ["SELECT", "SELECT", "INSERT", "UPDATE"]
    auth, lock, insert, update = statements
    assert "token_hash" in auth and "j.attempt" in auth and "name" not in auth
    assert lock.rstrip().endswith("FOR UPDATE") and '"latest_metrics"' in lock
    assert '"name"' not in lock and '"hyperparameters"' in lock
    assert "telemetry_metricpoint" in insert and "ON CONFLICT" in insert
    assert update.startswith('UPDATE "jobs_job"') and '"current_step"' in update


def test_a_training_runs_reports_refresh_its_sample_per_hundredth_not_per_report(
    running: WorkerClient,
) -> None:
    """The estimator's provisional sample of a run is taken once the run qualifies, then
    refreshed each 1% of its steps; the reports in between write no sample."""
    from backend.jobs.models import RunSample

    job = Job.objects.get(pk=running.started.job_id)
    Job.objects.filter(pk=job.pk).update(
        total_steps=1000, est_total_tokens=1_000_000, hyperparameters={"eval_every": 0}
    )
    running.write("stage", {"stage": "training", "state": "active"})

    def report(step: int) -> None:
        point = {"step": step, "train_loss": 1.0, "tokens_per_second": 900.0}
        assert running.write("metrics", {"points": [point]}).status_code == 200

    for step in range(1, 50):
        report(step)
    assert not RunSample.objects.filter(job=job).exists()  # 5% of 1,000 not yet done
    report(50)
    first = RunSample.objects.get(job=job).recorded_at
    for step in range(51, 60):
        report(step)
    assert RunSample.objects.get(job=job).recorded_at == first
    report(60)
    assert RunSample.objects.get(job=job).recorded_at > first


def test_an_event_batch_locks_the_job_once_and_takes_its_seqs_in_one_statement(
    running: WorkerClient,
) -> None:
    """Authentication, the fenced lock (reading only what the batch needs), the retried-seq
    lookup, the sequence numbers (an UPDATE ... RETURNING under the same lock), the insert."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    events = [{"seq": i, "type": "info", "message": f"note {i}"} for i in (1, 2, 3)]
    with CaptureQueriesContext(connection) as queries:
        assert running.write("events", {"events": events}).json()["stored"] == 3
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert [s.split()[0] for s in statements] == ["SELECT", "SELECT", "SELECT", "UPDATE", "INSERT"]
    lock, seen, seqs = statements[1:4]
    assert lock.rstrip().endswith("FOR UPDATE") and '"name"' not in lock
    assert '"jobs_job"' not in seen  # no join to sort by the job
    assert 'RETURNING "last_event_seq"' in seqs
    job = Job.objects.get(pk=running.started.job_id)
    stored = Event.objects.filter(job=job, worker_seq__isnull=False).order_by("seq")
    assert [(e.worker_seq, e.seq) for e in stored] == [
        (1, job.last_event_seq - 2),
        (2, job.last_event_seq - 1),
        (3, job.last_event_seq),
    ]
