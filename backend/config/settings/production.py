"""Production: everything sensitive comes from the environment, and nothing defaults to insecure."""

from __future__ import annotations

from backend.config.env import env_bool, env_int, env_str
from backend.config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY")  # no default: refuse to start without one
if SECRET_KEY.startswith("insecure"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a real secret in production.")
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0, minimum=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Workers of a real fleet must authenticate: no default.
LORA_WORKER_SECRET = env_str("LORA_WORKER_SECRET")
