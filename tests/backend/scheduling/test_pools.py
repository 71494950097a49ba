"""Pools: a job runs only on a worker of its GPU type, only while that pool has a free live
worker, under the global limit; the real PostgreSQL and Redis, racing dispatchers included."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from backend.common.errors import Conflict
from backend.jobs.models import Attempt, GpuType, Job, JobStatus
from backend.jobs.services import job_create
from backend.scheduling.dispatch import dispatch_queued
from backend.scheduling.models import Worker
from backend.scheduling.reaper import reap_lost
from backend.scheduling.selectors import queue_view
from backend.scheduling.services import fleet_heartbeat
from backend.scheduling.slots import POOL_FULL, slot_admit, slot_holders, slot_lease, slot_renew
from backend.workerapi.services import attempt_claim
from tests.backend.scheduling.helpers import move, set_limits, statuses
from tests.backend.scheduling.test_dispatch import _run_concurrently
from tests.factories import DatasetFactory, GpuTypeFactory, JobFactory, UserFactory

SECRET = "test-worker-secret"


def _types() -> tuple[GpuType, GpuType]:
    l40s = GpuTypeFactory(slug="l40s-48gb", name="L40S", memory_gb=48, bf16_tflops=362.0)
    cpu = GpuTypeFactory(
        slug="cpu",
        name="CPU",
        memory_gb=0,
        spot_hourly_rate=Decimal("0.05"),
        on_demand_hourly_rate=Decimal("0.05"),
        bf16_tflops=0.0,
    )
    return l40s, cpu


def _register(name: str, gpu_type: str) -> Worker:
    return fleet_heartbeat(
        name=name,
        gpu_type=gpu_type,
        host="host-" + name,
        device={"kind": "cpu", "name": "test", "count": 1, "memory_gb": None},
        software={"python": "3.11"},
    )


def _queued(gpu: GpuType, n: int, *, offset: int = 0) -> list[Job]:
    base = timezone.now() - timedelta(minutes=10)
    return [
        JobFactory(gpu_type=gpu, created_at=base + timedelta(seconds=2 * i + offset))
        for i in range(n)
    ]


def _by_type(status: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for slug in Job.objects.filter(status=status).values_list("gpu_type__slug", flat=True):
        out[slug] = out.get(slug, 0) + 1
    return out


@pytest.mark.django_db
def test_the_lease_script_enforces_each_pools_capacity() -> None:
    assert slot_admit(holder="a", limit=5, ttl=30, pool="cpu", pool_limit=1) > 0
    assert slot_admit(holder="b", limit=5, ttl=30, pool="cpu", pool_limit=1) == POOL_FULL
    assert slot_admit(holder="c", limit=5, ttl=30, pool="l40s", pool_limit=1) > 0
    # The global limit still applies across pools.
    assert slot_admit(holder="d", limit=2, ttl=30, pool="h100", pool_limit=3) == 0
    # A pool with no worker admits nothing.
    assert slot_admit(holder="e", limit=5, ttl=30, pool="a10g", pool_limit=0) == POOL_FULL
    assert set(slot_holders()) == {"a", "c"}


@pytest.mark.django_db(transaction=True)
def test_with_two_pools_no_job_ever_runs_on_another_types_worker(
    sent_tasks: list[dict[str, Any]],
) -> None:
    Worker.objects.all().delete()
    l40s, cpu = _types()
    set_limits(concurrency_limit=10)
    _register("l40s-a", l40s.slug)
    _register("l40s-b", l40s.slug)
    _register("cpu-a", cpu.slug)
    jobs = _queued(l40s, 6) + _queued(cpu, 6, offset=1)
    for _round in range(3):
        results = _run_concurrently(20, dispatch_queued)
        started = [job_id for run in results for job_id in run]
        assert len(started) == len(set(started))
        # Each pool runs at most one job per live worker, whatever the global limit allows.
        active = _by_type(JobStatus.PROVISIONING)
        assert active == {"l40s-48gb": 2, "cpu": 1}
        assert len(slot_holders()) == 3
        # Every task went to its own type's queue, which only that type's workers consume.
        for task in sent_tasks:
            job = Job.objects.select_related("gpu_type").get(pk=task["job_id"])
            assert task["queue"] == f"training.{job.gpu_type.slug}"
        # A worker of the other type that got hold of the message is refused at claim.
        for job in Job.objects.filter(status=JobStatus.PROVISIONING).select_related("gpu_type"):
            attempt = Attempt.objects.get(job=job, number=job.attempt)
            other = cpu.slug if job.gpu_type == l40s else l40s.slug
            with pytest.raises(Conflict) as refused:
                attempt_claim(attempt=attempt, worker_host="h", worker_gpu_type=other)
            assert refused.value.code == "wrong_pool"
            assert Job.objects.get(pk=job.pk).status == JobStatus.PROVISIONING
        # One job of each pool finishes: the next of each starts, in queue order.
        for gpu in (l40s, cpu):
            oldest = Job.objects.filter(status=JobStatus.PROVISIONING, gpu_type=gpu).order_by(
                "queue_order"
            )[0]
            move(oldest, JobStatus.RUNNING)
            move(oldest, JobStatus.COMPLETED)
    begun = set(Job.objects.exclude(status=JobStatus.QUEUED).values_list("pk", flat=True))
    # Per pool, in queue order: 2 + 3 L40S jobs, 1 + 3 CPU jobs.
    assert begun == {j.pk for j in jobs[:5]} | {j.pk for j in jobs[6:10]}
    assert statuses()[JobStatus.QUEUED] == 3


@pytest.mark.django_db(transaction=True)
def test_a_job_without_a_live_worker_waits_and_starts_within_a_second_of_one_appearing(
    sent_tasks: list[dict[str, Any]],
) -> None:
    Worker.objects.all().delete()
    _, cpu = _types()
    set_limits(concurrency_limit=3)
    user = UserFactory()
    job = job_create(
        created_by=user,
        name="needs a cpu worker",
        dataset=DatasetFactory(uploaded_by=user),
        base_model="tiny-random-llama",
        preset="balanced",
        gpu_type=cpu,
        pricing="spot",
    )
    dispatch_queued()
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    entry = queue_view().queued[0]
    assert entry.reason == "No CPU worker online — 1 job waiting"
    assert entry.estimated_start_at is None and entry.pool == "cpu"
    client = APIClient()
    client.force_authenticate(user)
    body = client.get(f"/api/training/jobs/{job.pk}").json()
    assert body["queue"]["reason"] == "No CPU worker online — 1 job waiting"
    assert sent_tasks == []

    worker = APIClient()
    registration = {
        "name": "cpu-worker-1",
        "gpu_type": "cpu",
        "host": "box",
        "device": {"kind": "cpu", "name": "Test CPU", "count": 2, "memory_gb": 4.0},
        "software": {"python": "3.11.9", "torch": "2.13.0"},
    }
    wrong = worker.post(
        "/api/worker/fleet/heartbeat",
        registration,
        format="json",
        HTTP_AUTHORIZATION="Bearer nope",
    )
    assert wrong.status_code == 401
    began = time.monotonic()
    reply = worker.post(
        "/api/worker/fleet/heartbeat",
        registration,
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {SECRET}",
    )
    assert reply.status_code == 200, reply.content
    assert reply.json()["queue"] == "training.cpu"
    while Job.objects.get(pk=job.pk).status == JobStatus.QUEUED:
        assert time.monotonic() - began < 1.0, "the job did not start within a second"
        time.sleep(0.02)
    assert [(t["job_id"], t["queue"]) for t in sent_tasks] == [(str(job.pk), "training.cpu")]
    fleet = client.get("/api/training/workers").json()
    assert [(w["name"], w["gpu_type"], w["state"]) for w in fleet["workers"]] == [
        ("cpu-worker-1", "cpu", "idle")
    ]
    assert fleet["workers"][0]["device"]["name"] == "Test CPU"
    assert {p["gpu_type"]: p["capacity"] for p in fleet["pools"]}["cpu"] == 1


@pytest.mark.django_db
def test_registration_refuses_an_unknown_type_and_a_missing_secret(settings: Any) -> None:
    body = {
        "name": "w",
        "gpu_type": "tpu-v9",
        "host": "h",
        "device": {"kind": "cpu", "name": "x", "count": 1, "memory_gb": None},
        "software": {},
    }
    client = APIClient()
    reply = client.post(
        "/api/worker/fleet/heartbeat", body, format="json", HTTP_AUTHORIZATION=f"Bearer {SECRET}"
    )
    assert reply.status_code == 400
    assert "gpu_type" in reply.json()["error"]["fields"]
    settings.LORA_WORKER_SECRET = ""
    reply = client.post(
        "/api/worker/fleet/heartbeat", body, format="json", HTTP_AUTHORIZATION="Bearer "
    )
    assert reply.status_code == 401
    assert not Worker.objects.filter(name="w").exists()


@pytest.mark.django_db
def test_the_global_limit_is_the_reason_when_it_binds() -> None:
    Worker.objects.all().delete()
    _, cpu = _types()
    set_limits(concurrency_limit=1)
    _register("cpu-a", "cpu")
    _register("cpu-b", "cpu")
    first, second = _queued(cpu, 2)
    assert dispatch_queued() == [str(first.pk)]
    view = queue_view()
    assert view.reasons[second.pk] == "Global limit of 1 reached — position 1 of 1 in the CPU pool"


@pytest.mark.django_db
def test_a_worker_that_disappears_shrinks_its_pool_and_its_job_recovers(
    django_capture_on_commit_callbacks: Any,
) -> None:
    Worker.objects.all().delete()
    _, cpu = _types()
    set_limits(concurrency_limit=5)
    _register("cpu-a", "cpu")
    _register("cpu-b", "cpu")
    a, b, c = _queued(cpu, 3, offset=0)
    for job in (a, b, c):
        Job.objects.filter(pk=job.pk).update(est_duration_seconds=600)
    assert dispatch_queued() == [str(a.pk), str(b.pk)]
    a, b = (move(Job.objects.get(pk=j.pk), JobStatus.RUNNING) for j in (a, b))
    # Worker b stops heartbeating: it goes offline, and b's lease runs out while a's is renewed.
    Worker.objects.filter(name="cpu-b").update(last_seen_at=timezone.now() - timedelta(hours=1))
    assert a.fence is not None and b.fence is not None
    assert slot_renew(holder=str(a.pk), fence=a.fence, ttl=60)
    assert slot_renew(holder=str(b.pk), fence=b.fence, ttl=0.2)  # its last heartbeat
    deadline = time.monotonic() + 5
    while slot_lease(holder=str(b.pk)) is not None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert reap_lost() == [str(b.pk)]
    b.refresh_from_db()
    assert b.status == JobStatus.QUEUED and b.recovering
    # The pool shrank to one worker, busy with a: b waits at the front of the CPU pool.
    assert dispatch_queued() == []
    reasons = queue_view().reasons
    assert reasons[b.pk].startswith("Position 1 of 2 in the CPU pool (1 worker busy, next frees in")
    assert reasons[c.pk].startswith("Position 2 of 2 in the CPU pool")
    # A worker comes back: the recovering job resumes first.
    with django_capture_on_commit_callbacks(execute=True):
        _register("cpu-b", "cpu")
    assert Job.objects.get(pk=b.pk).status == JobStatus.PROVISIONING
    assert Job.objects.get(pk=c.pk).status == JobStatus.QUEUED
