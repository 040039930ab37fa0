from __future__ import annotations

from django.apps import AppConfig


class TwoFactorConfig(AppConfig):
    name = "clinic.two_factor"
    label = "two_factor"
    verbose_name = "Two-factor sign-in"
