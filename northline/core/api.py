"""What every API router shares: authentication (bearer token or session + CSRF) and the one
error shape `{"ok": false, "error": ..., "errors": [...], "status": N}`."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.utils import check_csrf

from northline.core.access import Access, Actor, load
from northline.core.errors import DomainError, Forbidden, Unauthorized
from northline.core.roles import READ, Role

logger = logging.getLogger(__name__)
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def error_response(status: int, error: str, errors: list[str] | None = None) -> JsonResponse:
    body = {"ok": False, "error": error, "errors": errors or [error], "status": status}
    return JsonResponse(body, status=status)


def authenticate(request: HttpRequest) -> Actor | None:
    """A bearer token when the request carries one, else the session (with CSRF on writes)."""
    from northline.accounts.services import authenticate_token

    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("Authorization: expected 'Bearer <token>'")
        token = authenticate_token(secret.strip())
        return Actor(user=token.user, token=token)
    if request.user.is_authenticated:
        if request.method in UNSAFE and check_csrf(request) is not None:
            raise Forbidden("CSRF check failed; send the X-CSRFToken header")
        return Actor(user=request.user)
    return None


def actor(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]


def workspace_access(request: HttpRequest, slug: str, needed: Role = READ) -> Access:
    return load(actor(request), slug, needed)


def field_of(location: list[Any]) -> str:
    """Pydantic's ("body", "payload", "email") → "email"."""
    parts = [str(p) for p in location if p not in ("body", "query", "path", "payload", "form")]
    return ".".join(parts) or "body"


def on_validation_error(request: HttpRequest, exc: Any) -> HttpResponse:
    errors = []
    for item in exc.errors:
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        errors.append(f"{field_of(list(item.get('loc', [])))}: {message}")
    return error_response(422, errors[0] if len(errors) == 1 else "Invalid input", errors)


def on_too_big(request: HttpRequest, exc: Any) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error_response(413, f"body: larger than the limit of {limit} bytes")


def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, RequestDataTooBig):
        return on_too_big(request, cause)
    if isinstance(cause, json.JSONDecodeError):
        return error_response(
            400, f"body: malformed JSON ({cause.msg} at line {cause.lineno} column {cause.colno})"
        )
    if isinstance(exc, AuthenticationError):
        return error_response(401, "Authentication required: send 'Authorization: Bearer <token>'")
    return error_response(exc.status_code, str(exc))


def install_error_handlers(api: NinjaAPI) -> None:
    api.add_exception_handler(
        DomainError, lambda r, e: error_response(e.status, e.message, e.errors)
    )
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, lambda r, e: error_response(404, "Not found"))
    api.add_exception_handler(RequestDataTooBig, on_too_big)
    api.add_exception_handler(Exception, on_unexpected)


def on_unexpected(request: HttpRequest, exc: Any) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path)
    return error_response(500, "Internal error; it was logged")
