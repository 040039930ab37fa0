"""One JSON error shape for the whole API: {"error": {"code", "message", "fields"}}.

The DRF exception handler maps framework and domain exceptions to it, and the
handler404/handler500 views give Django's own errors the same shape under /api/.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from booking.exceptions import BookingError
from clinic.errors import error_body
from clinic.outage import outage_response

API_PREFIX = "/api/"

# Codes of the framework's exceptions, by class; anything else uses the class's default_code.
_CODES: list[tuple[type[exceptions.APIException], str]] = [
    (exceptions.ValidationError, "invalid"),
    (exceptions.ParseError, "malformed_json"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "not_authenticated"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "throttled"),
]

_MESSAGES = {
    "invalid": "Please check the highlighted fields.",
    "malformed_json": "The request body is not valid JSON.",
    "not_found": "Not found.",
    # The API parses JSON only (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES): say what to send instead.
    "unsupported_media_type": "Send the request body as JSON, with the header Content-Type: application/json.",
}


def _first_message(detail: Any) -> str:
    """Return the first message in a nested DRF error detail (lists and dicts of messages)."""
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
        return ""
    if isinstance(detail, list | tuple):
        for value in detail:
            message = _first_message(value)
            if message:
                return message
        return ""
    return str(detail)


def _flatten(detail: Any) -> tuple[str, dict[str, str]]:
    """Split a ValidationError's detail into a top-level message and one message per field."""
    if not isinstance(detail, dict):
        return _first_message(detail) or _MESSAGES["invalid"], {}
    fields: dict[str, str] = {}
    message = ""
    for name, value in detail.items():
        if name in ("non_field_errors", "__all__"):
            message = _first_message(value)
        else:
            fields[str(name)] = _first_message(value)
    return message or _MESSAGES["invalid"], fields


def _code_of(exc: exceptions.APIException) -> str:
    for cls, code in _CODES:
        if isinstance(exc, cls):
            return code
    return str(exc.default_code)


def handle_exception(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render any exception raised by an API view as the one error shape (or None for a 500)."""
    if isinstance(exc, BookingError):
        set_rollback()  # nothing is half-written, even inside a view-wide atomic block
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(get_error_detail(exc))
    # DRF's own handler sets WWW-Authenticate and Retry-After and rolls back the atomic block.
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    code = _code_of(exc)
    if isinstance(exc, exceptions.ValidationError):
        message, fields = _flatten(exc.detail)
    else:
        message, fields = _MESSAGES.get(code) or _first_message(exc.detail), {}
    response.data = error_body(code, message, fields)
    return response


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Answer an unknown URL: JSON under /api/, the 404.html page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return defaults.page_not_found(request, exception)  # type: ignore[arg-type]


def server_error(request: HttpRequest) -> HttpResponse:
    """Answer an unexpected failure: JSON under /api/, the 500.html page elsewhere."""
    # A database outage met outside a view (e.g. saving the session) is still a 503.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return outage_response(request)
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            error_body("server_error", "Something went wrong on our side. Please try again later."), status=500
        )
    return defaults.server_error(request)
