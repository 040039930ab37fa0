"""Whether a patient may still change a session online, and until when: one answer for every page, e-mail and API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from booking.models import Appointment, Status


def cancel_deadline(appointment: Appointment) -> datetime:
    """Return the last moment the patient may cancel or reschedule the appointment online."""
    return appointment.start - settings.CANCELLATION_WINDOW


def has_started(appointment: Appointment, *, now: datetime) -> bool:
    """Return whether the session has started (its outcome and note can be recorded from then on)."""
    return appointment.start <= now


@dataclass(frozen=True)
class ChangePolicy:
    """Whether the patient may still cancel or move an appointment online, until when, and if not, why."""

    can_change: bool
    deadline: datetime | None  # None once it has passed, or when the session is not confirmed
    reason: str  # for the patient, when can_change is False; '' otherwise


def window_hours() -> str:
    """Return the cancellation window in hours as the pages and messages say it: '24'."""
    return f"{settings.CANCELLATION_WINDOW.total_seconds() / 3600:g}"


def late_change_advice() -> str:
    """Return what a patient is told to do inside the cancellation window."""
    phone = settings.CLINIC_PHONE
    return f"Within {window_hours()} hours of the session, please call us on {phone} to cancel or move it."


def change_policy(appointment: Appointment, *, now: datetime) -> ChangePolicy:
    """Return whether the patient may cancel or move the appointment online now, the deadline and the reason."""
    if appointment.status != Status.CONFIRMED:
        return ChangePolicy(False, None, f"This appointment is {appointment.get_status_display().lower()}.")
    if has_started(appointment, now=now):
        return ChangePolicy(False, None, "The session has already started.")
    deadline = cancel_deadline(appointment)
    if now > deadline:
        return ChangePolicy(False, None, late_change_advice())
    return ChangePolicy(True, deadline, "")


def patient_can_change(appointment: Appointment, *, now: datetime | None = None) -> bool:
    """Return whether the patient may still cancel or reschedule the appointment online."""
    return change_policy(appointment, now=now or timezone.now()).can_change
