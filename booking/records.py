"""Changes to a booked session that leave its time alone: its intake answers, a confirmation sent again.

Each function is one atomic transaction under the appointment's lock (booking.locks),
raises a domain exception from `booking.exceptions` when a rule refuses, and records its
event in the same transaction. The outcome marks are `booking.services`'.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from audit import log as history
from audit.models import Kind
from booking import checks, locks, outbox
from booking.exceptions import InvalidBooking, InvalidTransition, NotAllowed
from booking.intake import INTAKE_FIELDS, IntakeData
from booking.models import Appointment, Status
from booking.services import _event
from clinic.models import User


@transaction.atomic
def update_intake(
    *, appointment: Appointment, by: User, intake: IntakeData, now: datetime | None = None
) -> Appointment:
    """Replace the appointment's intake answers (its patient or staff, before the session starts)."""
    now = now or timezone.now()
    locked = locks.lock_appointment(appointment.pk)
    if not (checks.is_staff(by) or locked.patient_id == by.pk):
        raise NotAllowed("Only the patient can change the intake of this appointment.")
    if locked.status != Status.CONFIRMED:
        raise InvalidTransition("Only a confirmed appointment's intake can be changed.")
    if locked.start <= now:
        raise InvalidTransition("The session has already started; its intake can no longer be changed.")
    errors = intake.errors()
    if errors:
        raise InvalidBooking("Please check the intake answers.", fields=errors)
    before = IntakeData.of(locked)
    changed = [name for name in INTAKE_FIELDS if getattr(before, name) != getattr(intake, name)]
    locked.focus_areas = intake.focus_areas
    locked.pain_level = intake.pain_level
    locked.pressure = intake.pressure
    locked.health_notes = intake.health_notes
    locked.red_flags = list(intake.red_flags)
    locked.provider_consulted = intake.provider_consulted
    locked.save(update_fields=[*INTAKE_FIELDS, "updated_at"])
    if changed:
        # Which answers changed, never what they say.
        _event(
            Kind.INTAKE_CHANGED,
            locked,
            by=by,
            summary=f"Intake changed: {', '.join(changed)}",
            now=now,
            fields=changed,
        )
    return locked


@transaction.atomic
def resend_confirmation(*, appointment: Appointment, by: User, now: datetime | None = None) -> Appointment:
    """Queue one more confirmation of a confirmed, upcoming appointment (the clinic's staff ask for it)."""
    now = now or timezone.now()
    locked = locks.lock_appointment(appointment.pk)
    if not checks.is_staff(by):
        raise NotAllowed("Only the clinic's staff can resend a confirmation.")
    if locked.status != Status.CONFIRMED or locked.start <= now:
        raise InvalidTransition("Only a confirmed, upcoming appointment has a confirmation to resend.")
    outbox.record_confirmation_resend(locked, now=now)
    _event(
        Kind.CONFIRMATION_RESENT,
        locked,
        by=by,
        summary=f"Confirmation of the session of {history.when(locked.start)} sent again",
        now=now,
    )
    return locked
