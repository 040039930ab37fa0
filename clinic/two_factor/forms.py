"""The forms of the two-factor pages: a code from the app, or a recovery code."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator

from clinic.two_factor.services import is_recovery_code, normalise_code

_APP_CODE = RegexValidator(r"^\d{6}$", "Enter the 6 digits your app shows, without letters.")
_RECOVERY_CODE = RegexValidator(r"^[a-z2-7]{8}$", "A recovery code has 8 letters and digits.")


def _app_code_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text="The 6-digit code your authenticator app shows now. It changes every 30 seconds.",
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "off",
                "spellcheck": "false",
                "class": "code-input",
            }
        ),
    )


class EnrolForm(forms.Form):
    """The current code of the app being set up, which confirms it was set up right."""

    code = _app_code_field("Code from your app")

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        _APP_CODE(code)
        return code


class SignInCodeForm(forms.Form):
    """A current code from the app; a recovery code typed here is taken too."""

    code = _app_code_field("Code from your app")

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if not is_recovery_code(code):
            _APP_CODE(code)
        return code


class RecoveryCodeForm(forms.Form):
    """One of the person's one-time recovery codes (sign-in without the phone)."""

    recovery_code = forms.CharField(
        label="Recovery code",
        help_text="One of the ten codes you saved when you set up two-factor sign-in. Each works once.",
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
                "class": "code-input",
            }
        ),
    )

    def clean_recovery_code(self) -> str:
        code = normalise_code(self.cleaned_data["recovery_code"])
        _RECOVERY_CODE(code)
        return code
