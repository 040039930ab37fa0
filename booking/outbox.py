"""The notification outbox: rows written in the same transaction as the booking change."""

from __future__ import annotations

from datetime import datetime

from booking.models import Appointment


def record_booked(appointment: Appointment, *, now: datetime) -> None:
    """Record the confirmation, the therapist's notice and the reminders of a new booking."""


def record_cancelled(appointment: Appointment, *, now: datetime) -> None:
    """Void the pending reminders and record the cancellation notices."""


def record_rescheduled(appointment: Appointment, *, previous_start: datetime, now: datetime) -> None:
    """Void the old reminders, record the new ones and the reschedule notices."""


def record_confirmation_resend(appointment: Appointment, *, now: datetime) -> None:
    """Record one more confirmation for the appointment (staff asked to resend it)."""
