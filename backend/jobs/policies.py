"""Who may do what to a job. Everyone signed in sees the team's jobs."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from backend.accounts.models import User
from backend.jobs.models import ACTIVE_STATUSES, FINISHED_STATUSES, Job, JobStatus, Stage


def can_manage(user: User | AnonymousUser, job: Job) -> bool:
    """Cancel, pause, resume, delete or remove from the queue: the job's creator or a manager."""
    # Only a signed-in user is a User (the anonymous one manages nothing).
    return isinstance(user, User) and (job.created_by_id == user.pk or user.is_manager)


def allowed_actions(user: User | AnonymousUser, job: Job) -> list[str]:
    actions: list[str] = []
    if can_manage(user, job):
        if job.status in ACTIVE_STATUSES - {JobStatus.CANCELLING} or job.status in (
            JobStatus.QUEUED,
            JobStatus.PAUSED,
        ):
            actions.append("cancel")
        if job.status in FINISHED_STATUSES:
            actions.append("delete")
        if job.status == JobStatus.QUEUED:
            actions.append("remove_from_queue")
        # Pause during the training stage only (a pause while finalizing is refused); one
        # request at a time.
        if (
            job.status == JobStatus.RUNNING
            and job.stage == Stage.TRAINING
            and job.pause_requested_at is None
        ):
            actions.append("pause")
        if job.status == JobStatus.PAUSED:
            actions.append("resume")
    if job.status == JobStatus.QUEUED and isinstance(user, User) and user.is_manager:
        actions.append("promote")
    return actions
