from __future__ import annotations

from django.contrib import admin

from backend.telemetry.models import METRIC_VALUE_FIELDS, Event, MetricPoint


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    list_display = ("job", "seq", "attempt", "type", "message", "created_at")
    list_filter = ("type",)
    search_fields = ("message", "job__name")
    list_select_related = ("job",)
    raw_id_fields = ("job",)
    show_full_result_count = False  # COUNT(*) over millions of rows on every page is wasteful


@admin.register(MetricPoint)
class MetricPointAdmin(admin.ModelAdmin[MetricPoint]):
    list_display = ("job", "step", *METRIC_VALUE_FIELDS)
    list_select_related = ("job",)
    raw_id_fields = ("job",)
    show_full_result_count = False
