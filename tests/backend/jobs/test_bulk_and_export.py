"""Bulk cancel/delete on the jobs list (ids or the list's filter) and the CSV exports (the jobs
list as filtered and sorted, a job's metrics), for every persona of the permission matrix."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from backend.jobs.models import Job, JobStatus
from backend.telemetry.models import Event, MetricPoint
from tests.backend.jobs.conftest import PERSONAS
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db
URL = "/api/training/jobs"
MISSING = "00000000-0000-0000-0000-000000000000"


def bulk(client: Any, **body: Any) -> Any:
    return client.post(f"{URL}/bulk", body, format="json")


def statuses(*jobs: Job) -> list[str]:
    return [Job.objects.get(pk=j.pk).status for j in jobs]


@pytest.fixture
def mixed(owner: Any, teammate: Any) -> dict[str, Job]:
    """The creator's jobs in several states, a teammate's, and one nobody names."""
    return {
        "running": JobFactory(created_by=owner, status=JobStatus.RUNNING, name="o-running"),
        "queued": JobFactory(created_by=owner, status=JobStatus.QUEUED, name="o-queued"),
        "completed": JobFactory(created_by=owner, status=JobStatus.COMPLETED, name="o-done"),
        "theirs": JobFactory(created_by=teammate, status=JobStatus.QUEUED, name="t-queued"),
        "theirs_done": JobFactory(created_by=teammate, status=JobStatus.FAILED, name="t-failed"),
        "bystander": JobFactory(created_by=owner, status=JobStatus.QUEUED, name="o-other"),
    }


def ids(*jobs: Job) -> list[str]:
    return [str(j.pk) for j in jobs]


def test_bulk_cancel_across_owners_lists_refusals_and_touches_nothing_else(
    owner_client: Any, mixed: dict[str, Job]
) -> None:
    m = mixed
    named = [m["running"], m["queued"], m["completed"], m["theirs"]]
    events_before = {j.pk: Event.objects.filter(job=j).count() for j in mixed.values()}
    response = bulk(
        owner_client,
        action="cancel",
        ids=[*ids(*named), MISSING],
        reason="cost_too_high",
        notes="sweep over",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["action"] == "cancel" and body["matched"] == 5
    assert body["done"] == ids(m["running"], m["queued"])
    assert body["unchanged"] == []
    assert body["refused"] == [
        {"id": MISSING, "name": None, "code": "not_found", "message": "No such job."},
        {
            "id": str(m["completed"].pk),
            "name": "o-done",
            "code": "conflict",
            "message": "The job already completed; there is nothing to cancel.",
        },
        {
            "id": str(m["theirs"].pk),
            "name": "t-queued",
            "code": "permission_denied",
            "message": "Only the job's creator or a manager can cancel it.",
        },
    ]
    assert statuses(*mixed.values()) == [
        "cancelling",
        "cancelled",
        "completed",
        "queued",
        "failed",
        "queued",
    ]
    cancelled = Job.objects.get(pk=m["queued"].pk)
    assert (cancelled.cancel_reason, cancelled.cancel_notes) == ("cost_too_high", "sweep over")
    # Refused and unnamed jobs got no event; each cancelled one exactly one.
    for key, job in mixed.items():
        added = Event.objects.filter(job=job).count() - events_before[job.pk]
        assert added == (1 if key in ("running", "queued") else 0), key


def test_bulk_cancel_is_idempotent(owner_client: Any, mixed: dict[str, Job]) -> None:
    m = mixed
    body = {"action": "cancel", "ids": ids(m["running"], m["queued"]), "reason": "testing"}
    first = bulk(owner_client, **body).json()
    events = Event.objects.count()
    again = bulk(owner_client, **body).json()
    assert first["done"] == ids(m["running"], m["queued"]) and first["unchanged"] == []
    assert again["done"] == [] and again["unchanged"] == ids(m["running"], m["queued"])
    assert again["refused"] == [] and Event.objects.count() == events
    assert statuses(m["running"], m["queued"]) == ["cancelling", "cancelled"]


def test_a_manager_bulk_cancels_everyones_jobs(manager_client: Any, mixed: dict[str, Job]) -> None:
    m = mixed
    body = bulk(
        manager_client, action="cancel", ids=ids(m["queued"], m["theirs"]), reason="other"
    ).json()
    assert body["done"] == ids(m["queued"], m["theirs"]) and body["refused"] == []
    assert statuses(m["theirs"], m["bystander"]) == ["cancelled", "queued"]


def test_bulk_delete_removes_finished_jobs_only_and_repeats_harmlessly(
    owner_client: Any, mixed: dict[str, Job]
) -> None:
    m = mixed
    named = ids(m["completed"], m["running"], m["theirs_done"])
    body = bulk(owner_client, action="delete", ids=named).json()
    assert body["done"] == ids(m["completed"])
    assert [(r["name"], r["code"]) for r in body["refused"]] == [
        ("o-running", "conflict"),
        ("t-failed", "permission_denied"),
    ]
    assert body["refused"][0]["message"] == (
        "Only completed, failed or cancelled jobs can be deleted; cancel it first."
    )
    assert not Job.objects.filter(pk=m["completed"].pk).exists()
    assert Job.objects.count() == len(mixed) - 1
    again = bulk(owner_client, action="delete", ids=named).json()
    assert again["done"] == []
    assert [(r["id"], r["code"]) for r in again["refused"]] == [
        (str(m["completed"].pk), "not_found"),
        (str(m["running"].pk), "conflict"),
        (str(m["theirs_done"].pk), "permission_denied"),
    ]
    assert Job.objects.count() == len(mixed) - 1


def test_bulk_by_the_lists_filter_acts_on_what_the_list_shows(
    owner_client: Any, mixed: dict[str, Job]
) -> None:
    m = mixed
    shown = owner_client.get(URL, {"status": "queued", "creator": "me"}).json()["results"]
    body = bulk(
        owner_client,
        action="cancel",
        filter={"status": "queued", "creator": "me"},
        reason="wrong_configuration",
    ).json()
    assert sorted(body["done"]) == sorted(r["id"] for r in shown)
    assert sorted(body["done"]) == sorted(ids(m["queued"], m["bystander"]))
    assert statuses(m["queued"], m["bystander"], m["theirs"], m["running"]) == [
        "cancelled",
        "cancelled",
        "queued",
        "running",
    ]


def test_bulk_with_a_search_filter_refuses_what_it_may_not_touch(
    teammate_client: Any, mixed: dict[str, Job]
) -> None:
    body = bulk(teammate_client, action="cancel", filter={"search": "queued"}, reason="other")
    result = body.json()
    assert result["matched"] == 2  # o-queued, t-queued (o-other does not match "queued")
    assert result["done"] == ids(mixed["theirs"])
    assert [r["code"] for r in result["refused"]] == ["permission_denied"]
    assert statuses(mixed["queued"]) == ["queued"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "cancel", "reason": "other"}, "ids"),
        ({"action": "cancel", "reason": "other", "ids": [MISSING], "filter": {}}, "ids"),
        ({"action": "cancel", "ids": [MISSING]}, "reason"),
        ({"action": "pause", "ids": [MISSING]}, "action"),
        ({"action": "delete", "filter": {"status": "bogus"}}, "filter.status"),
        ({"action": "delete", "filter": {"creator": "someone"}}, "filter.creator"),
        ({"action": "delete", "ids": []}, "ids"),
        ({"action": "delete", "ids": ["not-a-uuid"]}, "ids.0"),
    ],
)
def test_bulk_requests_are_validated(
    owner_client: Any, mixed: dict[str, Job], body: dict[str, Any], field: str
) -> None:
    response = bulk(owner_client, **body)
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert any(k == field or k.startswith(field) for k in fields), fields
    assert Job.objects.count() == len(mixed)


def test_a_filter_matching_too_many_jobs_is_refused_whole(
    owner_client: Any, mixed: dict[str, Job], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("backend.jobs.views.bulk.MAX_BULK_JOBS", 2)
    response = bulk(owner_client, action="cancel", filter={}, reason="other")
    assert response.status_code == 400 and "filter" in response.json()["error"]["fields"]
    assert statuses(mixed["queued"], mixed["running"]) == ["queued", "running"]


# Which of the creator's job the persona gets: cancelled (done) or refused, or no answer at all.
BULK_OUTCOME = {
    "creator": "done",
    "teammate": "permission_denied",
    "manager": "done",
    "outsider": 401,
    "anonymous": 401,
}


@pytest.mark.parametrize("action", ["cancel", "delete"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_bulk_permission_matrix(persona: str, action: str, persona_client: Any, owner: Any) -> None:
    job = JobFactory(
        created_by=owner, status=JobStatus.QUEUED if action == "cancel" else JobStatus.FAILED
    )
    response = bulk(persona_client(persona), action=action, ids=ids(job), reason="testing")
    outcome = BULK_OUTCOME[persona]
    if outcome == 401:
        assert response.status_code == 401
        assert Job.objects.filter(pk=job.pk, status=job.status).exists()
    elif outcome == "done":
        assert response.json()["done"] == ids(job)
        assert not Job.objects.filter(pk=job.pk, status=job.status).exists()
    else:
        assert [r["code"] for r in response.json()["refused"]] == [outcome]
        assert Job.objects.filter(pk=job.pk, status=job.status).exists()


# --- CSV ----------------------------------------------------------------------------------------


def read_csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def finished_jobs(owner: Any, teammate: Any) -> list[Job]:
    """Finished jobs (their cost and duration do not move while the test compares)."""
    now = timezone.now()
    rows = [
        ("alpha sweep", JobStatus.COMPLETED, owner, 3600, "1.2000"),
        ("beta sweep", JobStatus.FAILED, teammate, 600, "0.3000"),
        ("gamma run", JobStatus.COMPLETED, teammate, 7200, "4.5000"),
        ("delta sweep", JobStatus.CANCELLED, owner, 60, "0.0100"),
        ("epsilon sweep", JobStatus.COMPLETED, owner, 1800, "2.2500"),
    ]
    jobs = []
    for i, (name, status, user, seconds, cost) in enumerate(rows):
        started = now - timezone.timedelta(hours=10 - i)
        jobs.append(
            JobFactory(
                name=name,
                status=status,
                created_by=user,
                created_at=started - timezone.timedelta(minutes=5),
                started_at=started,
                finished_at=started + timezone.timedelta(seconds=seconds),
                billed_seconds=seconds,
                hourly_rate=Decimal(cost) * 3600 / seconds,
                final_cost=Decimal(cost),
            )
        )
    JobFactory(name="zeta sweep queued", status=JobStatus.QUEUED, created_by=owner)
    return jobs


@pytest.mark.parametrize(
    "query",
    [
        {"search": "sweep", "status": "completed,failed,cancelled", "ordering": "-cost"},
        {"search": "sweep", "status": "completed,failed,cancelled", "ordering": "name"},
        {"status": "completed", "ordering": "duration"},
        {"creator": "me", "ordering": "-created_at"},
        {"ordering": "started_at"},
    ],
)
def test_the_csv_is_the_list_as_filtered_and_sorted(
    owner_client: Any, finished_jobs: list[Job], query: dict[str, str]
) -> None:
    listed = owner_client.get(URL, {**query, "page_size": 100}).json()["results"]
    rows = read_csv(owner_client.get(f"{URL}/export", query))
    assert [r["id"] for r in rows] == [j["id"] for j in listed]
    assert len(rows) >= 2
    for row, item in zip(rows, listed, strict=True):
        assert row["name"] == item["name"] and row["status"] == item["status"]
        assert row["created_by"] == item["created_by"]["username"]
        assert row["preset"] == item["preset"] and row["gpu_type"] == item["gpu_type"]["slug"]
        assert row["created_at"] == item["created_at"].replace("Z", "+00:00")
        if item["status"] != "queued":  # finished: cost and duration are fixed
            assert float(row["cost"]) == item["current_cost"]
            assert float(row["duration_seconds"]) == item["duration_seconds"]
        else:
            assert row["started_at"] == row["duration_seconds"] == ""


def test_the_csv_of_selected_ids_keeps_the_sort(
    owner_client: Any, finished_jobs: list[Job]
) -> None:
    a, _, c, d, _ = finished_jobs
    chosen = ",".join(ids(a, c, d))
    rows = read_csv(owner_client.get(f"{URL}/export", {"ids": chosen, "ordering": "-cost"}))
    assert [r["name"] for r in rows] == ["gamma run", "alpha sweep", "delta sweep"]
    bad = owner_client.get(f"{URL}/export", {"ids": "nope"})
    assert bad.status_code == 400 and "ids" in bad.json()["error"]["fields"]


def test_the_csv_refuses_what_the_list_refuses(owner_client: Any) -> None:
    for query in ({"ordering": "price"}, {"status": "bogus"}, {"creator": "x"}):
        response = owner_client.get(f"{URL}/export", query)
        assert response.status_code == 400, query
        assert response.json()["error"]["code"] == "validation_error"


def test_the_csv_streams_any_number_of_rows_and_defuses_formulas(
    owner_client: Any, owner: Any
) -> None:
    template = JobFactory(created_by=owner, name='=HYPERLINK("http://x")', status="failed")
    Job.objects.bulk_create(
        Job(
            name=f"bulk job {i:04d}",
            created_by=owner,
            dataset=template.dataset,
            base_model=template.base_model,
            hyperparameters=template.hyperparameters,
            gpu_type=template.gpu_type,
            hourly_rate=template.hourly_rate,
            status=JobStatus.COMPLETED,
        )
        for i in range(1500)
    )
    response = owner_client.get(f"{URL}/export", {"ordering": "name"})
    chunks = list(response.streaming_content)
    assert len(chunks) > 2  # streamed in pieces, not built whole
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode())))
    assert len(rows) == 1501
    assert rows[0]["name"] == '\'=HYPERLINK("http://x")'
    assert rows[1]["name"] == "bulk job 0000" and rows[-1]["name"] == "bulk job 1499"


def test_a_jobs_metrics_as_csv(owner_client: Any, owner: Any) -> None:
    job = JobFactory(created_by=owner, status=JobStatus.CANCELLED, name="Legal QA")
    for step in (3, 1, 2):
        MetricPoint.objects.create(
            job=job,
            step=step,
            epoch=step / 10,
            train_loss=2.0 - step / 10,
            val_loss=1.9 if step == 2 else None,
            learning_rate=1e-4,
            tokens_per_second=1000.0 + step,
        )
    response = owner_client.get(f"{URL}/{job.pk}/metrics/export")
    assert 'filename="Legal QA-metrics.csv"' in response["Content-Disposition"]
    rows = read_csv(response)
    assert list(rows[0]) == [
        "step",
        "attempt",
        "recorded_at",
        "epoch",
        "train_loss",
        "val_loss",
        "learning_rate",
        "grad_norm",
        "tokens_per_second",
        "gpu_utilization",
        "gpu_memory_mb",
    ]
    assert [r["step"] for r in rows] == ["1", "2", "3"]
    assert [r["val_loss"] for r in rows] == ["", "1.9", ""]  # not measured: empty, never 0
    assert float(rows[2]["train_loss"]) == pytest.approx(1.7)
    assert rows[0]["gpu_utilization"] == "" and rows[0]["tokens_per_second"] == "1001.0"


@pytest.mark.parametrize("persona", PERSONAS)
def test_export_permission_matrix(persona: str, persona_client: Any, owner: Any) -> None:
    job = JobFactory(created_by=owner, status=JobStatus.COMPLETED)
    MetricPoint.objects.create(job=job, step=1, train_loss=1.0)
    client = persona_client(persona)
    listing = client.get(f"{URL}/export")
    metrics = client.get(f"{URL}/{job.pk}/metrics/export")
    if persona in ("outsider", "anonymous"):
        assert (listing.status_code, metrics.status_code) == (401, 401)
    else:
        assert [r["id"] for r in read_csv(listing)] == [str(job.pk)]
        assert [r["train_loss"] for r in read_csv(metrics)] == ["1.0"]
