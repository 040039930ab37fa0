from __future__ import annotations

from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        from booking.api import payment_fields
        from payments.gateway import CALL_TIMEOUT_SECONDS

        # A claim must outlive a Stripe call, or every charge in flight would look abandoned
        # and be reconciled (and re-sent) while its worker is still waiting for the answer.
        if settings.PAYMENTS_CLAIM_TIMEOUT.total_seconds() <= 2 * CALL_TIMEOUT_SECONDS:
            raise ImproperlyConfigured(
                f"PAYMENTS_CLAIM_TIMEOUT_SECONDS must be above {2 * CALL_TIMEOUT_SECONDS} (a Stripe call may take "
                f"{CALL_TIMEOUT_SECONDS} s)."
            )
        from payments import (
            appointment_fields,
            receivers,
            tasks,  # noqa: F401  (every process, web too: sending hands rows to them by name)
        )

        receivers.connect()
        payment_fields.register(appointment_fields.describe)
