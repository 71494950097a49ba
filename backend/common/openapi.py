"""drf-spectacular additions: `auth_scheme`, which describes an authentication class (the
personal-token scheme here, the worker ones in backend/workerapi/schema.py), and every
operation's error replies in the one error shape (`Error`), added by a post-processing hook so
no view can forget one. Which statuses an operation documents follows from what the layers
above it do:

- 400: a body, a query parameter or a path (the parsing layer and the serializers);
- 401 / 403: any endpoint that needs credentials (401: none or bad ones; 403: not allowed, or
  a session request without its CSRF token);
- 404: a path with an id (a malformed id is a 404 too);
- 404 also on paginated lists (a `page` past the end);
- 409: DELETE and the actions on an object (POST on a path with an id): the state forbids it;
- 413 / 415: a body (over the limit, checked before it is read / unsupported type);
- 414: every operation (URI over 8190 bytes);
- 429: the user API (per-user rates) and sign-in (per IP, lockout after failures);
- 500: every operation: the server failed (logged), still in the error shape.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The one error shape of every non-2xx reply.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "Machine-readable, e.g. not_found."},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "description": "Messages per field (`name`, `points[0].step`, `line 3`).",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}

DESCRIPTIONS = {
    "400": "Invalid input: field messages in `error.fields`.",
    "401": "No or invalid credentials (the reply carries `WWW-Authenticate`).",
    "403": "Not allowed for this user, or a session request without its CSRF token.",
    "404": "No such object (also for a malformed id).",
    "409": "The object's state does not allow this.",
    "413": "The body is larger than this endpoint accepts (checked before it is read).",
    "414": "The URI is too long.",
    "415": "Unsupported body content type.",
    "429": "Too many requests: wait `Retry-After` seconds.",
    "500": "The server failed; the error is logged.",
}

RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds to wait before the next try.",
    }
}
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {"schema": {"type": "string"}, "description": "The auth challenge."}
}


def auth_scheme(
    *, target: str, name: str, definition: dict[str, Any]
) -> type[OpenApiAuthenticationExtension]:
    """Register the OpenAPI security scheme `name` for the authentication class at `target`
    (a dotted path): drf-spectacular picks up every extension class when it is created."""

    def get_security_definition(self: Any, auto_schema: Any) -> dict[str, Any]:
        return definition

    return type(
        f"{name[0].upper()}{name[1:]}Scheme",
        (OpenApiAuthenticationExtension,),
        {"target_class": target, "name": name, "get_security_definition": get_security_definition},
    )


ApiTokenScheme = auth_scheme(
    target="backend.accounts.authentication.ApiTokenAuthentication",
    name="tokenAuth",
    definition={
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "A personal API token: `Authorization: Token <key>` (create, list "
        "and revoke them under /api/auth/tokens).",
    },
)


def _statuses(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    codes = ["400", "414", "500"]
    has_body = "requestBody" in operation
    public = any(not requirement for requirement in operation.get("security", [{}]))
    worker = path.startswith("/api/worker/")
    if not public:
        codes.append("401")
    if not worker and (not public or method != "get"):
        codes.append("403")  # not allowed, or an unsafe session request without CSRF
    params = {p.get("name") for p in operation.get("parameters", [])}
    if "{" in path or "page" in params:
        codes.append("404")
    if has_body:
        codes += ["413", "415"]
    if not worker and (not public or path in ("/api/auth/login", "/api/auth/token")):
        codes.append("429")
    if (method == "delete" and not path.startswith("/api/auth/")) or (
        method == "post" and "{" in path
    ):
        codes.append("409")
    return codes


def _constrain_query_parameters(operation: dict[str, Any]) -> None:
    """What RequestLimitsMiddleware enforces on every query parameter, in the schema: not empty,
    no NUL; django-filter's number filters stop at 1e50."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        schema = parameter.setdefault("schema", {})
        if schema.get("type") == "string" and "enum" not in schema:
            schema.setdefault("minLength", 1)
            if "pattern" not in schema and "format" not in schema:
                schema["pattern"] = "^[^\\x00]+$"
        elif schema.get("type") == "number":
            schema.setdefault("maximum", 1e50)


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS entry: document the error replies of every operation (and the
    query-parameter rules every operation enforces)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            _constrain_query_parameters(operation)
            responses = operation.setdefault("responses", {})
            for code, reply in responses.items():
                # A view that documented an error with a description only: give it the body.
                if str(code) >= "400" and "content" not in reply:
                    reply["content"] = {"application/json": {"schema": ref}}
            for code in _statuses(path, method, operation):
                reply = responses.setdefault(
                    code,
                    {
                        "description": DESCRIPTIONS[code],
                        "content": {"application/json": {"schema": ref}},
                    },
                )
                if code == "429":
                    reply.setdefault("headers", {}).update(RETRY_AFTER)
                if code == "401":
                    reply.setdefault("headers", {}).update(WWW_AUTHENTICATE)
    return result
