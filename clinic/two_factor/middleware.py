"""The gate: with TWO_FACTOR_REQUIRED on, health data opens only to a session verified with a second factor.

Covered are the admin (all but its sign-in and sign-out), the therapist portal (all but the
calendar feed, whose secret token is the credential of calendar apps) and the therapist API
when called with the session. A page redirects to set-up (no app yet) or to verification,
with ?next=; the API answers 403 in its error shape. A token-authenticated API call carries no
session user, so it is not gated here (the token endpoint asks for the code itself).

Install after django_otp.middleware.OTPMiddleware, which marks the verified session's user.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse

from clinic.errors import error_body
from clinic.two_factor.services import has_confirmed_device, requires_second_factor

THERAPIST_API_PREFIX = "/api/v1/therapist/"
SECOND_FACTOR_REQUIRED = "second_factor_required"
API_MESSAGE = "Confirm this sign-in with your second factor first, at /accounts/two-factor/verify/."


def _gated(request: HttpRequest) -> bool:
    """Return whether the path leads to health data behind the gate."""
    path = request.path
    if path.startswith(THERAPIST_API_PREFIX):
        return True
    if path.startswith(reverse("admin:index")):
        return path not in {reverse("admin:login"), reverse("admin:logout")}
    if path.startswith(reverse("therapists:day")):
        try:
            return resolve(request.path_info).view_name != "therapists:feed"
        except Resolver404:
            return True
    return False


def _is_verified(request: HttpRequest) -> bool:
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


class SecondFactorMiddleware:
    """Keep an unverified session of someone who needs a second factor out of the admin, portal and therapist API."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self._refusal(request)
        return refusal if refusal is not None else self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        if not getattr(settings, "TWO_FACTOR_REQUIRED", False) or not _gated(request):
            return None
        user = request.user
        if not user.is_authenticated or _is_verified(request) or not requires_second_factor(user):
            return None
        if request.path.startswith(THERAPIST_API_PREFIX):
            return JsonResponse(error_body(SECOND_FACTOR_REQUIRED, API_MESSAGE), status=403)
        target = "two_factor:verify" if has_confirmed_device(user) else "two_factor:enrol"
        return HttpResponseRedirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
