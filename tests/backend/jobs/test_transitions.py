"""The state machine's bookkeeping: terminal states clear the progress fields, and the slot signal
fires only when a slot is freed or the queue changes."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from backend.jobs.models import FINISHED_STATUSES, JobStatus
from backend.jobs.signals import job_slot_changed
from backend.jobs.transitions import ALLOWED, transition
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db(transaction=True)

# For each finished status, a path to it from queued.
PATHS = {
    JobStatus.COMPLETED: [JobStatus.PROVISIONING, JobStatus.RUNNING, JobStatus.COMPLETED],
    JobStatus.FAILED: [JobStatus.PROVISIONING, JobStatus.FAILED],
    JobStatus.CANCELLED: [JobStatus.PROVISIONING, JobStatus.CANCELLING, JobStatus.CANCELLED],
}


@pytest.fixture
def signals() -> Any:
    received: list[Any] = []

    def receiver(sender: Any, job_id: Any, **_: Any) -> None:
        received.append(job_id)

    job_slot_changed.connect(receiver, dispatch_uid="test_transitions")
    yield received
    job_slot_changed.disconnect(dispatch_uid="test_transitions")


def test_every_finished_status_is_reachable_and_has_no_way_out() -> None:
    assert set(PATHS) == set(FINISHED_STATUSES)
    assert all(not ALLOWED[s] for s in FINISHED_STATUSES)


@pytest.mark.parametrize("final", list(PATHS))
def test_finishing_clears_stage_and_substatus(final: str) -> None:
    job = JobFactory()
    for status in PATHS[final][:-1]:
        with transaction.atomic():
            job.save(update_fields=transition(job, status))
    job.stage, job.substatus = "training", "Epoch 2/3 · Step 850/2000"
    job.save(update_fields=["stage", "substatus"])
    with transaction.atomic():
        changed = transition(job, PATHS[final][-1])
        job.save(update_fields=changed)
    assert {"stage", "substatus", "finished_at"} <= set(changed)
    job.refresh_from_db()
    assert (job.status, job.stage, job.substatus) == (final, "", "")


def test_taking_a_slot_signals_nothing_leaving_one_signals_once(
    signals: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The receiver (release + dispatch) is what the signal is for; here only its sends count.
    from backend.scheduling import receivers

    monkeypatch.setattr(receivers, "dispatch_queued", lambda: [])
    job = JobFactory()
    with transaction.atomic():
        job.save(update_fields=transition(job, JobStatus.PROVISIONING))
    with transaction.atomic():
        job.save(update_fields=transition(job, JobStatus.RUNNING))
    assert signals == []
    with transaction.atomic():
        job.save(update_fields=transition(job, JobStatus.QUEUED))
    assert signals == [job.pk]


def test_one_function_writes_the_cancelled_outcome() -> None:
    """Every path to `cancelled` (user, claim, worker stop, reaper) goes through
    job_cancel_finalize in backend/jobs/lifecycle.py: no other module calls transition() with
    JobStatus.CANCELLED."""
    root = Path(__file__).resolve().parents[3] / "backend"
    writers = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "transition"
                and len(node.args) > 1
                and getattr(node.args[1], "attr", "") == "CANCELLED"
            ):
                writers.add(path.relative_to(root).as_posix())
    assert writers == {"jobs/lifecycle.py"}
