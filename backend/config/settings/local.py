"""`make run`: one machine; SQLite and embedded Redis unless DATABASE_URL / REDIS_URL are set."""

from __future__ import annotations

from backend.config.env import env_bool
from backend.config.settings.base import *  # noqa: F403

DEBUG = env_bool("DJANGO_DEBUG", True)
