"""`manage.py seed_demo`: the first-start sign-in and demo jobs of `make run` (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from backend.launcher.demo import DEMO_USERNAME, ensure_sign_in, seed_demo_jobs


class Command(BaseCommand):
    help = "Create the demo sign-in (printed once) and submit the demo jobs, unless done before."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-jobs", action="store_true", help="Only create the sign-in.")

    def handle(self, *args: Any, **options: Any) -> None:
        user, password = ensure_sign_in()
        if password is not None:
            # run_all relays these lines; the e2e test reads them. Keep the format stable.
            self.stdout.write(f"LOGIN username={DEMO_USERNAME} password={password}")
        if options["no_jobs"]:
            return
        jobs = seed_demo_jobs(user)
        if jobs:
            self.stdout.write(f"DEMO submitted {len(jobs)} jobs on tiny-random-llama")
