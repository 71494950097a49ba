from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "backend.notifications"
    label = "notifications"

    def ready(self) -> None:
        from backend.jobs.signals import job_outcome
        from backend.notifications.receivers import on_job_outcome

        job_outcome.connect(on_job_outcome, dispatch_uid="notifications.job_outcome")
