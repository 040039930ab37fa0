from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The therapist's portal and schedule services: above booking, whose services they call."""

    name = "portal"
    verbose_name = "therapist portal"
