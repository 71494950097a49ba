"""Webhooks: signed deliveries a real receiver verifies (and refuses when replayed or stale),
retries with exponential back-off on an explicit clock (no sleeps), deliveries queued once per
job outcome on commit, "send test", and who may manage them."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from backend.jobs.models import JobStatus
from backend.jobs.transitions import lock_job, transition
from backend.notifications import tasks
from backend.notifications.models import DeliveryStatus, Webhook, WebhookDelivery
from backend.notifications.services import (
    backoff_seconds,
    deliveries_due,
    delivery_attempt,
    delivery_test,
)
from backend.notifications.signing import SignatureError, sign, verify
from backend.notifications.sweep import resend_lost_deliveries
from tests.backend.notifications.receiver import Receiver, receiver
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db

ALL = ["job.completed", "job.failed", "job.cancelled", "job.paused"]


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float]]:
    """Delivery tasks sent (on commit), instead of putting them on the broker."""
    calls: list[tuple[str, float]] = []
    monkeypatch.setattr(
        tasks, "deliver_later", lambda d, *, countdown: calls.append((str(d), countdown))
    )
    return calls


@pytest.fixture
def hook_receiver() -> Any:
    with receiver() as r:
        yield r


def _hook(r: Receiver, events: list[str] | None = None, **kw: Any) -> Webhook:
    hook = Webhook.objects.create(name="ci", url=r.url, events=events or ALL, **kw)
    r.secret = hook.secret
    return hook


def _finish(job: Any, to: str) -> None:
    with transaction.atomic():
        locked = lock_job(job.pk)
        locked.save(update_fields=transition(locked, to))


# --- signing -------------------------------------------------------------------------------


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    body = b'{"event":"job.completed"}'
    header = sign(secret="whsec_x", body=body, timestamp=1_700_000_000)
    digest = hmac.new(b"whsec_x", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={digest}"
    seen: dict[str, float] = {}
    verify(
        secret="whsec_x", body=body, header=header, delivery_id="d1", now=1_700_000_100, seen=seen
    )
    with pytest.raises(SignatureError, match="replay"):  # the same delivery again
        verify(
            secret="whsec_x",
            body=body,
            header=header,
            delivery_id="d1",
            now=1_700_000_101,
            seen=seen,
        )
    with pytest.raises(SignatureError, match="tolerance"):  # captured and sent 6 min later
        verify(
            secret="whsec_x",
            body=body,
            header=header,
            delivery_id="d2",
            now=1_700_000_360,
            seen=seen,
        )
    with pytest.raises(SignatureError, match="mismatch"):  # body changed in transit
        verify(
            secret="whsec_x",
            body=body + b" ",
            header=header,
            delivery_id="d3",
            now=1_700_000_000,
            seen=seen,
        )
    with pytest.raises(SignatureError, match="mismatch"):  # another hook's secret
        verify(
            secret="whsec_y",
            body=body,
            header=header,
            delivery_id="d4",
            now=1_700_000_000,
            seen=seen,
        )
    with pytest.raises(SignatureError, match="malformed"):
        verify(
            secret="whsec_x",
            body=body,
            header="v1=abc",
            delivery_id="d5",
            now=1_700_000_000,
            seen=seen,
        )


def test_job_outcome_reaches_a_receiver_that_verifies_the_signature(
    hook_receiver: Receiver, sent: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    hook = _hook(hook_receiver, events=["job.failed", "job.completed"])
    _hook_other = Webhook.objects.create(
        name="off", url=hook_receiver.url, events=ALL, active=False
    )
    job = JobFactory(status=JobStatus.RUNNING, error_category="nan_loss")
    with django_capture_on_commit_callbacks(execute=True):
        _finish(job, JobStatus.FAILED)
    delivery = WebhookDelivery.objects.get()
    assert delivery.webhook == hook and delivery.event == "job.failed"
    assert sent == [(str(delivery.pk), 0.0)]
    result = delivery_attempt(delivery_id=delivery.pk)
    assert result.sent and result.status == "succeeded"
    [got] = hook_receiver.accepted
    assert got["headers"]["X-Lora-Event"] == "job.failed"
    assert got["headers"]["X-Lora-Delivery"] == str(delivery.pk)
    assert got["body"]["event"] == "job.failed" and got["body"]["id"] == str(delivery.pk)
    assert got["body"]["job"]["id"] == str(job.pk)
    assert got["body"]["job"]["status"] == "failed"
    assert got["body"]["job"]["error_category"] == "nan_loss"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("succeeded", 1, 200)
    # Done: another try (a redelivered message) sends nothing.
    assert delivery_attempt(delivery_id=delivery.pk).sent is False
    assert len(hook_receiver.accepted) == 1
    # The same outcome signalled again queues nothing new; unsubscribed events queue nothing.
    from backend.notifications.services import deliveries_enqueue

    assert deliveries_enqueue(job_id=job.pk, status="failed") == []
    other = JobFactory(status=JobStatus.QUEUED)
    with django_capture_on_commit_callbacks(execute=True):
        _finish(other, JobStatus.CANCELLED)
    assert WebhookDelivery.objects.count() == 1


def test_a_replayed_or_stale_delivery_is_refused_by_the_receiver(
    hook_receiver: Receiver, sent: list[Any]
) -> None:
    hook = _hook(hook_receiver)
    delivery = delivery_test(webhook=hook)
    delivery_attempt(delivery_id=delivery.pk)
    [got] = hook_receiver.accepted
    assert got["body"]["event"] == "webhook.test"
    # An attacker replays the captured request byte for byte: refused as a replay.
    import requests

    body = json.dumps(got["body"], sort_keys=True).encode()
    headers = {k: v for k, v in got["headers"].items() if k.lower().startswith("x-lora")}
    assert (
        requests.post(hook_receiver.url, data=body, headers=headers, timeout=5).status_code == 400
    )
    assert hook_receiver.refused == ["delivery already received (replay)"]
    # A delivery that reaches the receiver 10 minutes after it was signed (held back and
    # replayed later, with a fresh delivery id or not) is stale.
    stale = delivery_test(webhook=hook)
    hook_receiver.clock = timezone.now().timestamp() + 600
    delivery_attempt(delivery_id=stale.pk)
    assert "tolerance" in hook_receiver.refused[-1]
    stale.refresh_from_db()
    assert stale.status == "pending" and stale.response_code == 400


def test_failed_tries_back_off_exponentially_then_give_up(
    hook_receiver: Receiver, sent: list[Any], settings: Any
) -> None:
    settings.LORA_WEBHOOK_BACKOFF_SECONDS = 10.0
    settings.LORA_WEBHOOK_BACKOFF_CAP_SECONDS = 35.0
    settings.LORA_WEBHOOK_MAX_ATTEMPTS = 4
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [10.0, 20.0, 35.0, 35.0]
    hook = _hook(hook_receiver)
    hook_receiver.script = [500, 503, 502, 500]
    delivery = delivery_test(webhook=hook)
    now = timezone.now()
    waits = []
    for _ in range(4):
        result = delivery_attempt(delivery_id=delivery.pk, now=now)
        assert result.sent
        delivery.refresh_from_db()
        if result.retry_in is None:
            break
        waits.append(result.retry_in)
        assert delivery.next_attempt_at == now + timedelta(seconds=result.retry_in)
        # Not due yet: a try one second early sends nothing, and the sweep does not see it.
        early = now + timedelta(seconds=result.retry_in - 1)
        assert delivery_attempt(delivery_id=delivery.pk, now=early).sent is False
        assert delivery.pk not in deliveries_due(now=early)
        now += timedelta(seconds=result.retry_in)
        assert delivery.pk in deliveries_due(now=now)
    assert waits == [10.0, 20.0, 35.0]
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 4, 500)
    assert delivery.error == "HTTP 500"
    assert hook_receiver.accepted == []
    assert delivery_attempt(delivery_id=delivery.pk, now=now + timedelta(days=1)).sent is False


def test_a_retry_succeeds_and_a_refused_connection_counts_as_a_failure(
    hook_receiver: Receiver, sent: list[Any]
) -> None:
    hook = _hook(hook_receiver)
    hook_receiver.script = [500]
    delivery = delivery_test(webhook=hook)
    now = timezone.now()
    first = delivery_attempt(delivery_id=delivery.pk, now=now)
    assert first.status == "pending" and first.retry_in == 30.0
    second = delivery_attempt(delivery_id=delivery.pk, now=now + timedelta(seconds=30))
    assert second.status == "succeeded"
    assert len(hook_receiver.accepted) == 1
    # Nobody listens on this port: the try fails with the connection error recorded.
    dead = Webhook.objects.create(name="dead", url="http://127.0.0.1:9/hook", events=ALL)
    d = delivery_test(webhook=dead)
    assert delivery_attempt(delivery_id=d.pk).status == "pending"
    d.refresh_from_db()
    assert d.response_code is None and "ConnectionError" in d.error


def test_the_task_reschedules_itself_and_the_sweep_resends_lost_deliveries(
    hook_receiver: Receiver, sent: list[Any]
) -> None:
    hook = _hook(hook_receiver)
    hook_receiver.script = [500]
    delivery = delivery_test(webhook=hook)
    assert tasks.deliver_task(str(delivery.pk)) == "pending"
    assert sent[-1] == (str(delivery.pk), 30.0)
    # The retry message was lost: once overdue by the grace period the sweep sends it again,
    # once (its due time moves to now).
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5)
    )
    sent.clear()
    assert resend_lost_deliveries() == 1
    assert resend_lost_deliveries() == 0
    assert sent == [(str(delivery.pk), 0.0)]
    assert tasks.deliver_task(str(delivery.pk)) == "succeeded"


def test_a_sender_that_died_mid_try_leaves_the_delivery_due_after_its_lease(
    hook_receiver: Receiver, sent: list[Any]
) -> None:
    hook = _hook(hook_receiver)
    delivery = delivery_test(webhook=hook)
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, lease_until=now + timedelta(seconds=40), attempts=1
    )
    assert delivery_attempt(delivery_id=delivery.pk, now=now).sent is False
    later = now + timedelta(seconds=41)
    assert delivery.pk in deliveries_due(now=later)
    assert delivery_attempt(delivery_id=delivery.pk, now=later).status == "succeeded"
    delivery.refresh_from_db()
    assert delivery.attempts == 2


# --- API and permissions -------------------------------------------------------------------


def test_who_may_manage_webhooks(
    owner_client: APIClient,
    teammate_client: APIClient,
    manager_client: APIClient,
    anon_client: APIClient,
    outsider_client: APIClient,
    hook_receiver: Receiver,
    sent: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    body = {"name": "Slack relay", "url": hook_receiver.url, "events": ["job.failed"]}
    # The job's owner and a teammate are members: no webhooks for them; anonymous neither.
    for client in (owner_client, teammate_client):
        assert client.get("/api/training/webhooks").status_code == 403
        assert client.post("/api/training/webhooks", body, format="json").status_code == 403
    assert anon_client.get("/api/training/webhooks").status_code in (401, 403)
    assert outsider_client.get("/api/training/webhooks").status_code == 401
    created = manager_client.post("/api/training/webhooks", body, format="json")
    assert created.status_code == 201, created.json()
    hook = created.json()
    assert hook["secret"].startswith("whsec_") and hook["events"] == ["job.failed"]
    listed = manager_client.get("/api/training/webhooks").json()
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]
    hid = hook["id"]
    assert outsider_client.post(f"/api/training/webhooks/{hid}/test").status_code == 401
    for client in (owner_client, teammate_client):
        assert client.post(f"/api/training/webhooks/{hid}/test").status_code == 403
        assert client.get(f"/api/training/webhooks/{hid}/deliveries").status_code == 403
        assert client.delete(f"/api/training/webhooks/{hid}").status_code == 403
    assert manager_client.get(f"/api/training/webhooks/{uuid.uuid4()}").status_code == 404
    bad = manager_client.post(
        "/api/training/webhooks", {**body, "events": ["job.exploded"]}, format="json"
    )
    assert bad.status_code == 400 and "events.0" in bad.json()["error"]["fields"]
    ftp = manager_client.post("/api/training/webhooks", {**body, "url": "ftp://x/y"}, format="json")
    assert ftp.status_code == 400
    # Send test: queued on commit, delivered, in the delivery log.
    hook_receiver.secret = Webhook.objects.get(pk=hid).secret
    with django_capture_on_commit_callbacks(execute=True):
        test = manager_client.post(f"/api/training/webhooks/{hid}/test")
    assert test.status_code == 202 and test.json()["event"] == "webhook.test"
    assert sent == [(test.json()["id"], 0.0)]
    delivery_attempt(delivery_id=uuid.UUID(test.json()["id"]))
    log = manager_client.get(f"/api/training/webhooks/{hid}/deliveries").json()
    assert log["count"] == 1
    assert log["results"][0]["status"] == "succeeded"
    assert log["results"][0]["response_code"] == 200
    patched = manager_client.patch(
        f"/api/training/webhooks/{hid}", {"active": False}, format="json"
    )
    assert patched.json()["active"] is False
    rotated = manager_client.post(f"/api/training/webhooks/{hid}/rotate-secret").json()
    assert rotated["secret"] != hook["secret"]
    assert manager_client.delete(f"/api/training/webhooks/{hid}").status_code == 204
    assert not Webhook.objects.exists() and not WebhookDelivery.objects.exists()


def test_admin_send_test_action_and_delivery_log(
    admin_client: Any,
    hook_receiver: Receiver,
    sent: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    hook = _hook(hook_receiver)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/notifications/webhook/",
            {"action": "send_test", "_selected_action": [str(hook.pk)]},
            follow=True,
        )
    assert response.status_code == 200
    assert "Sent a test delivery to 1 webhook(s)" in response.content.decode()
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "webhook.test" and sent == [(str(delivery.pk), 0.0)]
    delivery_attempt(delivery_id=delivery.pk)
    log = admin_client.get("/admin/notifications/webhookdelivery/").content.decode()
    assert "webhook.test" in log or "Test delivery" in log
    assert "succeeded" in log.lower()
    page = admin_client.get(f"/admin/notifications/webhook/{hook.pk}/change/").content.decode()
    assert "Succeeded" in page or "succeeded" in page
