"""The Django-side Celery app: periodic scheduling tasks (dispatcher, reaper).

Training runs in a separate Celery app (`worker.celery_app`) on GPU hosts that never import
Django; the backend sends it tasks by name.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.local")

app = Celery("lora_backend")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
