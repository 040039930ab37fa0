"""The payment side of an appointment in the API: the policy it was booked under and the late-cancellation fee.

Booking knows nothing of cards or fees and never imports the payments app: payments
registers, from its AppConfig.ready(), one function that describes a batch of appointments
(so a list answers with a fixed number of queries). Unregistered, every appointment has
no payment side.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from booking.models import Appointment


@dataclass(frozen=True)
class LateFee:
    """What cancelling inside the window costs now, charged to the saved card."""

    fee: Decimal
    currency: str
    card_last4: str
    message: str  # said before the patient confirms


@dataclass(frozen=True)
class PaymentSide:
    policy: list[str]  # the booking's payment policy in sentences
    late_cancellation: LateFee | None  # None outside the window, or when no fee can be charged


NONE = PaymentSide(policy=[], late_cancellation=None)

Describer = Callable[[Sequence[Appointment], datetime], Mapping[int, PaymentSide]]
_describer: list[Describer] = []


def register(describer: Describer) -> None:
    """Let the payments app describe appointments (called once, from its ready())."""
    _describer[:] = [describer]


def describe(appointments: Sequence[Appointment], *, now: datetime) -> Mapping[int, PaymentSide]:
    """Return the payment side of each appointment by id (absent: none)."""
    if not _describer or not appointments:
        return {}
    return _describer[0](appointments, now)
