from __future__ import annotations

from django.urls import path

from backend.notifications import views

urlpatterns = [
    path("webhooks", views.WebhookListCreateView.as_view(), name="webhook-list"),
    path("webhooks/<uuid:pk>", views.WebhookDetailView.as_view(), name="webhook-detail"),
    path(
        "webhooks/<uuid:pk>/rotate-secret",
        views.WebhookRotateSecretView.as_view(),
        name="webhook-rotate-secret",
    ),
    path("webhooks/<uuid:pk>/test", views.WebhookTestView.as_view(), name="webhook-test"),
    path(
        "webhooks/<uuid:pk>/deliveries",
        views.WebhookDeliveryListView.as_view(),
        name="webhook-deliveries",
    ),
    path("jobs/<uuid:pk>/watch", views.JobWatchView.as_view(), name="job-watch"),
    path("notifications", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/ack", views.NotificationAckView.as_view(), name="notifications-ack"),
]
