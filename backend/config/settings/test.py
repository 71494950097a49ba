"""pytest: the real PostgreSQL and Redis of the machine (DATABASE_URL / REDIS_URL)."""

from __future__ import annotations

import os

import dj_database_url

from backend.config.env import env_int
from backend.config.settings.base import *  # noqa: F403
from backend.config.settings.base import VAR_DIR

# Connections close after each request unless LORA_DB_CONN_MAX_AGE says otherwise: the load
# bench keeps them open, as production does (base settings: 60 s), or it would measure mostly
# PostgreSQL's connection start-up.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
        conn_max_age=env_int("LORA_DB_CONN_MAX_AGE", 0, minimum=0),
    )
}
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
CELERY_BROKER_URL = REDIS_URL
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LORA_WORKER_SECRET = "test-worker-secret"
