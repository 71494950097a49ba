from __future__ import annotations

from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "backend.common"
    label = "common"

    def ready(self) -> None:
        # Registers the personal-token security scheme with drf-spectacular.
        from backend.common import openapi  # noqa: F401
        from backend.common.parsing import strict_string_fields

        strict_string_fields()
