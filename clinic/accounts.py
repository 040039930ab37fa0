"""Opening a patient account and confirming its e-mail address: one service for the page and the API.

Sign-up answers the same way whether or not the address already has an account: a new
address gets a confirmation message (a signed link, and a six-digit code for the page it
was opened from); a known one gets "you already have an account" instead, so nobody can
learn from sign-up who is a patient of the clinic. Until the address is confirmed an
account holds at most one upcoming online booking (booking.services enforces it).

Sign-up and password-reset requests are limited per client and per address, in the shared
cache, so neither can be used to flood someone's inbox.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core import signing
from django.core.mail import EmailMessage, make_msgid
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from clinic.models import User, canonical_email
from clinic.rate_limits import Limit, email_digest

CONFIRMATION_SALT = "clinic.accounts.confirm-email"
CONFIRMATION_MAX_AGE = timedelta(days=3)
# Wrong codes per sign-up, whichever client types them: then only the e-mailed link works.
CODE_ATTEMPTS = Limit("signup-code", 5, CONFIRMATION_MAX_AGE)

SIGNUP_PER_CLIENT = Limit("signup:client", 10, timedelta(hours=1))
SIGNUP_PER_ADDRESS = Limit("signup:address", 3, timedelta(hours=1))
RESET_PER_CLIENT = Limit("password-reset:client", 10, timedelta(hours=1))
RESET_PER_ADDRESS = Limit("password-reset:address", 3, timedelta(hours=1))

TOO_MANY = "Too many requests from here or for this address. Please wait a while and try again."


class TooManyRequests(Exception):
    """A per-client or per-address limit is used up; `seconds` until it opens again."""

    def __init__(self, seconds: int) -> None:
        super().__init__(TOO_MANY)
        self.message = TOO_MANY
        self.seconds = seconds


@dataclass(frozen=True)
class NewPatient:
    """What a person gives to open an account (already validated by the form or serializer)."""

    email: str
    password: str
    first_name: str
    last_name: str
    phone: str


def _check_limits(client: str, email: str, per_client: Limit, per_address: Limit) -> None:
    # Counted first (atomically), then refused past the limit: parallel requests all count.
    address = email_digest(canonical_email(email))
    for limit, subject in ((per_client, client), (per_address, address)):
        attempt = limit.record(subject)
        if not limit.allows(attempt):
            raise TooManyRequests(attempt.seconds_left(timezone.now()))


def confirmation_token(user: User) -> str:
    """Return the signed token of the link that confirms the user's current address."""
    return signing.dumps({"user": user.pk, "email": user.email}, salt=CONFIRMATION_SALT)


def confirmation_code(user: User) -> str:
    """Return the six-digit code that confirms the user's current address on the page they signed up from."""
    digest = salted_hmac(CONFIRMATION_SALT, f"{user.pk}:{user.email}:{user.date_joined.isoformat()}").hexdigest()
    return f"{int(digest[:12], 16) % 1_000_000:06d}"


def code_matches(user: User, code: str) -> bool:
    """Return whether the typed code is the user's and still fresh (as long as the link; compared in constant time)."""
    if timezone.now() - user.date_joined > CONFIRMATION_MAX_AGE:
        return False
    return hmac.compare_digest(confirmation_code(user), (code or "").strip())


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def site_message_id() -> str:
    """Return a new Message-ID in the site's own domain (SITE_URL's host), not the machine's name."""
    # The default is the host's FQDN, often "localhost" in a container: spam filters frown on it.
    return make_msgid(domain=urlsplit(settings.SITE_URL).hostname or "localhost")


def _send(subject: str, body: str, to: str) -> None:
    EmailMessage(subject, body, None, [to], headers={"Message-ID": site_message_id()}).send()


def send_confirmation(user: User, *, next_url: str = "") -> None:
    """E-mail the user the link and code that confirm their address."""
    link = _site_url(reverse("confirm_email", args=[confirmation_token(user)]))
    if next_url:
        link += "?" + urlencode({"next": next_url})
    context = {"user": user, "link": link, "code": confirmation_code(user), "clinic_name": settings.CLINIC_NAME}
    _send(
        f"Confirm your e-mail address for {settings.CLINIC_NAME}",
        render_to_string("emails/account_confirm.txt", context),
        user.email,
    )


def _send_already_registered(user: User) -> None:
    context = {
        "user": user,
        "sign_in": _site_url(reverse("login")),
        "reset": _site_url(reverse("password_reset")),
        "clinic_name": settings.CLINIC_NAME,
    }
    _send(
        f"You already have an account at {settings.CLINIC_NAME}",
        render_to_string("emails/account_exists.txt", context),
        user.email,
    )


def sign_up(*, person: NewPatient, client: str, next_url: str = "") -> User | None:
    """Open a patient account and send its confirmation; for a known address, say so by e-mail only.

    Return the new account, or None when the address already had one (callers answer the
    same way in both cases). Raise TooManyRequests past the per-client or per-address limit.
    """
    email = canonical_email(person.email)
    _check_limits(client, email, SIGNUP_PER_CLIENT, SIGNUP_PER_ADDRESS)
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        _send_already_registered(existing)
        return None
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email,
                password=person.password,
                first_name=person.first_name,
                last_name=person.last_name,
                phone=person.phone,
            )
    except IntegrityError:
        return None  # the same address signed up at the same moment: the unique constraint decided
    send_confirmation(user, next_url=next_url)
    return user


def confirm_email(token: str) -> tuple[User, bool] | None:
    """Confirm the address of a valid link; return its user and whether this use confirmed it, or None."""
    try:
        data = signing.loads(token, salt=CONFIRMATION_SALT, max_age=CONFIRMATION_MAX_AGE)
    except signing.BadSignature:  # tampered or expired
        return None
    user = User.objects.filter(pk=data.get("user"), email=data.get("email"), is_active=True).first()
    if user is None:
        return None  # the address changed since the link was sent
    return user, mark_confirmed(user)


def mark_confirmed(user: User) -> bool:
    """Record that the user's address is confirmed; return False if it already was."""
    changed = User.objects.filter(pk=user.pk, email_confirmed_at__isnull=True).update(email_confirmed_at=timezone.now())
    user.refresh_from_db(fields=["email_confirmed_at"])
    return bool(changed)


def request_password_reset(*, form: PasswordResetForm, client: str, **send_options: object) -> None:
    """Send the reset link of the form's address (Django's form), within the per-client and per-address limits."""
    _check_limits(client, form.cleaned_data["email"], RESET_PER_CLIENT, RESET_PER_ADDRESS)
    form.save(**send_options)  # type: ignore[arg-type]
