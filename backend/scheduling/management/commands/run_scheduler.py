"""`manage.py run_scheduler`: the periodic scheduler without Celery beat.

Loops reap + dispatch every few seconds. Used by `make run`; in production either this or
`celery -A backend.config.celery beat` (with a Django-side worker) does the same job, and running
both (or several of either) is safe.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from backend.notifications.sweep import resend_lost_deliveries
from backend.scheduling.dispatch import dispatch_queued
from backend.scheduling.reaper import reap_lost

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the reaper and the dispatcher in a loop (the periodic scheduler)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between runs (default: the smaller of the dispatch/reap intervals).",
        )
        parser.add_argument("--once", action="store_true", help="Run one round and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"] or min(
            settings.LORA_DISPATCH_INTERVAL_SECONDS, settings.LORA_REAP_INTERVAL_SECONDS
        )
        while True:
            try:
                reaped = reap_lost()
                started = dispatch_queued()
                resend_lost_deliveries()
                if reaped or started:
                    self.stdout.write(f"reaped {reaped} started {started}")
            except Exception:
                # Keep looping: a Redis or database hiccup must not stop scheduling for good.
                logger.exception("Scheduler round failed")
            if options["once"]:
                return
            time.sleep(interval)
            # A long-lived process: drop a connection the database closed meanwhile.
            close_old_connections()
