from __future__ import annotations

from django.contrib import admin

from backend.datasets.models import Dataset


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin[Dataset]):
    list_display = (
        "name",
        "format",
        "num_examples",
        "size_bytes",
        "is_valid",
        "uploaded_by",
        "created_at",
    )
    list_filter = ("format", "is_valid")
    search_fields = ("name", "sha256", "uploaded_by__username")
    readonly_fields = (
        "sha256",
        "size_bytes",
        "format",
        "num_examples",
        "total_chars",
        "trainable_chars",
        "is_valid",
        "errors",
        "created_at",
    )
