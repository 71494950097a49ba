"""`make run`: one machine; SQLite and embedded Redis unless DATABASE_URL / REDIS_URL are set."""

from __future__ import annotations

from backend.config.env import env_bool, env_int, env_str
from backend.config.settings.base import *  # noqa: F403

DEBUG = env_bool("DJANGO_DEBUG", True)

# `make run` (manage.py run_all): where the web server listens.
LORA_RUN_HOST = env_str("LORA_RUN_HOST", "127.0.0.1")
LORA_RUN_PORT = env_int("LORA_RUN_PORT", 8000, minimum=1)

# SQLite serves the web server, the scheduler and the demo seeding at once. WAL lets readers run
# beside a writer, and IMMEDIATE transactions take the write lock when they begin: without it two
# transactions that read and then write deadlock and one fails with "database is locked", since
# select_for_update is a no-op on SQLite. The timeout makes writers queue instead of failing.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["OPTIONS"] = {  # noqa: F405
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
