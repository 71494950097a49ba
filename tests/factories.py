"""factory_boy factories shared by the backend tests."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from backend.accounts.models import User
from backend.datasets.models import Dataset
from backend.jobs.models import GpuType, Job, JobStatus, StageRun
from backend.jobs.models.stage import STAGE_ORDER
from worker.contract.hyperparameters import resolve_hyperparameters

CHAT_LINE = {
    "messages": [
        {"role": "user", "content": "What does LoRA train?"},
        {"role": "assistant", "content": "Small low-rank adapter matrices beside frozen weights."},
    ]
}


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery")
    role = User.Role.MEMBER


class GpuTypeFactory(factory.django.DjangoModelFactory[GpuType]):
    class Meta:
        model = GpuType
        django_get_or_create = ("slug",)

    slug = "h100-80gb"
    name = "H100"
    memory_gb = 80
    spot_hourly_rate = Decimal("2.49")
    on_demand_hourly_rate = Decimal("4.49")
    bf16_tflops = 989.0


class DatasetFactory(factory.django.DjangoModelFactory[Dataset]):
    class Meta:
        model = Dataset

    name = factory.Sequence(lambda n: f"dataset-{n}")
    uploaded_by = factory.SubFactory(UserFactory)
    file = factory.LazyFunction(lambda: ContentFile(jsonl([CHAT_LINE] * 20), name="d.jsonl"))
    size_bytes = 2000
    format = Dataset.Format.CHAT
    num_examples = 20
    total_chars = 20 * 80
    trainable_chars = 20 * 54
    is_valid = True
    errors = factory.LazyFunction(list)


class JobFactory(factory.django.DjangoModelFactory[Job]):
    """A job row as the services would leave it; use `jobs.services.job_create` when the
    behaviour under test is creation itself."""

    class Meta:
        model = Job
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"job-{n}")
    created_by = factory.SubFactory(UserFactory)
    dataset = factory.SubFactory(DatasetFactory)
    base_model = "tiny-random-llama"
    preset = "balanced"
    hyperparameters = factory.LazyFunction(lambda: resolve_hyperparameters("balanced", None))
    gpu_type = factory.SubFactory(GpuTypeFactory)
    pricing = "spot"
    hourly_rate = Decimal("2.49")
    status = JobStatus.QUEUED
    created_at = factory.LazyFunction(timezone.now)
    queued_at = factory.LazyAttribute(lambda j: j.created_at)
    queue_order = factory.LazyAttribute(lambda j: j.created_at.timestamp())
    total_epochs = 3
    total_steps = 100

    @factory.post_generation
    def stages(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            StageRun.objects.bulk_create(
                StageRun(job=self, stage=s, position=i) for i, s in enumerate(STAGE_ORDER)
            )
