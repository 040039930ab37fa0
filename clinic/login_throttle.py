"""Failed sign-ins are counted per client and per e-mail address; past the limit, sign-in waits.

Ten failures within fifteen minutes from one client (as DRF's throttles identify it) or
against one e-mail address close sign-in for that client or address until the window
ends. A successful sign-in, or a password reset, clears the address's count (not the
client's: one good account must not buy an attacker more guesses at others). The counts
live in the default cache: set CACHE_URL to a shared cache (Redis) when several processes serve.
The page's sign-in form, the API's token endpoint and the reset page all use these functions.
"""

from __future__ import annotations

import hashlib
import math
import time
from datetime import timedelta
from typing import Any, cast

from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

FAILURE_LIMIT = 10
WINDOW = timedelta(minutes=15)
MESSAGE = "Too many sign-in attempts. Please wait a few minutes or reset your password."
CODE = "too_many_attempts"


def _client_key(request: HttpRequest | Request | None) -> str | None:
    if request is None:
        return None
    # DRF's own client identity (REMOTE_ADDR, or X-Forwarded-For as NUM_PROXIES says): the
    # same client as the API's throttles see. It reads only headers, as on any HttpRequest.
    return f"signin-failures:client:{BaseThrottle().get_ident(cast(Request, request))}"


def _email_key(email: str) -> str:
    # Hashed: any text fits a cache key, and addresses do not sit in the cache in the clear.
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return f"signin-failures:email:{digest}"


def _keys(request: HttpRequest | Request | None, email: str) -> list[str]:
    keys = [_email_key(email)] if email else []
    client = _client_key(request)
    return keys + ([client] if client else [])


def seconds_locked(request: HttpRequest | Request | None, email: str) -> int | None:
    """Return the seconds until sign-in opens again for this client and address, or None if it is open."""
    keys = _keys(request, email)
    found = cache.get_many(keys + [f"{key}:until" for key in keys])
    waits = [
        found.get(f"{key}:until", time.time() + WINDOW.total_seconds()) - time.time()
        for key in keys
        if found.get(key, 0) >= FAILURE_LIMIT
    ]
    return max(1, math.ceil(max(waits))) if waits else None


def is_locked(request: HttpRequest | Request | None, email: str) -> bool:
    """Return whether sign-in is closed for this client or this e-mail address."""
    return seconds_locked(request, email) is not None


def record_failure(request: HttpRequest | Request | None, email: str) -> None:
    """Count one failed sign-in against the client and the e-mail address."""
    timeout = int(WINDOW.total_seconds())
    for key in _keys(request, email):
        # add() starts the window on the first failure (and notes its end); incr() keeps the expiry.
        cache.add(f"{key}:until", time.time() + timeout, timeout=timeout)
        cache.add(key, 0, timeout=timeout)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=timeout)


def forget_failures(email: str) -> None:
    """Clear the e-mail address's count (after a successful sign-in or a password reset)."""
    cache.delete_many([_email_key(email), f"{_email_key(email)}:until"])


class LimitedSignInFormMixin(Form):
    """For Django's AuthenticationForm: refuse before checking the password once the limit is reached."""

    request: HttpRequest | None

    def clean(self) -> dict[str, Any]:
        email = str(self.cleaned_data.get("username") or "")
        if is_locked(self.request, email):
            raise ValidationError(MESSAGE, code=CODE)
        try:
            super().clean()
        except ValidationError:
            record_failure(self.request, email)
            raise
        forget_failures(email)
        return self.cleaned_data


class LimitedSignInViewMixin:
    """For Django's LoginView: answer 429 Too Many Requests while sign-in is closed."""

    def form_invalid(self, form: Form) -> HttpResponse:
        response: HttpResponse = super().form_invalid(form)  # type: ignore[misc]
        if form.has_error(NON_FIELD_ERRORS, code=CODE):
            response.status_code = 429
            seconds = seconds_locked(form.request, str(form.cleaned_data.get("username") or ""))  # type: ignore[attr-defined]
            response["Retry-After"] = str(seconds or int(WINDOW.total_seconds()))
        return response


class UnlockingPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's "choose a new password" page; the new password opens sign-in again right away."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        forget_failures(form.user.email)
        return response
