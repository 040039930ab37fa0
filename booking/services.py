"""The write side of booking: book, cancel, reschedule and record a session's outcome.

A session's intake answers and a resent confirmation are `booking.records`'.

Every function is one atomic transaction, raises a domain exception from
`booking.exceptions` when a rule refuses, and records its notices in the outbox in the
same transaction. `book` and `reschedule` wrap theirs: a SlotTaken from the exclusion
constraint (a true race, its transaction aborted) learns the nearest free times after the
rollback, so every taken slot's refusal offers them.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from audit import log as history
from audit.models import Event, Kind
from booking import checks, locks, outbox, rooms, signals, stamps, together
from booking.exceptions import (
    InvalidBooking,
    InvalidTransition,
    NotAllowed,
    SlotTaken,
)
from booking.intake import IntakeData
from booking.models import Appointment, MassageType, Status
from clinic.models import User
from locations.models import Room
from therapists.models import Therapist

EXCLUSION_VIOLATION = "23P01"


def book(
    *,
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    start: datetime,
    intake: IntakeData | None = None,
    by: User | None = None,
    room: Room | None = None,
    series: UUID | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Reserve the slot for the patient, or raise SlotTaken offering the nearest free times (or another BookingError).

    The service chooses the room (booking.rooms); staff may name one instead. Sessions booked
    as one course share a `series`: the course counts once towards the patient's limit.
    """
    now = now or timezone.now()
    try:
        return _book(
            patient=patient,
            therapist=therapist,
            massage_type=massage_type,
            start=start,
            intake=intake or IntakeData(),
            by=by,
            room=room,
            series=series,
            now=now,
        )
    except SlotTaken as refused:
        if not _needs_nearest(refused):
            raise
        raise checks.offering_nearest(
            refused, therapist=therapist, massage_type=massage_type, start=start, now=now, staff=checks.is_staff(by)
        ) from refused


@transaction.atomic
def _book(
    *,
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    start: datetime,
    intake: IntakeData,
    by: User | None,
    room: Room | None,
    series: UUID | None,
    now: datetime,
) -> Appointment:
    staff = checks.is_staff(by)
    errors = intake.errors()
    if errors:
        raise InvalidBooking("Please check the intake answers.", fields=errors)
    if room is not None and not staff:
        raise NotAllowed("The clinic chooses the room.")
    checks.check_active(therapist=therapist, massage_type=massage_type)
    checks.check_start(start=start, now=now, staff=staff)
    appointment = _new_session(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=start,
        now=now,
        staff=staff,
        intake=intake,
        room=room,
        series=series,
    )
    # The session, its notices, its event and its days' stamps: one statement.
    notices = outbox.booked_notices(appointment, now=now)
    event = _event_row(
        Kind.BOOKED,
        appointment,
        by=by or patient,
        summary=f"{massage_type} with {therapist}, {history.when(start)}" + (" (by the clinic)" if staff else ""),
        now=now,
        start=timezone.localtime(start).isoformat(),
        therapist=therapist.pk,
    )
    _insert_session(appointment, [*notices, event])
    outbox.send_after_commit(notices, now=now)
    signals.booked.send(Appointment, appointment=appointment, by=by or patient, staff=staff, now=now)
    return appointment


def _new_session(
    *,
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    start: datetime,
    now: datetime,
    staff: bool,
    intake: IntakeData | None = None,
    room: Room | None = None,
    series: UUID | None = None,
    held_until: datetime | None = None,
) -> Appointment:
    """Check the patient and the slot under book's locks and choose the room: return the session, unsaved, or raise.

    Shared by `book` and `booking.holds.hold` (`held_until`: a hold), which write it with
    `_insert_session` in the transaction that holds the locks. Staff keep the clinic's rules:
    no limits on the patient, the staff's notice and horizon.
    """
    intake = intake or IntakeData()
    # Serialise bookings per therapist, then per location (the room's choice), then per patient
    # (the limits on the patient and their other sessions): one statement. The address's
    # confirmation is read under the lock: it may be newer.
    _, confirmed_at = locks.lock_for_booking(therapist.pk, patient_id=patient.pk)
    # The patient's standing and the therapist's hours with what is in the way: one statement.
    standing, hours = checks.read_for_booking(
        patient_id=patient.pk, therapist=therapist, massage_type=massage_type, start=start, now=now
    )

    # A later session of a course being booked joins a series already counted as one booking.
    joins_series = series is not None and _holds_series(patient_id=patient.pk, series=series, now=now)
    if not staff and not joins_series:
        checks.check_patient_limits(
            patient_id=patient.pk, email_confirmed=confirmed_at is not None, now=now, held=standing.held
        )
    end, blocked_until, location_id = checks.check_slot(
        therapist=therapist, massage_type=massage_type, start=start, now=now, staff=staff, hours=hours
    )
    checks.check_patient_free(patient_id=patient.pk, start=start, end=end, staff=staff, busy=standing.busy)
    chosen = rooms.take_room(
        massage_type=massage_type, location_id=location_id, start=start, blocked_until=blocked_until, wanted=room
    )
    return Appointment(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        room=chosen,
        start=start,
        end=end,
        blocked_until=blocked_until,
        price=massage_type.price,
        status=Status.CONFIRMED if held_until is None else Status.HELD,
        hold_expires_at=held_until,
        focus_areas=intake.focus_areas,
        pain_level=intake.pain_level,
        pressure=intake.pressure,
        health_notes=intake.health_notes,
        red_flags=list(intake.red_flags),
        provider_consulted=intake.provider_consulted,
        series=series,
    )


def _insert_session(appointment: Appointment, rows: list[Model]) -> None:
    """Write the new session, the rows that point to it and its days' stamps in one statement, or raise SlotTaken.

    No savepoint around it: a violation ends the caller's whole (atomic) transaction as
    SlotTaken, and no statement runs between catching it and leaving.
    """
    bump = stamps.bump_statement(
        stamps.session_keys((appointment.room.location_id, appointment.start, appointment.blocked_until))
    )
    try:
        together.insert_together(appointment, rows, link="appointment_id", also=[bump] if bump else [])
    except IntegrityError as exc:
        raise _as_slot_taken(exc) from exc


def _needs_nearest(refused: SlotTaken) -> bool:
    """Return whether the refusal still lacks the nearest free times, and they can be read now.

    The exclusion constraint's refusal has none: its transaction was aborted, so they are read
    after the rollback (a fresh read of the primary), or inside a caller's transaction once
    rolled back to the service's savepoint. A refusal of the room staff named is about that
    room, not the time.
    """
    return refused.nearest is None and "room" not in refused.fields and not transaction.get_connection().needs_rollback


def _holds_series(*, patient_id: int, series: UUID, now: datetime) -> bool:
    """Return whether the patient already holds an upcoming session of the series (read under their lock)."""
    return Appointment.objects.filter(
        patient_id=patient_id, series=series, status=Status.CONFIRMED, start__gte=now
    ).exists()


def _event(
    kind: Kind, appointment: Appointment, *, by: User | None, summary: str, now: datetime, **data: object
) -> None:
    """Record who did what to the appointment, in this transaction (never health details)."""
    history.write(_event_row(kind, appointment, by=by, summary=summary, now=now, **data))


def _event_row(
    kind: Kind, appointment: Appointment, *, by: User | None, summary: str, now: datetime, **data: object
) -> Event:
    """Return the event `_event` records, unsaved (a new session's is written with it)."""
    return history.event(
        kind,
        summary=summary,
        by=by,
        appointment_id=appointment.pk,
        patient_id=appointment.patient_id,
        therapist_id=appointment.therapist_id,
        data=data,
        at=now,
    )


def _as_slot_taken(exc: IntegrityError) -> Exception:
    """Turn the exclusion constraint's violation into SlotTaken; leave any other error alone."""
    if getattr(exc.__cause__, "sqlstate", None) == EXCLUSION_VIOLATION:
        return SlotTaken(checks.JUST_TAKEN)
    return exc


@transaction.atomic
def cancel(
    *,
    appointment: Appointment,
    by: User,
    reason: str = "",
    notify_patient: bool = True,
    late_fee_accepted: bool = False,
    now: datetime | None = None,
) -> Appointment:
    """Cancel the appointment within the policy (staff and its therapist always may), freeing its slot.

    Staff may leave the patient's notice out (they told the patient on the phone); the
    therapist is told either way. Inside the window the patient may cancel when they accept
    the late-cancellation fee.
    """
    now = now or timezone.now()
    locked = locks.lock_appointment(appointment.pk)
    late = checks.check_change_window(
        appointment=locked, by=by, now=now, action="cancelled", late_fee_accepted=late_fee_accepted
    )
    if not notify_patient and not (checks.is_staff(by) and checks.acts_for_clinic(by, locked)):
        raise NotAllowed("Only the clinic's staff may cancel without telling the patient.")
    locked.status = Status.CANCELLED
    locked.cancelled_at = now
    locked.cancelled_by = by
    locked.cancellation_reason = reason[:300]
    locked.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancellation_reason", "updated_at"])
    outbox.record_cancelled(locked, now=now, notify_patient=notify_patient)
    _event(
        Kind.CANCELLED,
        locked,
        by=by,
        summary=f"Cancelled the session of {history.when(locked.start)}",
        now=now,
        # Whether a reason was given, never its words: a patient may write about their health,
        # and the history can never be erased. The reason stays on the appointment.
        reason_given=bool(locked.cancellation_reason),
        patient_notified=notify_patient,
        late=late,
    )
    signals.cancelled.send(Appointment, appointment=locked, by=by, late=late, now=now)
    signals.time_freed.send(
        Appointment,
        therapist_ids=[locked.therapist_id],
        location_id=locked.room.location_id,
        start=locked.start,
        end=locked.blocked_until,
        now=now,
    )
    return locked


def reschedule(
    *,
    appointment: Appointment,
    by: User,
    start: datetime,
    therapist: Therapist | None = None,
    room: Room | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move the appointment to another free slot; if it is taken, the old booking stays as it was.

    It keeps its room when that is still free; staff may name another. A taken slot's
    SlotTaken offers the nearest free times that day.
    """
    now = now or timezone.now()
    try:
        return _reschedule(appointment=appointment, by=by, start=start, therapist=therapist, room=room, now=now)
    except SlotTaken as refused:
        if not _needs_nearest(refused):
            raise
        raise checks.offering_nearest(
            refused,
            therapist=therapist or appointment.therapist,
            massage_type=appointment.massage_type,
            start=start,
            now=now,
            staff=checks.is_staff(by) and checks.acts_for_clinic(by, appointment),
            ignoring=appointment.pk,
        ) from refused


@transaction.atomic
def _reschedule(
    *,
    appointment: Appointment,
    by: User,
    start: datetime,
    therapist: Therapist | None,
    room: Room | None,
    now: datetime,
) -> Appointment:
    # Both therapists (the one it leaves and the one it goes to), the patient (their other
    # sessions cannot change under the check), then the appointment: booking.locks' order.
    held, _ = locks.lock_for_booking(
        appointment.therapist_id, therapist.pk if therapist else None, patient_id=appointment.patient_id
    )
    locked = locks.lock_appointment(appointment.pk)
    if locked.therapist_id not in held:
        raise InvalidTransition("The appointment was changed meanwhile; please reload and try again.")
    checks.check_change_window(appointment=locked, by=by, now=now, action="rescheduled")
    staff = checks.acts_for_clinic(by, locked) and checks.is_staff(by)
    if room is not None and not staff:
        raise NotAllowed("The clinic chooses the room.")
    new_therapist = therapist or locked.therapist
    checks.check_active(therapist=new_therapist, massage_type=locked.massage_type)
    checks.check_start(start=start, now=now, staff=staff)
    if start == locked.start and new_therapist.pk == locked.therapist_id:
        raise InvalidBooking("That is the current time of the appointment.", fields={"start": "Choose another time."})
    # The new time is checked and held with the catalogue as it is now, like the slots
    # the patient was shown; the price stays as booked.
    end, blocked_until, location_id = checks.check_slot(
        therapist=new_therapist, massage_type=locked.massage_type, start=start, now=now, staff=staff, ignoring=locked.pk
    )
    checks.check_patient_free(
        patient_id=locked.patient_id, start=start, end=end, staff=checks.acts_for_clinic(by, locked), ignoring=locked.pk
    )
    room = rooms.take_room(
        massage_type=locked.massage_type,
        location_id=location_id,
        start=start,
        blocked_until=blocked_until,
        ignoring=locked.pk,
        keep=locked.room_id,
        wanted=room,
    )
    previous_start, previous_therapist = locked.start, locked.therapist
    previous_blocked_until, previous_location_id = locked.blocked_until, locked.room.location_id
    locked.room = room
    locked.therapist = new_therapist
    locked.start = start
    locked.end = end
    locked.blocked_until = blocked_until
    locked.sequence += 1
    try:
        locked.save(update_fields=["therapist", "room", "start", "end", "blocked_until", "sequence", "updated_at"])
    except IntegrityError as exc:
        raise _as_slot_taken(exc) from exc
    # The new time's days were bumped by the save (booking.stamps); the old time's are here.
    stamps.bump_sessions((previous_location_id, previous_start, previous_blocked_until))
    outbox.record_rescheduled(locked, previous_start=previous_start, now=now)
    moved = f"from {history.when(previous_start)} to {history.when(start)}"
    if previous_therapist.pk != new_therapist.pk:
        moved += f", from {previous_therapist} to {new_therapist}"
    _event(
        Kind.MOVED,
        locked,
        by=by,
        summary=f"Moved {moved}",
        now=now,
        **{"from": timezone.localtime(previous_start).isoformat(), "to": timezone.localtime(start).isoformat()},
        from_therapist=previous_therapist.pk,
        to_therapist=new_therapist.pk,
    )
    signals.rescheduled.send(
        Appointment,
        appointment=locked,
        previous_start=previous_start,
        previous_therapist_id=previous_therapist.pk,
        by=by,
        now=now,
    )
    signals.time_freed.send(
        Appointment,
        therapist_ids=[previous_therapist.pk],
        location_id=previous_location_id,
        start=previous_start,
        end=previous_blocked_until,
        now=now,
    )
    return locked


def _mark(*, appointment: Appointment, by: User, status: str, now: datetime | None) -> Appointment:
    now = now or timezone.now()
    locked = locks.lock_appointment(appointment.pk)
    if not (checks.is_staff(by) or checks.is_therapist_of(by, locked)):
        raise NotAllowed("Only the session's therapist or the clinic's staff can record its outcome.")
    if locked.status == Status.CANCELLED:
        raise InvalidTransition("A cancelled appointment has no outcome to record.")
    if locked.start > now:
        raise InvalidTransition("The session has not started yet.")
    updated = Appointment.objects.filter(pk=locked.pk, status=locked.status).update(status=status, updated_at=now)
    if not updated:
        raise InvalidTransition("The appointment changed meanwhile; please reload.")
    previous = locked.status
    locked.refresh_from_db()
    _event(
        Kind.OUTCOME,
        locked,
        by=by,
        summary=f"Marked {locked.get_status_display().lower()}"
        + (f" (was {previous})" if previous != Status.CONFIRMED else ""),
        now=now,
        status=status,
        previous=previous,
    )
    signals.outcome_recorded.send(Appointment, appointment=locked, status=status, previous=previous, by=by, now=now)
    return locked


@transaction.atomic
def mark_completed(*, appointment: Appointment, by: User, now: datetime | None = None) -> Appointment:
    """Record that the session took place (its therapist or staff, once it has started)."""
    return _mark(appointment=appointment, by=by, status=Status.COMPLETED, now=now)


@transaction.atomic
def mark_no_show(*, appointment: Appointment, by: User, now: datetime | None = None) -> Appointment:
    """Record that the patient did not come (its therapist or staff, once it has started)."""
    return _mark(appointment=appointment, by=by, status=Status.NO_SHOW, now=now)
