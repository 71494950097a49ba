from __future__ import annotations

from django.apps import AppConfig


class WorkerApiConfig(AppConfig):
    name = "backend.workerapi"
    label = "workerapi"

    def ready(self) -> None:
        # Registers the OpenAPI security scheme of the worker token.
        from backend.workerapi import schema  # noqa: F401
