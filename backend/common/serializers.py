"""Request serializers that build their fields once per class instead of once per request."""

from __future__ import annotations

import threading
from typing import ClassVar

from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict

_building = threading.Lock()


class SharedFieldsSerializer(serializers.Serializer):
    """A request body serializer whose fields are built and bound once per class.

    DRF deep-copies every declared field for each serializer instance, so that an instance may
    change its own fields. For a metric report that meant constructing sixteen fields per
    request: 11% of the web server's CPU in the load bench (`bench/load_bench.py`), more than
    validating the body itself.

    These serializers never change their fields per instance, and validating only reads the
    fields (their validators are built lazily once and never change), so every instance of a
    class shares one set. The set is bound to a data-less template instance of the class: a
    field's `root` (read for `partial` and `context`) never points at another request's data.
    The validated data, the errors and `validate()` stay per instance.
    """

    _shared_fields: ClassVar[BindingDict]

    @property
    def fields(self) -> BindingDict:  # type: ignore[override]  # DRF: a cached_property
        cls = type(self)
        shared = cls.__dict__.get("_shared_fields")
        if shared is None:
            # The lock keeps two threads of a new process from binding two sets at once.
            with _building:
                shared = cls.__dict__.get("_shared_fields")
                if shared is None:
                    template = cls()
                    shared = BindingDict(template)
                    for name, field in template.get_fields().items():
                        shared[name] = field
                    cls._shared_fields = shared
        return shared
