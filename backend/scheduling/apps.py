from __future__ import annotations

from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "backend.scheduling"
    label = "scheduling"

    def ready(self) -> None:
        from backend.jobs.signals import job_slot_changed
        from backend.scheduling.receivers import on_job_slot_changed

        job_slot_changed.connect(on_job_slot_changed, dispatch_uid="scheduling.slot_changed")
