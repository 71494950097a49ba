"""Periodic scheduling tasks for `celery beat` (see CELERY_BEAT_SCHEDULE). Both are idempotent:
running them twice, late, or on several hosts at once is harmless."""

from __future__ import annotations

from celery import shared_task

from backend.scheduling.dispatch import dispatch_queued
from backend.scheduling.reaper import reap_lost


@shared_task(name="scheduling.dispatch", ignore_result=True)
def dispatch_task() -> list[str]:
    return dispatch_queued()


@shared_task(name="scheduling.reap", ignore_result=True)
def reap_task() -> list[str]:
    # Reaping frees slots, so dispatch right after instead of waiting for the next tick.
    reaped = reap_lost()
    if reaped:
        dispatch_queued()
    return reaped
