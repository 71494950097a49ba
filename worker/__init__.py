"""Celery worker side of LoRA Pipeline: the API client, task entry and the training core."""
