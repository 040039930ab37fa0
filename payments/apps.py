from __future__ import annotations

from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from booking.api import payment_fields
        from payments import (
            appointment_fields,
            receivers,
            tasks,  # noqa: F401  (every process, web too: sending hands rows to them by name)
        )

        receivers.connect()
        payment_fields.register(appointment_fields.describe)
