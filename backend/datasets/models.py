from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


def dataset_upload_to(instance: Dataset, filename: str) -> str:
    return f"datasets/{instance.id}.jsonl"


class Dataset(models.Model):
    """An uploaded JSONL training file, validated line by line when it arrives."""

    class Format(models.TextChoices):
        CHAT = "chat", "Chat (messages)"
        PROMPT_COMPLETION = "prompt_completion", "Prompt / completion"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    file = models.FileField(upload_to=dataset_upload_to, max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="datasets"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    size_bytes = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    format = models.CharField(max_length=32, choices=Format.choices, blank=True)
    num_examples = models.PositiveIntegerField(default=0)
    # Characters of text that the model will read, per example type; the estimator turns
    # these into tokens with the chosen model's tokenizer ratio.
    total_chars = models.BigIntegerField(default=0)
    trainable_chars = models.BigIntegerField(default=0)
    is_valid = models.BooleanField(default=False)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return self.name
