"""Webhooks (created by managers, fired by job outcomes) and their deliveries: queue on commit,
send signed, retry with exponential back-off, keep a log of every try.

A delivery is claimed with a conditional UPDATE before it is sent, so two senders (the Celery
task and the periodic sweep, or a redelivered message) never send the same try twice; the
receiver can still see a delivery again after a crash between its reply and our write, and
drops it by its id (X-Lora-Delivery).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from backend.accounts.models import User
from backend.common.errors import ApplicationError
from backend.common.types import JobId
from backend.jobs.models import Job
from backend.notifications.models import (
    STATUS_EVENTS,
    DeliveryStatus,
    JobWatch,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)
from backend.notifications.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, sign

logger = logging.getLogger(__name__)

# (url, body, headers, timeout) -> (status code, response text). requests.post by default; a
# test passes its own clock-free transport only where no real receiver can be reached.
Transport = Callable[[str, bytes, dict[str, str], float], tuple[int, str]]


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str]:
    response = requests.post(
        url, data=body, headers=headers, timeout=timeout, allow_redirects=False
    )
    return response.status_code, response.text[:1000]


def backoff_seconds(attempts: int) -> float:
    """Wait after the `attempts`-th failed try: base * 2**(attempts-1), capped."""
    base = settings.LORA_WEBHOOK_BACKOFF_SECONDS
    return float(min(settings.LORA_WEBHOOK_BACKOFF_CAP_SECONDS, base * 2 ** (attempts - 1)))


def _send_on_commit(delivery_ids: list[uuid.UUID]) -> None:
    from backend.notifications.tasks import deliver_later

    def send() -> None:
        for delivery_id in delivery_ids:
            deliver_later(delivery_id, countdown=0.0)

    if delivery_ids:
        transaction.on_commit(send)


# --- webhooks ------------------------------------------------------------------------------


def webhook_create(
    *, user: User, name: str, url: str, events: list[str], active: bool = True
) -> Webhook:
    """A new team webhook with a fresh secret (returned once by the API)."""
    return Webhook.objects.create(
        name=name, url=url, events=list(dict.fromkeys(events)), active=active, created_by=user
    )


def webhook_update(*, webhook: Webhook, **fields: Any) -> Webhook:
    """Change name, url, events or active (the secret changes only through rotation)."""
    for key in ("name", "url", "events", "active"):
        if key in fields:
            value = fields[key]
            setattr(webhook, key, list(dict.fromkeys(value)) if key == "events" else value)
    webhook.save()
    return webhook


def webhook_rotate_secret(*, webhook: Webhook) -> Webhook:
    from backend.notifications.models import new_secret

    webhook.secret = new_secret()
    webhook.save(update_fields=["secret"])
    return webhook


def _job_body(job: Job) -> dict[str, Any]:
    return {
        "id": str(job.pk),
        "name": job.name,
        "status": job.status,
        "base_model": job.base_model,
        "created_by": job.created_by.username if job.created_by_id else None,
        "attempt": job.attempt,
        "current_step": job.current_step,
        "total_steps": job.total_steps,
        "error_category": job.error_category or None,
        "error_message": job.error_message or None,
        "final_cost": str(job.final_cost),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "url": f"{settings.LORA_API_URL.rstrip('/')}/training-jobs/{job.pk}",
    }


def deliveries_enqueue(*, job_id: JobId, status: str) -> list[uuid.UUID]:
    """Queue one delivery per active webhook subscribed to this outcome; sent after commit.

    Idempotent: the same job outcome (job, status, attempt) queues nothing twice.
    """
    event = STATUS_EVENTS.get(status)
    if event is None:
        return []
    job = Job.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.status != status:
        return []  # deleted or moved on meanwhile: its own transition fires for its new status
    key = f"{job.pk}:{status}:{job.attempt}"
    body = {"event": event, "job": _job_body(job)}
    created: list[uuid.UUID] = []
    with transaction.atomic():
        for hook in Webhook.objects.filter(active=True):
            if event not in hook.events:
                continue
            delivery, new = WebhookDelivery.objects.get_or_create(
                webhook=hook,
                dedupe_key=key,
                defaults={"event": event, "job": job, "payload": body},
            )
            if new:
                created.append(delivery.pk)
        _send_on_commit(created)
    return created


def delivery_test(*, webhook: Webhook) -> WebhookDelivery:
    """A `webhook.test` delivery to this hook (active or not), sent at once."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            webhook=webhook,
            event=WebhookEvent.TEST,
            dedupe_key=f"test:{uuid.uuid4()}",
            payload={"event": WebhookEvent.TEST, "webhook": {"id": str(webhook.pk)}},
        )
        _send_on_commit([delivery.pk])
    return delivery


@dataclass(frozen=True)
class TryResult:
    sent: bool  # False: not claimed (done, not due, or another sender holds it)
    status: str = ""
    retry_in: float | None = None  # seconds until the next try, when one is scheduled


def delivery_attempt(
    *, delivery_id: uuid.UUID, now: datetime | None = None, transport: Transport | None = None
) -> TryResult:
    """Make one try of a delivery if it is due; record what happened.

    2xx: succeeded. Anything else (other status, timeout, refused connection): back to pending
    with `next_attempt_at = now + backoff`, or failed after LORA_WEBHOOK_MAX_ATTEMPTS tries.
    """
    now = now or timezone.now()
    timeout = settings.LORA_WEBHOOK_TIMEOUT_SECONDS
    # Race: the task, the sweep and a redelivered message may all try the same delivery. Only
    # the one whose conditional UPDATE matches sends; a sender that died mid-try leaves the row
    # `sending` until its lease ends, then it is due again.
    claimed = WebhookDelivery.objects.filter(
        Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        | Q(status=DeliveryStatus.SENDING, lease_until__lt=now),
        pk=delivery_id,
    ).update(
        status=DeliveryStatus.SENDING,
        lease_until=now + timedelta(seconds=timeout + 30),
        attempts=F("attempts") + 1,
        last_attempt_at=now,
    )
    if not claimed:
        return TryResult(sent=False)
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    hook = delivery.webhook
    body = json.dumps(
        {"id": str(delivery.pk), "created_at": delivery.created_at.isoformat(), **delivery.payload},
        sort_keys=True,
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "lora-pipeline-webhooks/1",
        SIGNATURE_HEADER: sign(secret=hook.secret, body=body, timestamp=int(now.timestamp())),
        DELIVERY_HEADER: str(delivery.pk),
        EVENT_HEADER: delivery.event,
    }
    code: int | None = None
    text, error = "", ""
    try:
        code, text = (transport or _post)(hook.url, body, headers, timeout)
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:1000]
    ok = code is not None and 200 <= code < 300
    if not ok and not error:
        error = f"HTTP {code}"
    retry_in: float | None = None
    if ok:
        status = DeliveryStatus.SUCCEEDED
        next_at = delivery.next_attempt_at
    elif delivery.attempts >= settings.LORA_WEBHOOK_MAX_ATTEMPTS:
        status = DeliveryStatus.FAILED
        next_at = delivery.next_attempt_at
    else:
        status = DeliveryStatus.PENDING
        retry_in = backoff_seconds(delivery.attempts)
        next_at = now + timedelta(seconds=retry_in)
    WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=status,
        lease_until=None,
        next_attempt_at=next_at,
        response_code=code,
        response_body=text[:1000],
        error="" if ok else error,
    )
    if not ok:
        logger.warning("Webhook %s delivery %s failed: %s", hook.name, delivery.pk, error)
    return TryResult(sent=True, status=status, retry_in=retry_in)


def deliveries_due(*, now: datetime | None = None, limit: int = 100) -> list[uuid.UUID]:
    """Deliveries whose try is due (pending and past next_attempt_at, or a sender's lease ran
    out): the periodic sweep sends them, so a lost task message delays a delivery, never
    loses it."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


# --- "notify me when this job ends" --------------------------------------------------------


def watch_set(*, user: User, job: Job, watching: bool) -> bool:
    """Turn the user's "notify me" for a job on or off; returns whether it is on."""
    if watching:
        JobWatch.objects.get_or_create(user=user, job=job)
    else:
        JobWatch.objects.filter(user=user, job=job).delete()
    return watching


def watches_record_outcome(*, job_id: JobId, status: str, now: datetime | None = None) -> int:
    """Mark every watch of the job as having an outcome to show (once per outcome)."""
    now = now or timezone.now()
    return JobWatch.objects.filter(job_id=job_id).update(
        outcome=status, outcome_at=now, notified_at=None
    )


def notifications_acknowledge(*, user: User, job_ids: list[JobId]) -> int:
    """The browser showed these: they are not returned again (until another outcome)."""
    if not job_ids:
        raise ApplicationError("Give at least one job id.", code="validation_error")
    return JobWatch.objects.filter(user=user, job_id__in=job_ids, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
