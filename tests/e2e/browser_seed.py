"""Seeds the browser test's stack with real users and real jobs, in phases.

Run by tests/e2e/test_browser.py as a subprocess with the stack's environment (its own database,
Redis db and media folder): `python -m tests.e2e.browser_seed <phase>`. Prints one JSON line.
Everything goes through the services the API uses (dataset_create, job_create), so the
scheduler dispatches the jobs and the real Celery workers train them on tiny-random-llama.

Phases (the test runs the browser between them):
  users     the member who drives the browser and a manager (for the queue's manager actions)
  first     F fails on the overlong dataset, Q is a quick job, B a long one submitted while there
            was no history (a FLOPs-based estimate far below what CPU training costs: it goes
            over its estimate, the cost-warning page). Returns once Q is training.
  second    after Q completed: L, the long job the browser watches and cancels (its estimate now
            comes from Q's measured throughput), then five queued jobs behind the two slots.
            Returns once L is training and has reported metrics.
  artifacts (tests/e2e/browser/artifacts.mjs) frees the slots (cancels what earlier phases left
            unfinished), then P, a run that checkpoints every few steps and is cancelled once two
            checkpoints are stored, and X, a job that fails in preprocessing. Returns once P is
            cancelled with its checkpoints and X has failed.
  bulk      (artifacts.mjs) three long "bulk sweep" jobs: two of the member's, one of the
            manager's (the member's bulk cancel must refuse that one). Returns at once.
  settle    cancels every unfinished job and waits until they stopped (after the bulk journey).
  pause     (FR2.2.2, tests/e2e/browser/pause.mjs) the users if missing; cancels what earlier
            phases left running or queued (the two slots must be free), then P, a long job with
            frequent checkpoints. Returns once P is training.
  ux        for tests/e2e/browser/ux.mjs (accessibility, mobile, forms): the users when missing,
            a job for the member to cancel (queued or training) and a job whose events carry a
            payload (the failed job when the journeys made one). Returns at once.
  dash      the compare page's two quick runs (after freeing the slots), trained to completion.
  notify    every other job cancelled, then N (a few minutes long) for the Logs tab and the
            "notify me" / webhook journey. Returns once N trains and has written log lines.
  team      team controls (tests/e2e/browser/team.mjs): the member gets a running limit of 0 and
            a low-priority job that waits for it, then a queued limit equal to her queued jobs;
            the manager a monthly budget of $0. `team_reset` removes those quotas again.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

MEMBER = "elena"
MANAGER = "maya"
SAMPLES = Path(__file__).resolve().parents[2] / "backend" / "datasets" / "samples"
MODEL = "tiny-random-llama"
# Q: under a minute of training on one core; long enough for the browser to watch it advance.
QUICK = {"epochs": 1, "max_seq_len": 256, "batch_size": 2, "log_every": 1, "eval_every": 5}
# B and L: many epochs, so they are still training when the browser looks (the test stops them).
LONG = {"epochs": 60, "max_seq_len": 256, "batch_size": 2, "log_every": 1, "eval_every": 10,
        "checkpoint_every": 100}  # fmt: skip


def _wait(what: str, check: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise SystemExit(f"browser_seed: timed out after {timeout:.0f}s waiting for {what}")


def _users() -> dict[str, Any]:
    from backend.accounts.models import User

    out: dict[str, Any] = {}
    for username, first, last, role in (
        (MEMBER, "Elena", "Member", User.Role.MEMBER),
        (MANAGER, "Maya", "Manager", User.Role.MANAGER),
    ):
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(
            username=username, password=password, first_name=first, last_name=last, role=role
        )
        out[username] = {"id": user.pk, "username": username, "password": password}
    return out


def _dataset(user: Any, name: str, filename: str) -> Any:
    from django.core.files import File

    from backend.datasets.services import dataset_create

    with open(SAMPLES / filename, "rb") as fh:
        return dataset_create(uploaded_by=user, name=name, file=File(fh, name=filename))


def _submit(user: Any, name: str, dataset: Any, hp: dict[str, Any], **kw: Any) -> Any:
    from backend.jobs.models import GpuType
    from backend.jobs.services import job_create

    # The stack's workers train on the CPU and serve the `cpu` pool only.
    gpu = GpuType.objects.filter(is_active=True, slug="cpu").first()
    assert gpu is not None, "the GPU catalog has no CPU type"
    return job_create(
        created_by=user,
        name=name,
        dataset=dataset,
        base_model=MODEL,
        preset=kw.pop("preset", "custom"),
        hyperparameters=hp,
        gpu_type=kw.pop("gpu_type", gpu),
        pricing=kw.pop("pricing", "spot"),
        **kw,
    )


def _job(job_id: Any) -> Any:
    from backend.jobs.models import Job

    return Job.objects.get(pk=job_id)


def _training_with_metrics(job_id: Any, min_points: int) -> bool:
    from backend.telemetry.models import MetricPoint

    job = _job(job_id)
    if job.status in ("completed", "failed", "cancelled"):
        raise SystemExit(f"browser_seed: {job.name} ended early ({job.status})")
    return (
        job.status == "running" and MetricPoint.objects.filter(job_id=job_id).count() >= min_points
    )


def _first() -> dict[str, Any]:
    from backend.accounts.models import User

    member = User.objects.get(username=MEMBER)
    manager = User.objects.get(username=MANAGER)
    sample = _dataset(member, "Support conversations", "support_chats.jsonl")
    overlong = _dataset(member, "Pasted training logs (overlong)", "overlong_prompts.jsonl")
    # Submitted in this order (FIFO, two slots): F and Q start at once, B when F has failed.
    failing = _submit(member, "elena pasted logs", overlong, {"epochs": 1, "max_seq_len": 64})
    quick = _submit(member, "elena quick check", sample, QUICK, preset="balanced")
    budget = _submit(manager, "maya rank sweep r64", sample, {**LONG, "lora_r": 64},
                     pricing="on_demand")  # fmt: skip
    # Return as soon as Q trains: the browser must catch it before it completes. F's failure is
    # checked by the browser much later.
    _wait("Q to report metrics", lambda: _training_with_metrics(quick.pk, 3), 180)
    return {
        "dataset": str(sample.pk),
        "failed": str(failing.pk),
        "quick": str(quick.pk),
        "budget": str(budget.pk),
    }


def _price_below_spend(job_id: str) -> None:
    """Page 9 needs a job whose spend has passed its estimate. On this stack every estimate is
    learned from the runs themselves and holds, so B gets the price a stale history would have
    quoted before launch: at most half of what it has spent by now (spend only grows)."""
    from decimal import Decimal

    from django.utils import timezone

    from backend.jobs.models import Job

    spend = _job(job_id).spend_at(timezone.now())
    cent = Decimal("0.0001")
    Job.objects.filter(pk=job_id).update(
        est_cost_min=max(spend * Decimal("0.4"), cent).quantize(cent),
        est_cost_max=max(spend * Decimal("0.5"), cent).quantize(cent),
        est_basis="history",  # a history-based estimate is never re-based on the job's own rate
    )


def _second(dataset_id: str, budget_id: str) -> dict[str, Any]:
    from backend.accounts.models import User
    from backend.datasets.models import Dataset

    member = User.objects.get(username=MEMBER)
    manager = User.objects.get(username=MANAGER)
    sample = Dataset.objects.get(pk=dataset_id)
    live = _submit(member, "elena support-bot long run", sample, LONG, preset="balanced")
    queued = [
        _submit(owner, f"{owner.username} queued sweep {i}", sample, LONG)
        for i, owner in enumerate((member, manager, member, manager, member), start=1)
    ]
    _wait("L to report metrics", lambda: _training_with_metrics(live.pk, 3), 180)
    _wait("B to report metrics", lambda: _training_with_metrics(budget_id, 3), 180)
    _price_below_spend(budget_id)
    return {"live": str(live.pk), "queued": [str(j.pk) for j in queued]}


# P: checkpoints every 3 steps, far more steps than it gets to run before the seed cancels it.
PARTIAL = {"epochs": 30, "max_seq_len": 256, "batch_size": 2, "log_every": 1, "eval_every": 3,
           "checkpoint_every": 3}  # fmt: skip


def _settle(user: Any) -> None:
    """Cancel every unfinished job (what earlier phases left running or queued) and wait until
    they have stopped, so the next jobs start at once in the two slots."""
    from backend.jobs.models import FINISHED_STATUSES, Job
    from backend.jobs.services import job_cancel

    for job in Job.objects.exclude(status__in=FINISHED_STATUSES):
        job_cancel(job_id=job.pk, user=user, reason="testing")
    _wait(
        "earlier jobs to stop",
        lambda: not Job.objects.exclude(status__in=FINISHED_STATUSES).exists(),
        120,
    )


def _artifacts() -> dict[str, Any]:
    from backend.accounts.models import User
    from backend.jobs.models import Checkpoint
    from backend.jobs.services import job_cancel

    member = User.objects.get(username=MEMBER)
    _settle(User.objects.get(username=MANAGER))
    sample = _dataset(member, "Support conversations (artifacts)", "support_chats.jsonl")
    overlong = _dataset(member, "Pasted logs (artifacts)", "overlong_prompts.jsonl")
    failing = _submit(member, "elena logs rerun", overlong, {"epochs": 1, "max_seq_len": 64})
    partial = _submit(member, "elena partial run", sample, PARTIAL)
    _wait(
        "P to store two checkpoints",
        lambda: Checkpoint.objects.filter(job_id=partial.pk).count() >= 2,
        240,
    )
    job_cancel(job_id=partial.pk, user=member, reason="cost_too_high", notes="keep what it has")
    _wait("P to be cancelled", lambda: _job(partial.pk).status == "cancelled", 120)
    _wait("X to fail", lambda: _job(failing.pk).status == "failed", 120)
    return {"failed": str(failing.pk), "cancelled": str(partial.pk)}


def _settled() -> dict[str, Any]:
    """After the bulk journey: stop what it left running (the manager's job it may not cancel),
    so the journeys after it find the slots free."""
    from backend.accounts.models import User

    _settle(User.objects.get(username=MANAGER))
    return {}


def _bulk() -> dict[str, Any]:
    from backend.accounts.models import User
    from backend.datasets.models import Dataset

    member = User.objects.get(username=MEMBER)
    manager = User.objects.get(username=MANAGER)
    _settle(manager)
    sample = Dataset.objects.filter(name="Support conversations (artifacts)").first()
    sample = sample or _dataset(member, "Support conversations (bulk)", "support_chats.jsonl")
    mine = [_submit(member, f"bulk sweep {i}", sample, LONG) for i in (1, 2)]
    theirs = _submit(manager, "bulk sweep 3 (maya)", sample, LONG)
    return {"mine": [str(j.pk) for j in mine], "theirs": str(theirs.pk)}


def _pause() -> dict[str, Any]:
    from backend.accounts.models import User
    from backend.jobs.models import FINISHED_STATUSES, Job
    from backend.jobs.services import job_cancel

    users = {} if User.objects.filter(username=MEMBER).exists() else _users()
    member = User.objects.get(username=MEMBER)
    for job in Job.objects.exclude(status__in=FINISHED_STATUSES).select_related("created_by"):
        job_cancel(job_id=job.pk, user=job.created_by, reason="testing", notes="browser: pause")
    _wait(
        "the earlier jobs to stop",
        lambda: not Job.objects.exclude(status__in=FINISHED_STATUSES).exists(),
        180,
    )
    sample = _dataset(member, "Support conversations (pause)", "support_chats.jsonl")
    paused = _submit(member, "elena pausable run", sample, {**LONG, "checkpoint_every": 5})
    _wait("P to report metrics", lambda: _training_with_metrics(paused.pk, 3), 240)
    return {"users": users, "job": str(paused.pk)}


def _ux() -> dict[str, Any]:
    from backend.accounts.models import User
    from backend.telemetry.models import Event

    users = _users() if not User.objects.filter(username=MEMBER).exists() else {}
    member = User.objects.get(username=MEMBER)
    sample = _dataset(member, "UX checks", "support_chats.jsonl")
    from backend.jobs.services import job_cancel

    cancel_me = _submit(member, "elena ux cancel-note check", sample, LONG)
    # A second row for the card list's sort, cancelled at once so it takes no training slot.
    listed = _submit(member, "elena ux sorted second", sample, LONG)
    job_cancel(job_id=listed.pk, user=member, reason="testing")
    with_payload = (
        Event.objects.exclude(payload={}).filter(job__status="failed").first()
        or Event.objects.exclude(payload={}).first()
        or Event.objects.filter(job=cancel_me).first()
    )
    assert with_payload is not None, "a new job has at least its 'queued' event"
    return {"users": users, "cancel": str(cancel_me.pk), "events": str(with_payload.job_id)}


def _dash() -> dict[str, Any]:
    """The comparison page's runs: frees the two slots (cancels what earlier phases left
    training or queued), then trains two quick jobs that differ in learning rate and LoRA rank
    to completion. Returns their ids."""
    from backend.accounts.models import User
    from backend.jobs.models import Job
    from backend.jobs.services import job_cancel

    member = User.objects.get(username=MEMBER)
    manager = User.objects.get(username=MANAGER)
    unfinished = ("queued", "provisioning", "running", "paused")
    for job in Job.objects.filter(status__in=unfinished):
        job_cancel(job_id=job.pk, user=manager, reason="testing", notes="browser test: free slots")
    _wait(
        "the slots to be free",
        lambda: not Job.objects.filter(status__in=(*unfinished, "cancelling")).exists(),
        180,
    )
    sample = _dataset(member, "Support conversations (compare)", "support_chats.jsonl")
    runs = [
        _submit(member, "elena compare lr 2e-4 r8", sample,
                {**QUICK, "learning_rate": 2e-4, "lora_r": 8}),
        _submit(member, "elena compare lr 1e-3 r16", sample,
                {**QUICK, "learning_rate": 1e-3, "lora_r": 16}),
    ]  # fmt: skip

    def finished() -> bool:
        states = [_job(j.pk).status for j in runs]
        if any(s in ("failed", "cancelled") for s in states):
            raise SystemExit(f"browser_seed: a compare run ended {states}")
        return all(s == "completed" for s in states)

    _wait("both compare runs to complete", finished, 300)
    return {"runs": [str(j.pk) for j in runs]}


def _notify() -> dict[str, Any]:
    """The logs/notifications journey (tests/e2e/browser/notify.mjs): every other job is
    cancelled so both slots are free, then N, a job a few minutes long, is submitted by the
    member. Returns once N is training and its worker has written log lines."""
    from backend.accounts.models import User
    from backend.datasets.models import Dataset
    from backend.jobs.models import Job
    from backend.jobs.services import job_cancel
    from backend.telemetry.models import LogLine

    member = User.objects.get(username=MEMBER)
    manager = User.objects.get(username=MANAGER)
    for job in Job.objects.exclude(status__in=("completed", "failed", "cancelled", "cancelling")):
        job_cancel(job_id=job.pk, user=manager, reason="testing")
    _wait(
        "the other jobs to stop",
        lambda: (
            not Job.objects.filter(status__in=("provisioning", "running", "cancelling")).exists()
        ),
        180,
    )
    sample = Dataset.objects.filter(uploaded_by=member).order_by("created_at").first()
    if sample is None:
        sample = _dataset(member, "Support conversations", "support_chats.jsonl")
    job = _submit(member, "elena notify me", sample, {**QUICK, "epochs": 2}, preset="balanced")
    _wait("N to report metrics", lambda: _training_with_metrics(job.pk, 2), 180)
    _wait("N to write log lines", lambda: LogLine.objects.filter(job_id=job.pk).count() >= 3, 60)
    return {"job": str(job.pk)}


def _team() -> dict[str, Any]:
    from decimal import Decimal

    from backend.accounts.models import User
    from backend.jobs.models import Job, JobStatus
    from backend.scheduling.models import UserQuota

    member = User.objects.get(username=MEMBER)
    manager = User.objects.get(username=MANAGER)
    # A running limit of 0 first, so her low-priority job waits for it (and no other of hers
    # starts meanwhile); then a queued limit of what she has queued: her next submit is refused.
    UserQuota.objects.update_or_create(user=member, defaults={"max_running": 0})
    sample = _dataset(member, "Team sample", "support_chats.jsonl")
    low = _submit(member, "elena low priority", sample, QUICK, priority="low")
    queued = Job.objects.filter(created_by=member, status=JobStatus.QUEUED).count()
    UserQuota.objects.filter(user=member).update(max_queued=queued)
    UserQuota.objects.update_or_create(user=manager, defaults={"monthly_budget": Decimal("0")})
    return {"low": str(low.pk), "queued": queued, "dataset": sample.name}


def _team_reset() -> dict[str, Any]:
    from backend.scheduling.models import UserQuota

    deleted, _ = UserQuota.objects.filter(user__username__in=(MEMBER, MANAGER)).delete()
    return {"deleted": deleted}


def main(argv: list[str]) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.local")
    django.setup()
    phase = argv[1] if len(argv) > 1 else ""
    phases: dict[str, Callable[[], dict[str, Any]]] = {
        "users": _users,
        "first": _first,
        "second": lambda: _second(argv[2], argv[3]),
        "artifacts": _artifacts,
        "bulk": _bulk,
        "settle": _settled,
        "ux": _ux,
        "dash": _dash,
        "notify": _notify,
        "pause": _pause,
        "team": _team,
        "team_reset": _team_reset,
    }
    if phase not in phases:
        raise SystemExit(
            "usage: python -m tests.e2e.browser_seed "
            "users|first|second DATASET_ID BUDGET_JOB_ID|" + "|".join(list(phases)[3:])
        )
    result = phases[phase]()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv)
