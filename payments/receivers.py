"""Payments' answers to the booking services, run inside their transaction (booking.signals)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from booking import signals
from booking.models import Appointment, Status
from clinic.models import User


def _booked(*, appointment: Appointment, by: User, staff: bool, now: datetime, **_: Any) -> None:
    from payments import services

    services.record_terms(appointment=appointment, by=by, staff=staff, now=now)


def _cancelled(*, appointment: Appointment, by: User, late: bool, now: datetime, **_: Any) -> None:
    from payments import services

    services.on_cancelled(appointment=appointment, by=by, late=late, now=now)


def _outcome(*, appointment: Appointment, status: str, previous: str, by: User, now: datetime, **_: Any) -> None:
    from payments import services

    if status == Status.NO_SHOW:
        services.record_no_show_fee(appointment=appointment, by=by, now=now)
    elif previous == Status.NO_SHOW:
        # Marked no-show by mistake: a fee not yet charged is waived (a paid one is refunded by staff).
        services.waive_unsent_fee(appointment=appointment, by=by, now=now)


def connect() -> None:
    """Connect payments to the booking services' signals (once, from the app's ready())."""
    signals.booked.connect(_booked, dispatch_uid="payments.booked")
    signals.cancelled.connect(_cancelled, dispatch_uid="payments.cancelled")
    signals.outcome_recorded.connect(_outcome, dispatch_uid="payments.outcome")
