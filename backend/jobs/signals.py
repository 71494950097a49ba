"""Signals other apps subscribe to without the jobs app importing them.

`job_slot_changed` fires (after commit) whenever a job entered the queue or left a slot: created,
finished, failed, cancelled, re-queued. The scheduler listens and runs the dispatcher.
"""

from __future__ import annotations

from django.dispatch import Signal

job_slot_changed = Signal()  # kwargs: job_id
