from __future__ import annotations

from django.apps import AppConfig


class WorkerApiConfig(AppConfig):
    name = "backend.workerapi"
    label = "workerapi"
