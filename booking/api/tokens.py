"""API tokens (django-rest-knox): issued one per sign-in, listed and revoked by their owner.

Knox keeps only a SHA-512 digest of each token, so the secret is shown once, in the
sign-in's answer. A token ends TOKEN_TTL after its last use (knox slides the expiry),
at logout, and with every change of the account's password.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import post_save
from django.utils import timezone
from knox.models import AuthToken
from knox.settings import knox_settings

from clinic.models import User
from clinic.signals import access_gained, password_changed
from therapists.models import Therapist


def live_tokens(user: User) -> QuerySet[AuthToken]:
    """Return the user's tokens that have not expired, newest first."""
    now = timezone.now()
    return AuthToken.objects.filter(Q(expiry__gt=now) | Q(expiry__isnull=True), user=user).order_by("-created")


@transaction.atomic
def issue_token(*, user: User) -> tuple[AuthToken, str]:
    """Create a new token for the user and return it with its secret, ending the oldest beyond the limit."""
    # Serialise the sign-ins of one account, so two at once cannot both slip under the limit.
    User.objects.select_for_update().filter(pk=user.pk).first()
    AuthToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    limit = knox_settings.TOKEN_LIMIT_PER_USER
    if limit is not None:
        # Ending the oldest rather than refusing: a person who lost a phone's token can still sign in.
        surplus = live_tokens(user).values_list("pk", flat=True)[max(limit - 1, 0) :]
        AuthToken.objects.filter(pk__in=list(surplus)).delete()
    instance, secret = AuthToken.objects.create(user=user)
    return instance, secret


def revoke_token(*, user: User, token_id: str) -> bool:
    """End one of the user's tokens by its id; return whether the user had it."""
    deleted, _ = AuthToken.objects.filter(user=user, token_key=token_id).delete()
    return deleted > 0


def revoke_all_tokens(*, user: User) -> int:
    """End every token of the user; return how many there were."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


def _revoke_on_password_change(sender: Any, user: User, **kwargs: Any) -> None:
    revoke_all_tokens(user=user)


def _revoke_on_access_gained(sender: Any, user: User, **kwargs: Any) -> None:
    # Issued without the second factor the new access requires: sign in again.
    revoke_all_tokens(user=user)


def _revoke_when_made_therapist(sender: Any, instance: Therapist, created: bool, **kwargs: Any) -> None:
    if created:
        revoke_all_tokens(user=instance.user)


def connect() -> None:
    """Revoke tokens with the password and when access to health data is gained; keep digests out of the admin."""
    password_changed.connect(_revoke_on_password_change, dispatch_uid="booking.api.tokens.revoke_on_password_change")
    access_gained.connect(_revoke_on_access_gained, dispatch_uid="booking.api.tokens.revoke_on_access_gained")
    post_save.connect(
        _revoke_when_made_therapist, sender=Therapist, dispatch_uid="booking.api.tokens.revoke_when_made_therapist"
    )
    # Knox registers its token model in the admin: digests are no business of the front desk.
    if admin.site.is_registered(AuthToken):
        admin.site.unregister(AuthToken)
