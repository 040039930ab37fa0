from __future__ import annotations

from django.apps import AppConfig


class WebsiteConfig(AppConfig):
    """The top layer: the patient's site, the dashboard, the people admin and the demo data."""

    name = "website"
    verbose_name = "website"
