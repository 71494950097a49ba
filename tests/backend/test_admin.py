"""Django admin: pages render for every model, and the cancel action uses the service."""

from __future__ import annotations

import pytest
from django.test import Client

from backend.jobs.models import JobStatus
from backend.telemetry.models import Event
from backend.telemetry.services import EventIn, events_append
from tests.factories import JobFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "jobs/job/",
        "jobs/gputype/",
        "datasets/dataset/",
        "telemetry/event/",
        "telemetry/metricpoint/",
        "accounts/user/",
        "scheduling/schedulersettings/",
    ],
)
def test_changelists_render(admin_client: Client, path: str) -> None:
    JobFactory()
    assert admin_client.get(f"/admin/{path}").status_code == 200


def test_job_page_shows_only_the_newest_events(admin_client: Client) -> None:
    job = JobFactory()
    events_append(
        job_id=job.pk,
        attempt=1,
        items=[EventIn(type="info", message=f"event number {i}") for i in range(80)],
    )
    page = admin_client.get(f"/admin/jobs/job/{job.pk}/change/").content.decode()
    assert "event number 79" in page and "event number 29" not in page
    # ...and links to the paginated changelist of all of them, filtered to this job.
    assert f"/admin/telemetry/event/?job__id__exact={job.pk}" in page and "All 80 events" in page
    listing = admin_client.get(f"/admin/telemetry/event/?job__id__exact={job.pk}")
    assert "event number 29" in listing.content.decode()


def test_cancel_action_goes_through_the_service(admin_client: Client) -> None:
    queued = JobFactory(status=JobStatus.QUEUED)
    done = JobFactory(status=JobStatus.COMPLETED)
    response = admin_client.post(
        "/admin/jobs/job/",
        {"action": "cancel_selected", "_selected_action": [str(queued.pk), str(done.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    queued.refresh_from_db()
    done.refresh_from_db()
    assert queued.status == "cancelled" and queued.cancel_reason == "other"
    assert done.status == "completed"
    assert Event.objects.filter(job=queued, message__startswith="Cancelled by").exists()


def test_pause_and_resume_actions_go_through_the_services(admin_client: Client) -> None:
    running = JobFactory(status=JobStatus.RUNNING, stage="training")
    queued = JobFactory(status=JobStatus.QUEUED)
    response = admin_client.post(
        "/admin/jobs/job/",
        {"action": "pause_selected", "_selected_action": [str(running.pk), str(queued.pk)]},
        follow=True,
    )
    page = response.content.decode()
    assert "Pause requested for 1 job(s)." in page and "cancel it instead" in page
    running.refresh_from_db()
    assert running.pause_requested_at is not None
    assert running.pauses.get().requested_by.username == "root"
    detail = admin_client.get(f"/admin/jobs/job/{running.pk}/change/").content.decode()
    assert "Paused by" in detail  # the pause inline

    paused = JobFactory(status=JobStatus.PAUSED)
    admin_client.post(
        "/admin/jobs/job/",
        {"action": "resume_selected", "_selected_action": [str(paused.pk)]},
        follow=True,
    )
    paused.refresh_from_db()
    assert paused.status == "queued"
