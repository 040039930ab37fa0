from __future__ import annotations

from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = "Booking"

    def ready(self) -> None:
        from booking import stamps
        from booking.api import tokens

        tokens.connect()
        stamps.connect()
