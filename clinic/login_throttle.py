"""Failed sign-ins are counted per client and per account; past the limit, sign-in waits.

Ten failures within fifteen minutes from one client close sign-in for that client until
the window ends. Ten failures against one account lock the account for every client that
has itself been failing; a client that has not failed may still sign in with the right
password, so nobody can lock a patient or a therapist out just by guessing wrong on purpose
(a spread-out guesser gets one try per fresh address). Failures count against the account
found, whatever way its address was typed; an address of no account is counted by its
canonical form. A successful sign-in, or a password reset, clears the account's count (not
the client's: one good account must not buy an attacker more guesses at others).

The page's sign-in form, the admin's, the API's token endpoint and the reset page all use
these functions; the counts live in the database, counted first and atomically (clinic.rate_limits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import views as auth_views
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework.request import Request

from clinic.models import User, canonical_email
from clinic.rate_limits import Limit, client_ident, email_digest

FAILURE_LIMIT = 10
WINDOW = timedelta(minutes=15)
MESSAGE = "Too many sign-in attempts. Please wait a few minutes or reset your password."
CODE = "too_many_attempts"

CLIENT_FAILURES = Limit("signin-failures:client", FAILURE_LIMIT, WINDOW)
ACCOUNT_FAILURES = Limit("signin-failures:account", FAILURE_LIMIT, WINDOW)


def _account(email: str) -> str | None:
    """Return the counter subject of the account this address opens (or of the address, if none)."""
    canonical = canonical_email(email)
    if not canonical:
        return None
    user_id = User.objects.filter(email=canonical).values_list("pk", flat=True).first()
    return f"user:{user_id}" if user_id is not None else f"address:{email_digest(canonical)}"


def _client(request: HttpRequest | Request | None) -> str | None:
    return client_ident(request) if request is not None else None


class SignInLocked(Exception):
    """Sign-in is closed for this client or this account for `seconds`."""

    def __init__(self, seconds: int) -> None:
        super().__init__(MESSAGE)
        self.seconds = seconds


@dataclass(frozen=True)
class SignInAttempt:
    """A counted sign-in attempt, to be taken back if the password turns out right."""

    client: str | None
    account: str | None


def begin_attempt(request: HttpRequest | Request | None, email: str) -> SignInAttempt:
    """Count the attempt first (one atomic statement per counter), then raise SignInLocked if it is over the limit.

    Counting before checking the password means parallel guesses are all counted: only
    the first FAILURE_LIMIT in a window ever reach the password check.
    """
    now = timezone.now()
    client, account = _client(request), _account(email)
    by_client = CLIENT_FAILURES.record(client) if client is not None else None
    by_account = ACCOUNT_FAILURES.record(account) if account is not None else None
    waits = []
    if by_client is not None and not CLIENT_FAILURES.allows(by_client):
        waits.append(by_client.seconds_left(now))
    # A locked account stays open to a client with no earlier attempt in the window (see above).
    client_failing = by_client is None or by_client.count > 1
    if by_account is not None and client_failing and not ACCOUNT_FAILURES.allows(by_account):
        waits.append(by_account.seconds_left(now))
    if waits:
        raise SignInLocked(max(waits))
    return SignInAttempt(client=client, account=account)


def succeeded(attempt: SignInAttempt) -> None:
    """The password was right: the attempt was no failure, and the account's count starts again."""
    if attempt.client is not None:
        CLIENT_FAILURES.forget_one(attempt.client)
    if attempt.account is not None:
        ACCOUNT_FAILURES.clear(attempt.account)


def seconds_locked(request: HttpRequest | Request | None, email: str) -> int | None:
    """Return the seconds until sign-in opens again for this client and address, or None if it is open."""
    client = _client(request)
    waits = []
    if client is not None and CLIENT_FAILURES.reached(client):
        waits.append(CLIENT_FAILURES.seconds_left(client))
    account = _account(email)
    client_failing = client is None or CLIENT_FAILURES.used(client) > 0
    if account is not None and client_failing and ACCOUNT_FAILURES.reached(account):
        waits.append(ACCOUNT_FAILURES.seconds_left(account))
    return max(waits) if waits else None


def is_locked(request: HttpRequest | Request | None, email: str) -> bool:
    """Return whether sign-in is closed for this client and this e-mail address."""
    return seconds_locked(request, email) is not None


def record_failure(request: HttpRequest | Request | None, email: str) -> None:
    """Count one failed sign-in against the client and the account (outside a begun attempt)."""
    client = _client(request)
    if client is not None:
        CLIENT_FAILURES.record(client)
    account = _account(email)
    if account is not None:
        ACCOUNT_FAILURES.record(account)


def forget_failures(email: str) -> None:
    """Clear the account's count (after a password reset)."""
    account = _account(email)
    if account is not None:
        ACCOUNT_FAILURES.clear(account)


class LimitedSignInFormMixin(Form):
    """For Django's AuthenticationForm: count the attempt, refuse past the limit before checking the password."""

    request: HttpRequest | None
    locked_for: int | None = None

    def clean(self) -> dict[str, Any]:
        email = str(self.cleaned_data.get("username") or "")
        try:
            attempt = begin_attempt(self.request, email)
        except SignInLocked as locked:
            self.locked_for = locked.seconds
            raise ValidationError(MESSAGE, code=CODE) from locked
        super().clean()  # a wrong password raises, and the attempt stays counted
        succeeded(attempt)
        return self.cleaned_data


class LimitedSignInViewMixin:
    """For Django's LoginView: answer 429 Too Many Requests while sign-in is closed."""

    def form_invalid(self, form: Form) -> HttpResponse:
        response: HttpResponse = super().form_invalid(form)  # type: ignore[misc]
        if form.has_error(NON_FIELD_ERRORS, code=CODE):
            response.status_code = 429
            seconds = getattr(form, "locked_for", None)
            response["Retry-After"] = str(seconds or int(WINDOW.total_seconds()))
        return response


class UnlockingPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's "choose a new password" page; the new password opens sign-in again right away."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        forget_failures(form.user.email)
        return response
