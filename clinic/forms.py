"""Forms of the accounts: sign-up, its confirmation code, sign-in and password reset."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm, PasswordResetForm, SetPasswordMixin
from django.core.mail import EmailMultiAlternatives
from django.template import loader

from clinic.accounts import NewPatient, site_message_id
from clinic.login_throttle import LimitedSignInFormMixin
from clinic.models import User, canonical_email, normalize_phone, validate_plain_email


class SignupForm(BaseUserCreationForm):
    """Open a patient account: e-mail, names, phone and a password checked by Django's validators."""

    password1, password2 = SetPasswordMixin.create_password_fields(label1="Password", label2="Password again")

    class Meta:
        model = User
        fields = ("first_name", "last_name", "email", "phone")
        labels = {"email": "E-mail address", "phone": "Phone number"}
        help_texts = {"phone": "We only call if something changes with your booking."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "email", "phone"):
            self.fields[name].required = True
        self.fields["email"].widget.attrs.update(autocomplete="email")
        self.fields["first_name"].widget.attrs.update(autocomplete="given-name")
        self.fields["last_name"].widget.attrs.update(autocomplete="family-name")
        self.fields["phone"].widget = forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"})
        self.fields["email"].widget.attrs.pop("autofocus", None)

    def clean_email(self) -> str:
        # No "already exists" error: sign-up must not tell who has an account (see clinic.accounts).
        validate_plain_email(self.cleaned_data["email"])
        return canonical_email(self.cleaned_data["email"])

    def _get_validation_exclusions(self) -> set[str]:
        # A known address is the sign-up service's to answer (by e-mail only): no unique
        # or constraint error on the form. The form field has already checked its shape.
        return {*super()._get_validation_exclusions(), "email"}  # type: ignore[misc]  # Django's, not in the stubs

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])

    def person(self) -> NewPatient:
        """Return the validated sign-up as the account service's value."""
        data = self.cleaned_data
        return NewPatient(
            email=data["email"],
            password=data["password1"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
        )


class ConfirmationCodeForm(forms.Form):
    """The six-digit code from the confirmation e-mail."""

    code = forms.CharField(
        label="Code from the e-mail",
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}),
    )


class EmailAuthenticationForm(LimitedSignInFormMixin, AuthenticationForm):
    """Django's sign-in form, asking for the e-mail address the account was opened with (failures are limited)."""

    username = forms.EmailField(
        label="E-mail address",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That e-mail address and password do not match an account. Please try again.",
    }


logger = logging.getLogger("django.contrib.auth")


class SiteMailPasswordResetForm(PasswordResetForm):
    """Django's password reset form whose e-mail carries a Message-ID in the site's domain, like every other."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(
            subject, body, from_email, [to_email], headers={"Message-ID": site_message_id()}
        )
        if html_email_template_name is not None:
            message.attach_alternative(loader.render_to_string(html_email_template_name, context), "text/html")
        try:
            message.send()
        except Exception:
            # Django's own behaviour: the page answers the same whether or not the mail went out.
            logger.exception("Failed to send password reset email to user %s", context["user"].pk)


class EmailPasswordResetForm(SiteMailPasswordResetForm):
    """Django's password reset form, worded like the rest of the site.

    It also reaches accounts without a password yet (a caller booked by phone at the desk):
    the reset link is how they claim their account. Addresses match in their canonical form.
    """

    def get_users(self, email: str) -> Iterator[User]:
        return iter(User.objects.filter(email=canonical_email(email), is_active=True))

    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
