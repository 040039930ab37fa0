"""Response headers every page and API answer carries: no powerful browser features, no caching of private data."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

# The site uses none of these; a script that got in could not use them either.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "interest-cohort",
    )
)
# Answers that carry a secret or a person's schedule without a signed-in user: the feed
# (its token is the credential) and sign-in and sign-up, whose answers hold API tokens.
PRIVATE_PREFIXES = ("/therapist/feed/", "/api/v1/auth/")


class PrivacyHeadersMiddleware:
    """Send Permissions-Policy everywhere, and `Cache-Control: no-store` on anything a signed-in person sees."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # Read after the view: DRF's token authentication sets request.user during the view.
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith(PRIVATE_PREFIXES):
            # Appointments, intake, notes and the portal must not stay in a shared or browser cache.
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, private, max-age=0"
        return response
