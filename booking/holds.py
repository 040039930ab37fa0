"""Waitlist holds: a slot kept for one patient while they answer an offer, then booked or released.

A hold is an Appointment row with status `held` until `hold_expires_at`: the exclusion
constraints on therapists and rooms count it as taken, and so does `find_slots`, so nobody
else can book or be offered that time. Accepting turns the same row into a confirmed
booking under `book`'s locks and checks, with the patient's own hold left out of them.
Releasing is a conditional update held -> released, so of a patient accepting and the
sweep expiring the hold at once, exactly one wins.

The waitlist (beside booking) calls these and records its own events and offers in the
same transaction; booking knows nothing of entries or offers.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit import log as history
from audit.models import Kind
from booking import checks, locks, outbox, rooms, signals, stamps
from booking.exceptions import InvalidBooking, InvalidTransition, NotAllowed, SlotTaken
from booking.intake import INTAKE_FIELDS, IntakeData
from booking.models import Appointment, MassageType, Status
from booking.services import _as_slot_taken, _event, _insert_session, _needs_nearest, _new_session
from clinic.models import User
from therapists.models import Therapist


class HoldGone(InvalidTransition):
    """The hold was released or ran out: the slot is no longer kept for the patient."""

    code = "offer_gone"


def hold(
    *,
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    start: datetime,
    expires_at: datetime,
    now: datetime,
) -> Appointment:
    """Keep the slot for the patient until `expires_at`, or raise a BookingError (taken, patient busy, limits).

    A taken slot's SlotTaken offers the nearest free times that day.
    """
    try:
        return _hold(
            patient=patient, therapist=therapist, massage_type=massage_type, start=start, expires_at=expires_at, now=now
        )
    except SlotTaken as refused:
        if not _needs_nearest(refused):
            raise
        raise checks.offering_nearest(
            refused, therapist=therapist, massage_type=massage_type, start=start, now=now, staff=False
        ) from refused


@transaction.atomic
def _hold(
    *,
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    start: datetime,
    expires_at: datetime,
    now: datetime,
) -> Appointment:
    if expires_at <= now:
        raise InvalidBooking("A hold must end in the future.", fields={"expires_at": "Give a later time."})
    checks.check_active(therapist=therapist, massage_type=massage_type)
    # The patient's rules, not the clinic's: whoever offers it, the patient books online (and
    # only what they could accept is offered).
    checks.check_start(start=start, now=now, staff=False)
    appointment = _new_session(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=start,
        now=now,
        staff=False,
        held_until=expires_at,
    )
    _insert_session(appointment, [])  # a hold owes no notice: the offer's is the waitlist's
    return appointment


def confirm_hold(
    *, appointment: Appointment, by: User, intake: IntakeData | None = None, now: datetime | None = None
) -> Appointment:
    """Book the held slot for its patient with the intake, as `book` would, or raise (HoldGone when it ran out).

    A taken slot's SlotTaken offers the nearest free times that day.
    """
    now = now or timezone.now()
    try:
        return _confirm_hold(appointment=appointment, by=by, intake=intake or IntakeData(), now=now)
    except SlotTaken as refused:
        if not _needs_nearest(refused):
            raise
        raise checks.offering_nearest(
            refused,
            therapist=appointment.therapist,
            massage_type=appointment.massage_type,
            start=appointment.start,
            now=now,
            staff=False,
            ignoring=appointment.pk,
        ) from refused


@transaction.atomic
def _confirm_hold(*, appointment: Appointment, by: User, intake: IntakeData, now: datetime) -> Appointment:
    errors = intake.errors()
    if errors:
        raise InvalidBooking("Please check the intake answers.", fields=errors)
    # book's locks, in booking.locks' order, then the held row itself.
    _, confirmed_at = locks.lock_for_booking(appointment.therapist_id, patient_id=appointment.patient_id)
    email_confirmed = confirmed_at is not None
    locked = locks.lock_appointment(appointment.pk)
    if locked.patient_id != by.pk:
        raise NotAllowed("This offer is not yours.")
    if locked.status != Status.HELD or locked.hold_expires_at is None or locked.hold_expires_at <= now:
        raise HoldGone("Sorry, this offer has ended: the time is no longer kept for you.")
    therapist, massage_type, start = locked.therapist, locked.massage_type, locked.start
    checks.check_active(therapist=therapist, massage_type=massage_type)
    checks.check_start(start=start, now=now, staff=False)
    standing, hours = checks.read_for_booking(
        patient_id=locked.patient_id,
        therapist=therapist,
        massage_type=massage_type,
        start=start,
        now=now,
        ignoring=locked.pk,
    )
    checks.check_patient_limits(
        patient_id=locked.patient_id, email_confirmed=email_confirmed, now=now, held=standing.held
    )
    # The patient's own hold never stands in their way; anything else that changed since does.
    end, blocked_until, location_id = checks.check_slot(
        therapist=therapist,
        massage_type=massage_type,
        start=start,
        now=now,
        staff=False,
        ignoring=locked.pk,
        hours=hours,
    )
    checks.check_patient_free(
        patient_id=locked.patient_id, start=start, end=end, staff=False, ignoring=locked.pk, busy=standing.busy
    )
    room = rooms.take_room(
        massage_type=massage_type,
        location_id=location_id,
        start=start,
        blocked_until=blocked_until,
        ignoring=locked.pk,
        keep=locked.room_id,
    )
    locked.status = Status.CONFIRMED
    locked.hold_expires_at = None
    locked.room = room
    locked.end, locked.blocked_until = end, blocked_until
    locked.price = massage_type.price
    for name in INTAKE_FIELDS:
        setattr(locked, name, getattr(intake, name))
    locked.red_flags = list(intake.red_flags)
    try:
        locked.save(
            update_fields=[
                "status",
                "hold_expires_at",
                "room",
                "end",
                "blocked_until",
                "price",
                *INTAKE_FIELDS,
                "updated_at",
            ]
        )
    except IntegrityError as exc:
        raise _as_slot_taken(exc) from exc
    outbox.record_booked(locked, now=now)
    _event(
        Kind.BOOKED,
        locked,
        by=by,
        summary=f"{massage_type} with {therapist}, {history.when(start)} (a waitlist offer)",
        now=now,
        start=timezone.localtime(start).isoformat(),
        therapist=therapist.pk,
        waitlist=True,
    )
    signals.booked.send(Appointment, appointment=locked, by=by, staff=False, now=now)
    return locked


@transaction.atomic
def release_hold(*, appointment: Appointment, now: datetime, expired_only: bool = False) -> bool:
    """Free the held slot (declined, withdrawn or, with `expired_only`, run out); return whether this call did.

    A conditional update: if the patient's acceptance holds the row, this waits for it and
    then finds the row confirmed, and releases nothing.
    """
    # confirm_hold's locks first, in the same order. Updating the row alone would hold it while
    # waiting for the patient's row (the events below reference it) that an acceptance holds
    # while it waits for this row: a deadlock.
    locks.lock_for_booking(appointment.therapist_id, patient_id=appointment.patient_id)
    held = Appointment.objects.filter(pk=appointment.pk, status=Status.HELD)
    if expired_only:
        held = held.filter(hold_expires_at__lte=now)
    if not held.update(status=Status.RELEASED, updated_at=now):
        return False
    released = Appointment.objects.select_related("room").get(pk=appointment.pk)
    # A conditional update sends no save signal (booking.stamps): bump the freed days here.
    stamps.bump_sessions((released.room.location_id, released.start, released.blocked_until))
    signals.time_freed.send(
        Appointment,
        therapist_ids=[released.therapist_id],
        location_id=released.room.location_id,
        start=released.start,
        end=released.blocked_until,
        now=now,
    )
    return True
