"""Clinic-wide models: the user, who signs in with an e-mail address."""

from __future__ import annotations

import unicodedata
from typing import Any, ClassVar

import phonenumbers
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from clinic.plain_text import validate_single_line
from clinic.signals import access_gained, password_changed

DEFAULT_PHONE_REGION = "US"


def canonical_email(value: str) -> str:
    """Return the one form an e-mail address is stored and compared in (NFKC, then case-folded).

    Compared exactly, never with the database's case-insensitive match: PostgreSQL's UPPER()
    folds look-alikes such as the dotless i (U+0131) and the long s (U+017F) into plain
    letters, so a look-alike of `ravi.shah@clinic.test` would otherwise open it.
    """
    folded = unicodedata.normalize("NFKC", (value or "").strip()).casefold()
    return unicodedata.normalize("NFKC", folded)


def normalize_phone(value: str) -> str:
    """Return the phone number in E.164 form, or raise ValidationError."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError("Enter a valid phone number, e.g. +1 617 555 0142.", code="invalid_phone") from exc
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        raise ValidationError("Enter a valid phone number, e.g. +1 617 555 0142.", code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_plain_email(value: str) -> None:
    """Raise ValidationError if the address holds letters that fold into others (sharp s, long s, ligatures)."""
    typed = unicodedata.normalize("NFC", (value or "").strip()).lower()
    if canonical_email(value) != typed:
        raise ValidationError(
            "This address has letters that stand for others (such as \u00df, \u017f or \ufb01). "
            "Please type it with plain letters, as your mail provider shows it.",
            code="look_alike_email",
        )


def validate_phone(value: str) -> None:
    """Raise ValidationError unless the value is a valid phone number."""
    normalize_phone(value)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=canonical_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        """Create a patient-level user."""
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        """Create the clinic owner's account."""
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=canonical_email(username or ""))


class User(AbstractUser):
    """A person who signs in: patient, therapist or staff. The e-mail is the login."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("e-mail address", unique=True)
    first_name = models.CharField("first name", max_length=150, blank=True, validators=[validate_single_line])
    last_name = models.CharField("last name", max_length=150, blank=True, validators=[validate_single_line])
    phone = models.CharField(max_length=20, blank=True, validators=[validate_phone])
    # When the person opened the signed link sent to the address; until then an online
    # account holds at most one upcoming booking (no slot hoarding with throwaway addresses).
    email_confirmed_at = models.DateTimeField("e-mail confirmed", null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[misc, assignment]

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        name = self.get_full_name()
        return f"{name} <{self.email}>" if name else self.email

    def clean(self) -> None:
        super().clean()
        self.email = canonical_email(self.email)
        if self.phone:
            self.phone = normalize_phone(self.phone)

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self._password_dropped = True  # "sign-in with a password off" closes the old ways in too

    def save(self, *args: Any, **kwargs: Any) -> None:
        # set_password() keeps the raw password until the save; an existing account whose
        # password changes (or is switched off) must lose every token the old one opened.
        new_password = getattr(self, "_password", None) is not None or getattr(self, "_password_dropped", False)
        changed = new_password and not self._state.adding
        self._password_dropped = False
        before = (
            None if self._state.adding else type(self).objects.filter(pk=self.pk).values("is_staff", "is_superuser")
        )
        had = before.first() if before is not None else None
        super().save(*args, **kwargs)
        if changed:
            password_changed.send(sender=self.__class__, user=self)
        if had is not None and (
            (self.is_staff and not had["is_staff"]) or (self.is_superuser and not had["is_superuser"])
        ):
            access_gained.send(sender=self.__class__, user=self)


class AttemptCounter(models.Model):
    """How many attempts one subject (a client, an account, an address) made in a window.

    Counted in the database, with one atomic statement per attempt (clinic.rate_limits),
    so every process, web worker or machine shares the count and parallel attempts never
    overwrite each other's. Subjects are hashed or ids: no address sits here in the clear.
    """

    name = models.CharField(max_length=64)
    subject = models.CharField(max_length=128)
    count = models.PositiveIntegerField(default=0)
    window_end = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "subject"], name="attempt_counter_unique")]
        indexes = [models.Index(fields=["window_end"], name="attempt_counter_window_end")]

    def __str__(self) -> str:
        return f"{self.name} {self.subject}: {self.count} until {self.window_end:%H:%M}"
