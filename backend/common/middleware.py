"""Request limits before any view reads the body, and the one error shape for every reply.

`RequestLimitsMiddleware` answers, before the body is read:

- 414 when the path and query are longer than `MAX_URI_BYTES` (under gunicorn a request line
  longer than that is refused by the server itself, in the same shape: see
  `backend/config/gunicorn.py`);
- 413 when `Content-Length` is larger than the view's limit: the view class's
  `request_body_limit()`, or `DATA_UPLOAD_MAX_MEMORY_SIZE` for everything else;
- for a body sent with `Transfer-Encoding: chunked` (no length; Django would read it as empty
  and answer a misleading "field required"): the body is spooled, up to the limit (413 past
  it), to memory or a temporary file, and handed to the view with its real length; 400 when
  the server cannot de-chunk it (a malformed chunk size); 411 when the server below gives no
  way to read it;
- 400 for NUL characters in query values (PostgreSQL cannot compare against them), for a
  parameter given more than once, and for an empty one.

It also puts a `LimitedUploadHandler` on the request, so a multipart upload is cut off (its
temporary file removed, the reply a 413) the moment more bytes arrive than the limit, whatever
the header said.

`ErrorShapeMiddleware` sits outermost and rewrites every error reply that is not JSON yet
(Django's 404/500 pages, the DEBUG technical pages, CSRF failures, 405s of plain views,
DisallowedHost's 400) into `{"error": {"code", "message", "fields"}}`, without tracebacks.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse, JsonResponse

from backend.common.errors import PayloadTooLarge, error_body
from backend.common.parsing import text_problem

MAX_URI_BYTES = 8190
# Room for the multipart boundaries and the small form fields next to an uploaded file.
MULTIPART_OVERHEAD_BYTES = 1024 * 1024
# A chunked body up to this size stays in memory while it is spooled; larger ones go to disk.
SPOOL_MEMORY_BYTES = 2 * 1024 * 1024

STATUS_CODES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request is malformed."),
    401: ("not_authenticated", "Authentication credentials were not provided."),
    403: ("permission_denied", "You do not have permission to perform this action."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed here."),
    406: ("not_acceptable", "The requested content type is not available."),
    411: ("length_required", "Send the body with a Content-Length header (no chunked bodies)."),
    413: ("payload_too_large", "The request body is too large."),
    414: ("uri_too_long", "The request URI is too long."),
    415: ("unsupported_media_type", "Unsupported content type."),
    429: ("throttled", "Too many requests."),
    500: ("server_error", "The server failed to answer this request; it has been logged."),
}


def error_response(
    status: int, message: str | None = None, fields: dict[str, list[str]] | None = None
) -> JsonResponse:
    code, default = STATUS_CODES.get(status, ("error", "Request failed."))
    return JsonResponse(error_body(code, message or default, fields), status=status)


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Streams uploads to temporary files and stops at `limit` bytes over all files: the file
    being written is closed (which deletes it) and the request ends in a 413."""

    def __init__(self, request: HttpRequest | None = None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            self.file.close()  # a NamedTemporaryFile: closing removes it from disk
            # Not StopUpload: that would hand the view a request without the file. This
            # propagates out of the parser and the exception handler answers 413.
            raise PayloadTooLarge(f"The upload is larger than {self.limit:,} bytes.")
        return super().receive_data_chunk(raw_data, start)


def view_body_limit(view_func: Callable[..., Any]) -> int:
    """The largest body a view accepts: its class's `request_body_limit()` (upload endpoints)
    or the JSON default, DATA_UPLOAD_MAX_MEMORY_SIZE."""
    view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
    limit = getattr(view_class, "request_body_limit", None)
    return int(limit()) if callable(limit) else settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class RequestLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        uri_length = len(request.META.get("PATH_INFO", "")) + len(
            request.META.get("QUERY_STRING", "")
        )
        if uri_length > MAX_URI_BYTES:
            return error_response(414, f"The URI is longer than {MAX_URI_BYTES} bytes.")
        problems: dict[str, list[str]] = {}
        for key, values in request.GET.lists():
            if len(values) > 1:
                # Every parameter of this API is single-valued (lists are comma-separated);
                # a repeated one would otherwise silently mean its last value.
                problems.setdefault(key, []).append("Give this parameter once.")
            elif values == [""]:
                # `?search=` would silently mean "no filter": say so instead.
                problems.setdefault(key, []).append("Give a value or leave the parameter out.")
            for value in [key, *values]:
                problem = text_problem(value)
                if problem is not None:
                    problems.setdefault(key if text_problem(key) is None else "<key>", []).append(
                        problem
                    )
        if problems:
            return error_response(400, "Some query parameters are invalid.", problems)
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        limit = view_body_limit(view_func)
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not request.META.get("CONTENT_LENGTH"):
            refused = _spool_chunked_body(request, limit)
            if refused is not None:
                return refused
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(400, "The Content-Length header is not a number.")
        if length < 0:
            return error_response(400, "The Content-Length header is negative.")
        if length > limit:
            return error_response(
                413, f"The request body is {length:,} bytes; this endpoint accepts {limit:,}."
            )
        request.upload_handlers = [LimitedUploadHandler(request, limit=limit)]
        return None


def _spool_chunked_body(request: HttpRequest, limit: int) -> HttpResponse | None:
    """Read a chunked body (the WSGI server has de-chunked it) up to `limit` bytes into a
    spooled file and make it the request's body, with its length."""
    source = request.META.get("wsgi.input")
    if source is None:
        return error_response(411)
    # Not a context manager: the spool becomes the request body and outlives this function.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
    total = 0
    try:
        while chunk := source.read(64 * 1024):
            total += len(chunk)
            if total > limit:
                spool.close()
                return error_response(413, f"The request body is larger than {limit:,} bytes.")
            spool.write(chunk)
    except Exception:  # the server's de-chunking refused the body (gunicorn: InvalidChunkSize...)
        spool.close()
        return error_response(400, "The chunked request body is malformed.")
    spool.seek(0)
    request.META["CONTENT_LENGTH"] = str(total)
    # WSGIRequest captured the (zero) length when it was built; give it the spooled body.
    # (The spool's disk file, if any, is unlinked at creation: nothing is left behind.)
    request._stream = LimitedStream(spool, total)  # type: ignore[arg-type,assignment]
    return None


def _is_json(response: HttpResponse) -> bool:
    return "json" in response.get("Content-Type", "")


class ErrorShapeMiddleware:
    """Outermost: every error reply leaves in the one error shape (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or _is_json(response):
            return response
        shaped = error_response(response.status_code)
        # Keep the headers that carry meaning for the client (Allow on 405, Retry-After on 429,
        # WWW-Authenticate on 401); drop the rest of the HTML page's headers.
        for header in ("Allow", "Retry-After", "WWW-Authenticate", "Vary"):
            if header in response:
                shaped[header] = response[header]
        for cookie in response.cookies.values():
            shaped.cookies[cookie.key] = cookie
        return shaped


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: the CSRF refusal in the one error shape."""
    return JsonResponse(
        error_body(
            "csrf_failed",
            "CSRF check failed: fetch /api/auth/csrf and send its cookie's value in X-CSRFToken.",
            {"non_field_errors": [reason]} if reason else None,
        ),
        status=403,
    )
