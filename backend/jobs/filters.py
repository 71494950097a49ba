"""Query-string filters of the jobs list (django-filter), validated so bad values give 400."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.utils import timezone

from backend.common.parsing import UtcDateTimeField
from backend.jobs.models import ACTIVE_STATUSES, Job, JobStatus

STATUS_GROUPS: dict[str, frozenset[str]] = {
    "active": frozenset(ACTIVE_STATUSES),
    "queued": frozenset({JobStatus.QUEUED}),
    "completed": frozenset({JobStatus.COMPLETED}),
    "failed": frozenset({JobStatus.FAILED}),
    "cancelled": frozenset({JobStatus.CANCELLED}),
    "paused": frozenset({JobStatus.PAUSED}),
}
DATE_RANGES = {"7d": 7, "30d": 30, "90d": 90}


class StatusListField(forms.CharField):
    """Comma-separated statuses and/or groups (active = provisioning, running, cancelling)."""

    def clean(self, value: Any) -> list[str] | None:
        value = super().clean(value)
        if not value:
            return None
        statuses: set[str] = set()
        for part in (p.strip() for p in value.split(",") if p.strip()):
            if part in STATUS_GROUPS:
                statuses |= STATUS_GROUPS[part]
            elif part in JobStatus.values:
                statuses.add(part)
            else:
                choices = ", ".join([*JobStatus.values, "active"])
                raise forms.ValidationError(f"Unknown status {part!r}. Use one of: {choices}.")
        return sorted(statuses)


class StatusListFilter(django_filters.Filter):
    field_class = StatusListField

    def filter(self, qs: QuerySet[Job], value: list[str] | None) -> QuerySet[Job]:
        return qs.filter(status__in=value) if value else qs


class UtcDateTimeFilter(django_filters.Filter):
    """An ISO 8601 time with any offset, compared in UTC (see parsing.UtcDateTimeField)."""

    field_class = UtcDateTimeField


class JobFilter(django_filters.FilterSet):
    status = StatusListFilter(help_text="Comma list of statuses or groups (active, queued, ...).")
    date_range = django_filters.ChoiceFilter(
        choices=[(k, f"Last {v} days") for k, v in DATE_RANGES.items()],
        method="filter_date_range",
        help_text="Created within the last 7, 30 or 90 days.",
    )
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lte")
    creator = django_filters.CharFilter(
        method="filter_creator",
        help_text="A user id, or `me` for your own jobs.",
        validators=[RegexValidator(r"^(me|\d{1,18})$", "Use a user id or `me`.")],
    )
    gpu_type = django_filters.CharFilter(field_name="gpu_type__slug")
    cost_min = django_filters.NumberFilter(field_name="final_cost", lookup_expr="gte")
    cost_max = django_filters.NumberFilter(field_name="final_cost", lookup_expr="lte")
    search = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", help_text="Part of the job name."
    )

    class Meta:
        model = Job
        fields: list[str] = []

    def filter_date_range(self, qs: QuerySet[Job], name: str, value: str) -> QuerySet[Job]:
        return qs.filter(created_at__gte=timezone.now() - timedelta(days=DATE_RANGES[value]))

    def filter_creator(self, qs: QuerySet[Job], name: str, value: str) -> QuerySet[Job]:
        if value == "me":
            return qs.filter(created_by=self.request.user)
        return qs.filter(created_by_id=int(value))
