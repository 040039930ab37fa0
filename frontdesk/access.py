"""Who may use the front desk's calendar: staff who may view and change appointments.

The front desk and the owner may; therapists (their own week is the portal) and patients
never. Pages send a visitor who is not signed in to the admin's sign-in; the JSON endpoints
answer in the API's error shape instead (401, and 403 for anyone signed in without the right).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

from clinic.errors import error_body

SEE_AND_CHANGE = ("booking.view_appointment", "booking.change_appointment")

View = Callable[..., HttpResponse]


def may_use_calendar(user: Any, *extra: str) -> bool:
    """Return whether the user is active staff holding the appointment view and change permissions (and any extra)."""
    return bool(
        user.is_authenticated and user.is_active and user.is_staff and user.has_perms((*SEE_AND_CHANGE, *extra))
    )


def desk_page(view: View) -> View:
    """Let only calendar staff see the page: 302 to the admin's sign-in when signed out, 403 otherwise."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not may_use_calendar(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def desk_api(*extra: str) -> Callable[[View], View]:
    """Let only calendar staff (with the extra permissions) call the endpoint: 401 or 403 in the error shape."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return JsonResponse(error_body("not_authenticated", "Sign in to the admin first."), status=401)
            if not may_use_calendar(request.user, *extra):
                return JsonResponse(
                    error_body("permission_denied", "Only the clinic's front desk and owner use the calendar."),
                    status=403,
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
