"""Signals other apps subscribe to, so the jobs app's models, services and state machine never
import the scheduler (its views do read queue positions and estimated starts from
`backend.scheduling.selectors`: a read-only dependency).

`job_slot_changed` fires (after commit) whenever a job entered the queue or left a slot: created,
completed, failed, cancelled, paused, re-queued. Taking a slot (provisioning) does not fire it:
only the dispatcher does that, and it keeps filling free slots by itself. The scheduler listens,
releases the job's lease and runs the dispatcher.

`job_outcome` fires (after commit) when a job reached an end — completed, failed, cancelled — or
was paused; notifications (webhooks, "notify me when this job ends") listen.
"""

from __future__ import annotations

from django.dispatch import Signal

job_slot_changed = Signal()  # kwargs: job_id
job_outcome = Signal()  # kwargs: job_id, status
