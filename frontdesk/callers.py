"""A caller booked by phone who has no account yet: name and phone, an e-mail if they give one, no password.

The account is made as the admin's add-user form makes one for the front desk (the user
manager with no password, so it cannot sign in); the person claims it later through the
password-reset e-mail. Without an e-mail the account is kept under a reserved address that
no mail server accepts (RFC 2606 `.invalid`), until the desk learns the real one.
"""

from __future__ import annotations

import secrets

from django import forms

from clinic.models import User, canonical_email, normalize_phone
from clinic.plain_text import validate_single_line

NO_EMAIL_DOMAIN = "no-email.invalid"


class NewCallerForm(forms.Form):
    first_name = forms.CharField(max_length=150, validators=[validate_single_line])
    last_name = forms.CharField(max_length=150, required=False, validators=[validate_single_line])
    phone = forms.CharField(max_length=40)
    email = forms.EmailField(required=False)

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])

    def clean_email(self) -> str:
        email = canonical_email(self.cleaned_data.get("email") or "")
        if email and User.objects.filter(email=email).exists():
            raise forms.ValidationError("This address already has an account: search for the patient instead.")
        return email


def placeholder_email() -> str:
    """Return a unique address that no mail server accepts, for a caller who gave none."""
    return f"caller-{secrets.token_hex(6)}@{NO_EMAIL_DOMAIN}"


def create_caller(form: NewCallerForm) -> User:
    """Create the caller's account without a password (call inside the booking's transaction)."""
    data = form.cleaned_data
    return User.objects.create_user(
        email=data["email"] or placeholder_email(),
        password=None,
        first_name=data["first_name"],
        last_name=data["last_name"],
        phone=data["phone"],
    )
