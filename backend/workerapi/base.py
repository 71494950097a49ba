"""The base view of every worker endpoint: bearer-token auth only, token rules, body limits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from backend.common.errors import PayloadTooLarge
from backend.jobs.models import Attempt
from backend.workerapi.auth import (
    AttemptTokenAuthentication,
    HasAttemptToken,
    check_attempt,
    check_fence,
)
from backend.workerapi.serializers import WorkerErrorSerializer


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The documented error responses of an endpoint (all in the one error shape)."""
    text = {
        400: "Invalid body (field errors) or a sha256 mismatch (`checksum_mismatch`).",
        401: "No or unknown token, or the attempt has ended.",
        404: "The token belongs to another job.",
        409: "`stale_attempt` (lease lost, newer attempt, wrong attempt/fence): stop. Other "
        "codes: the job's state does not allow this.",
        413: "The body or the upload is too large.",
    }
    return {c: OpenApiResponse(WorkerErrorSerializer, description=text[c]) for c in codes}


class WorkerAPIView(APIView):
    """Worker endpoints accept only the per-attempt bearer token (no cookies, no user tokens)."""

    authentication_classes = [AttemptTokenAuthentication]
    permission_classes = [HasAttemptToken]
    # Workers are not users: their rate is bounded by the job's own reporting loop, and 429s
    # would only make them retry. The body limit and the token rules still apply.
    throttle_classes: list[type] = []

    @classmethod
    def request_body_limit(cls) -> int:
        """Largest body this endpoint accepts (JSON reports by default); RequestLimitsMiddleware
        enforces it before the body is read."""
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def body_limit(self) -> int:
        return self.request_body_limit()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        check_attempt(self.attempt, job_id=kwargs["job_id"])
        # DRF's JSON parser reads the stream without Django's DATA_UPLOAD_MAX_MEMORY_SIZE check,
        # so the limit is enforced here, before anything reads the body.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > self.body_limit():
            raise PayloadTooLarge(
                f"The request body is larger than {self.body_limit():,} bytes.",
            )

    @property
    def attempt(self) -> Attempt:
        return self.request.auth  # type: ignore[return-value]

    def validated(
        self, serializer_class: type[serializers.Serializer], *, fenced: bool = True
    ) -> dict[str, Any]:
        """Validate the body; for writes, check (attempt, fence) from the body or headers."""
        body: Any = self.request.data
        if fenced and hasattr(body, "get"):
            # X-Attempt / X-Fence stand in for missing body fields.
            headers = {
                name: self.request.META[header]
                for name, header in (("attempt", "HTTP_X_ATTEMPT"), ("fence", "HTTP_X_FENCE"))
                if header in self.request.META and name not in body
            }
            if headers:
                body = {**(body.dict() if hasattr(body, "dict") else body), **headers}
        serializer = serializer_class(data=body)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(serializer.validated_data)
        if fenced:
            check_fence(self.attempt, number=data["attempt"], fence=data["fence"])
        return data
