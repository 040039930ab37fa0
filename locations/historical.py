"""The clinic's first location read through historical models, for data migrations of other apps."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def first_location(apps: Any) -> Any:
    """Return the first location, made from the clinic's settings when there is none."""
    Location = apps.get_model("locations", "Location")
    location = Location.objects.order_by("display_order", "pk").first()
    if location is None:
        location = Location.objects.create(
            name=str(settings.CLINIC_NAME)[:100],
            address=str(settings.CLINIC_ADDRESS)[:200],
            phone=str(settings.CLINIC_PHONE)[:40],
            time_zone=str(settings.TIME_ZONE),
        )
    return location
