"""The second factor: who must give one, and the devices that give it.

Everyone who can read health data (staff, superusers and therapists) signs in with a code
from an authenticator app (a django-otp TOTPDevice) or, when the phone is lost, with one of
ten one-time recovery codes (a StaticDevice's tokens). The pages, the gate and the API's
token endpoint all ask these functions, so the rule is written once.
"""

from __future__ import annotations

import math
from base64 import b32encode
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
# StaticToken.random_token() is 5 random bytes in base32: always 8 characters, never 6,
# so the length alone tells an app code from a recovery code.
RECOVERY_CODE_LENGTH = 8
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


class CodeRefused(Exception):
    """The code does not open the device: wrong, used, or asked too soon after wrong ones."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def requires_second_factor(user: Any) -> bool:
    """Return whether the user can read health data and so must sign in with a second factor."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    # Through the reverse relation of therapists.Therapist.user: the core imports no app above it.
    return get_user_model().objects.filter(pk=user.pk, therapist__isnull=False).exists()


def has_confirmed_device(user: Any) -> bool:
    """Return whether the user has a confirmed authenticator app."""
    if user is None or not user.is_authenticated:
        return False
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def normalise_code(code: str) -> str:
    """Return the code as it is stored: without spaces or hyphens, in lower case."""
    return "".join(code.split()).replace("-", "").lower()


def is_recovery_code(code: str) -> bool:
    """Return whether the code has the shape of a recovery code rather than an app code."""
    return len(normalise_code(code)) == RECOVERY_CODE_LENGTH


def verified_device(user: Any, code: str) -> Device | None:
    """Return the user's confirmed device that accepts the code (a recovery code is used up), or None."""
    token = normalise_code(code or "")
    if not token or user is None or not user.is_authenticated:
        return None
    model: type[TOTPDevice] | type[StaticDevice] = StaticDevice if is_recovery_code(token) else TOTPDevice
    # The row lock makes two requests with one code take turns: the loser sees it used
    # (a recovery code deleted, or the app code's time step already taken by last_t).
    with transaction.atomic():
        for device in model.objects.select_for_update().filter(user_id=user.pk, confirmed=True).order_by("pk"):
            if device.verify_token(token):
                return device
    return None


def verify_code(user: Any, code: str) -> bool:
    """Return whether the code is the user's current app code or an unused recovery code, using up the latter."""
    return verified_device(user, code) is not None


def seconds_until_next_try(user: Any, code: str, *, confirmed: bool = True) -> int:
    """Return how long the device that would check this code still refuses codes after wrong ones (0: it takes them)."""
    model: type[TOTPDevice] | type[StaticDevice] = StaticDevice if is_recovery_code(code) else TOTPDevice
    waits = [0]
    for device in model.objects.filter(user_id=user.pk, confirmed=confirmed):
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            waits.append(math.ceil((data["locked_until"] - timezone.now()).total_seconds()))
    return max(waits)


def _too_soon(wait: int) -> CodeRefused:
    return CodeRefused(
        f"Too many wrong codes in a row. Please wait {wait} second{'s' if wait != 1 else ''} "
        "and try again with a fresh code."
    )


def _wrong(code: str) -> CodeRefused:
    if is_recovery_code(code):
        return CodeRefused("That recovery code is not right or has already been used.")
    return CodeRefused("That code is not right. Enter the 6-digit code your app shows now.")


def sign_in_device(user: Any, code: str) -> Device:
    """Return the device that accepts the code for this sign-in, or raise CodeRefused saying why not."""
    wait = seconds_until_next_try(user, code)
    if wait > 0:
        raise _too_soon(wait)
    device = verified_device(user, code)
    if device is None:
        raise _wrong(code)
    return device


def pending_app_device(user: Any) -> TOTPDevice:
    """Return the user's authenticator app waiting for confirmation, setting up a new one if there is none."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def secret_of(device: TOTPDevice) -> str:
    """Return the device's secret in base32, as authenticator apps take it when typed in."""
    return b32encode(device.bin_key).decode("ascii")


def confirm_app_device(*, user: Any, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the user's pending authenticator app with a current code; return it and fresh recovery codes."""
    token = normalise_code(code or "")
    wait = seconds_until_next_try(user, token, confirmed=False)
    if wait > 0:
        raise _too_soon(wait)
    confirmed = _confirm_pending(user, token)
    if confirmed is None:
        raise _wrong(token)
    return confirmed


@transaction.atomic
def _confirm_pending(user: Any, token: str) -> tuple[TOTPDevice, list[str]] | None:
    # No exception leaves this block on a wrong code: the failure count verify_token saved
    # must be committed, or the throttle would never hold.
    device = TOTPDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=False).order_by("pk").first()
    if device is None or not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
    return device, replace_recovery_codes(user=user)


@transaction.atomic
def replace_recovery_codes(*, user: Any) -> list[str]:
    """Give the user ten new one-time recovery codes, the old ones no longer valid, and return them."""
    devices = list(StaticDevice.objects.select_for_update().filter(user_id=user.pk).order_by("pk"))
    if devices:
        device = devices[0]
        # The same device is kept: a session verified with a recovery code stays verified.
        StaticDevice.objects.filter(pk__in=[d.pk for d in devices[1:]]).delete()
        device.token_set.all().delete()
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    else:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes: list[str] = []
    while len(codes) < RECOVERY_CODE_COUNT:
        token = StaticToken.random_token()
        if token not in codes:
            codes.append(token)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=token) for token in codes)
    return codes


def recovery_codes_left(user: Any) -> int:
    """Return how many unused recovery codes the user has."""
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()
