"""Gzip for the API's JSON answers, and for nothing that mixes a secret with what a caller sent.

BREACH guesses a secret that sits in a compressed body next to text the attacker chooses:
each right guess makes the body a few bytes shorter. Django's GZipMiddleware adds up to 100
random bytes to each answer ("Heal the Breach", Django 4.2+) and Django masks the CSRF token
anew on every page; both slow the guessing, neither stops it. So the HTML pages stay
uncompressed: they carry the CSRF token and a patient's intake beside echoed form input and
query text. The JSON answers are compressed: the catalogue, therapists and availability hold
no secret; credentials travel in headers, which gzip leaves alone; a token answer holds a
token made for that one answer, so there is nothing stable to guess. A private answer
(appointments, intake) is compressed for a token client, which another site cannot drive;
it is not compressed for the site's own pages, whose session cookie a cross-site
navigation would carry while its query string is echoed in the answer's page links.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

# The media types that are compressed; every other answer (HTML above all) goes out as it is.
COMPRESSED_TYPES = frozenset({"application/json", "application/vnd.oai.openapi", "application/vnd.oai.openapi+json"})


def media_type(response: HttpResponseBase) -> str:
    """Return the response's media type without its parameters, in lower case."""
    return response.get("Content-Type", "").split(";", 1)[0].strip().lower()


def _is_private(response: HttpResponseBase) -> bool:
    # clinic.headers marks every answer about a signed-in person so (it runs inside this middleware).
    cache_control = response.get("Cache-Control", "")
    return "no-store" in cache_control or "private" in cache_control


def _signed_in_by_cookie(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME in request.COOKIES and "HTTP_AUTHORIZATION" not in request.META


class JsonGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware (with its random-length mitigation), for JSON and the OpenAPI schema only."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if media_type(response) not in COMPRESSED_TYPES:
            return response
        if _is_private(response) and _signed_in_by_cookie(request):
            return response
        return super().process_response(request, response)
