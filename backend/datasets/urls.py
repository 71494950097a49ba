from __future__ import annotations

from django.urls import path

from backend.datasets import views

urlpatterns = [
    path("datasets", views.DatasetListCreateView.as_view(), name="dataset-list"),
    path("datasets/<uuid:pk>", views.DatasetDetailView.as_view(), name="dataset-detail"),
]
