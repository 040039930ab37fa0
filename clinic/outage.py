"""Answer a database outage with 503 (JSON for the API, a friendly page otherwise), never a crash loop."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "30"


def outage_response(request: HttpRequest) -> HttpResponse:
    """Return the 503 answer for a request that met an unreachable database."""
    # Drop the broken connections so the next request reconnects by itself.
    for conn in connections.all(initialized_only=True):
        conn.close_if_unusable_or_obsolete()
    message = "The booking service is briefly unavailable. Please try again in a minute."
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"error": {"code": "service_unavailable", "message": message, "fields": {}}}, status=503
        )
    else:
        body: str
        try:
            body = render_to_string("503.html", {"message": message})
        except Exception:  # the page must not depend on anything that can fail in an outage
            body = f"<!doctype html><title>Unavailable</title><p>{message}</p>"
        response = HttpResponse(body, status=503)
    response["Retry-After"] = RETRY_AFTER_SECONDS
    return response


class DatabaseOutageMiddleware:
    """Turn OperationalError/InterfaceError raised by a view into a 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError):
            logger.warning("Database unavailable on %s %s: %s", request.method, request.path, type(exception).__name__)
            return outage_response(request)
        return None
