"""Admin: webhooks with a "send test" action, and the delivery log (every try's outcome)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from backend.notifications.models import JobWatch, Webhook, WebhookDelivery
from backend.notifications.services import delivery_test


class DeliveryInline(admin.TabularInline[WebhookDelivery, Webhook]):
    model = WebhookDelivery
    extra = 0
    can_delete = False
    max_num = 0
    fields = ("created_at", "event", "status", "attempts", "response_code", "error")
    readonly_fields = fields
    ordering = ("-created_at",)
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookDelivery]:
        return super().get_queryset(request).order_by("-created_at")


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin[Webhook]):
    list_display = ("name", "url", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "url")
    actions = ["send_test"]
    inlines = [DeliveryInline]

    @admin.action(description="Send a test delivery")
    def send_test(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for hook in queryset:
            delivery_test(webhook=hook)
        self.message_user(
            request,
            f"Sent a test delivery to {queryset.count()} webhook(s); see the delivery log.",
            messages.SUCCESS,
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    list_display = (
        "created_at",
        "webhook",
        "event",
        "job",
        "status",
        "attempts",
        "response_code",
        "next_attempt_at",
    )
    list_filter = ("status", "event", "webhook")
    list_select_related = ("webhook", "job")
    raw_id_fields = ("job",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(JobWatch)
class JobWatchAdmin(admin.ModelAdmin[JobWatch]):
    list_display = ("user", "job", "outcome", "outcome_at", "notified_at")
    raw_id_fields = ("job",)
