"""The payment side of appointments as booking's API shows them: their policy in sentences and the late fee.

Registered with booking.api.payment_fields from the app's ready(): booking asks, payments
answers, and booking never imports payments.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from booking.api.payment_fields import LateFee, PaymentSide
from booking.models import Appointment, Status
from booking.policy import cancel_deadline
from payments import policy
from payments.models import Terms


def describe(appointments: Sequence[Appointment], now: datetime) -> dict[int, PaymentSide]:
    """Return each appointment's payment policy and, inside the window, its late-cancellation offer."""
    if not policy.online_payments_on():
        return {}
    terms = {row.appointment_id: row for row in Terms.objects.filter(appointment__in=[a.pk for a in appointments])}
    sides: dict[int, PaymentSide] = {}
    for appointment in appointments:
        booked_under = terms.get(appointment.pk)
        sentences = policy.quote_of(booked_under).sentences() if booked_under else []
        offer = None
        # Only a confirmed session inside the window can have an offer: the others cost no query.
        if booked_under and appointment.status == Status.CONFIRMED and cancel_deadline(appointment) < now:
            found = policy.late_cancellation(appointment, now=now)
            if found is not None:
                offer = LateFee(
                    fee=found.fee, currency=found.currency, card_last4=found.card_last4, message=found.message
                )
        sides[appointment.pk] = PaymentSide(policy=sentences, late_cancellation=offer)
    return sides
