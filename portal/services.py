"""The therapist's own writes: working hours, time off (with the conflict flow), session outcome and notes.

Each function is one transaction and raises a `booking.exceptions.BookingError` when a rule
refuses, so pages and the API report it the same way. Cancelling and marking sessions go
through `booking.services`; no rule of theirs is repeated here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, time

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from audit import log as history
from audit.models import Kind
from booking import locks, signals
from booking import services as booking_services
from booking.exceptions import BookingError, InvalidBooking, InvalidTransition, NotAllowed
from booking.models import Appointment, Status
from clinic import dates
from clinic.models import User
from locations.models import Location, default_location
from therapists.models import (
    SessionNote,
    SessionNoteRevision,
    Therapist,
    TimeOff,
    Weekday,
    WorkingHours,
    new_calendar_token,
)

# Told to the patient in the cancellation notice; the therapist's own reason stays private.
TIME_OFF_CANCELLATION_REASON = "Your therapist is not available at this time. We are sorry for the change."


class InvalidSchedule(InvalidBooking):
    """The working hours or time off given are not a valid schedule."""


class TimeOffConflict(BookingError):
    """The new time off covers booked sessions: the therapist must choose to keep or cancel them."""

    code = "time_off_conflict"
    status = 409

    def __init__(self, message: str, *, appointments: Sequence[Appointment]) -> None:
        super().__init__(message, fields={"on_conflict": "Choose whether to keep or cancel these sessions."})
        self.appointments = list(appointments)


class NoteChanged(BookingError):
    """The note was saved elsewhere since this version was loaded."""

    code = "note_changed"
    status = 409


# --- Working hours ---------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """One weekly span of working hours at a location, in the location's wall-clock time.

    No location (None) means the clinic's first one.
    """

    weekday: int
    start: time
    end: time
    location_id: int | None = None


def _by_day(span: Span) -> tuple[int, time, time]:
    return (span.weekday, span.start, span.end)


def span_problems(spans: Sequence[Span]) -> dict[int, str]:
    """Return a message for each span (by index) that is invalid or overlaps another of its day."""
    problems: dict[int, str] = {}
    for index, span in enumerate(spans):
        if span.weekday not in Weekday.values:
            problems[index] = "The day must be one of Monday to Sunday."
        elif span.start >= span.end:
            problems[index] = "The end must be after the start, within the same day."
    reach: Span | None = None  # the span reaching latest into the day so far
    # Spans of one day never overlap, wherever each one is.
    ordered = sorted((i for i in range(len(spans)) if i not in problems), key=lambda i: (_by_day(spans[i]), i))
    for index in ordered:
        span = spans[index]
        if reach is None or reach.weekday != span.weekday:
            reach = span
            continue
        # Touching spans (12:00-13:00 then 13:00-17:00) are fine; only a real overlap is refused.
        if span.start < reach.end:
            problems[index] = (
                f"{Weekday(span.weekday).label} {dates.clock_span(span.start, span.end)} "
                f"overlaps {dates.clock_span(reach.start, reach.end)}."
            )
        if span.end > reach.end:
            reach = span
    return problems


def location_problems(spans: Sequence[Span], active_ids: Collection[int]) -> dict[int, str]:
    """Return a message for each span (by index) whose location is not one of the active locations."""
    return {
        index: f"There is no active location with id {span.location_id}; choose one of the clinic's locations."
        for index, span in enumerate(spans)
        if span.location_id is not None and span.location_id not in active_ids
    }


@transaction.atomic
def set_working_hours(*, therapist: Therapist, spans: Sequence[Span], by: User | None = None) -> list[WorkingHours]:
    """Replace all of the therapist's weekly spans at once, or change nothing and raise InvalidSchedule."""
    problems = span_problems(spans)
    misplaced = location_problems(spans, set(Location.objects.active().values_list("pk", flat=True)))
    if problems or misplaced:
        fields = {f"spans[{index}]": message for index, message in sorted(problems.items())}
        fields.update({f"spans[{index}].location": message for index, message in sorted(misplaced.items())})
        raise InvalidSchedule("Please correct the working hours.", fields=fields)
    first = default_location()
    placed = sorted(
        (Span(s.weekday, s.start, s.end, s.location_id or first.pk) for s in spans),
        key=lambda span: (_by_day(span), span.location_id),
    )
    names = dict(Location.objects.filter(pk__in={s.location_id for s in placed}).values_list("pk", "name"))
    # The same lock `book` takes: no booking is checked against half-replaced hours.
    locks.lock_therapists(therapist.pk)
    WorkingHours.objects.filter(therapist=therapist).delete()
    try:
        with transaction.atomic():
            created = WorkingHours.objects.bulk_create(
                [
                    WorkingHours(
                        therapist=therapist, weekday=s.weekday, start=s.start, end=s.end, location_id=s.location_id
                    )
                    for s in placed
                ]
            )
    except IntegrityError as exc:  # the check and exclusion constraints have the last word
        raise InvalidSchedule("These working hours overlap or are not valid.") from exc
    several = len(names) > 1
    week = [
        f"{Weekday(s.weekday).label[:3]} {dates.clock_span(s.start, s.end)}"
        + (f" at {names[s.location_id]}" if several and s.location_id is not None else "")
        for s in placed
    ]
    history.record(
        Kind.HOURS_CHANGED,
        summary=f"Working hours of {therapist}: {', '.join(week) or 'none'}",
        by=by,
        therapist_id=therapist.pk,
        data={"spans": week},
    )
    # New hours may open time someone waits for; the waitlist looks at what is free in them.
    now = timezone.now()
    signals.time_freed.send(
        Therapist,
        therapist_ids=[therapist.pk],
        location_id=None,
        start=now,
        end=now + settings.BOOKING_HORIZON,
        now=now,
    )
    return created


# --- Time off --------------------------------------------------------------------------


class OnConflict(models.TextChoices):
    KEEP = "keep", "Keep these sessions (I will see these patients)"
    CANCEL = "cancel", "Cancel these sessions and notify the patients"


@dataclass(frozen=True)
class TimeOffResult:
    """The new time off and what happened to the sessions it covers."""

    time_off: TimeOff
    cancelled: list[Appointment] = field(default_factory=list)
    kept: list[Appointment] = field(default_factory=list)


def conflicting_sessions(*, therapist: Therapist, start: datetime, end: datetime, now: datetime) -> list[Appointment]:
    """Return the therapist's confirmed sessions, not yet started, that meet [start, end)."""
    return list(
        Appointment.objects.for_therapist(therapist)
        .filter(status=Status.CONFIRMED, start__gt=now, start__lt=end, end__gt=start)
        .select_related("patient", "massage_type", "room__location")
        .order_by("start")
    )


def _check_time_off_range(*, start: datetime, end: datetime, now: datetime) -> None:
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise InvalidSchedule("Times need a time zone.", fields={"start": "Give an ISO 8601 offset."})
    if start >= end:
        raise InvalidSchedule("The end must be after the start.", fields={"end": "The end must be after the start."})
    if end <= now:
        raise InvalidSchedule("That time off is already over.", fields={"end": "The end must be in the future."})


@transaction.atomic
def add_time_off(
    *,
    therapist: Therapist,
    start: datetime,
    end: datetime,
    by: User,
    reason: str = "",
    on_conflict: str | None = None,
    acknowledged: Collection[int] = (),
    now: datetime | None = None,
) -> TimeOffResult:
    """Add time off; if it covers booked sessions the therapist has not seen yet, raise TimeOffConflict.

    `acknowledged` holds the ids of the sessions the therapist was shown: a session booked
    after that is never cancelled (or kept) without being shown first.
    """
    now = now or timezone.now()
    _check_time_off_range(start=start, end=end, now=now)
    if by.pk != therapist.user_id and not by.is_staff:
        raise NotAllowed("Only the therapist or the clinic's staff can add this time off.")
    # Serialise with `book`, which takes the same lock: no session slips in unseen.
    locks.lock_therapists(therapist.pk)
    conflicts = conflicting_sessions(therapist=therapist, start=start, end=end, now=now)
    unseen = {a.pk for a in conflicts} - set(acknowledged)
    if conflicts and (on_conflict not in OnConflict.values or unseen):
        count = len(conflicts)
        raise TimeOffConflict(
            f"This time off covers {count} booked session{'s' if count != 1 else ''}. "
            "Choose whether to keep them or cancel them and notify the patients.",
            appointments=conflicts,
        )
    time_off = TimeOff.objects.create(therapist=therapist, start=start, end=end, reason=reason[:200])
    history.record(
        Kind.TIME_OFF_ADDED,
        summary=f"Time off of {therapist}: {history.when(start)} to {history.when(end)}"
        + (
            f" ({len(conflicts)} session(s) {'cancelled' if on_conflict == OnConflict.CANCEL else 'kept'})"
            if conflicts
            else ""
        ),
        by=by,
        therapist_id=therapist.pk,
        data={
            "start": timezone.localtime(start).isoformat(),
            "end": timezone.localtime(end).isoformat(),
            "sessions": [a.pk for a in conflicts],
        },
        at=now,
    )
    if on_conflict == OnConflict.CANCEL:
        cancelled = [
            booking_services.cancel(appointment=a, by=by, reason=TIME_OFF_CANCELLATION_REASON, now=now)
            for a in conflicts
        ]
        return TimeOffResult(time_off=time_off, cancelled=cancelled)
    return TimeOffResult(time_off=time_off, kept=conflicts)


@transaction.atomic
def remove_time_off(*, time_off: TimeOff, by: User | None = None) -> None:
    """Remove the time off: its hours become bookable again."""
    locks.lock_therapists(time_off.therapist_id)
    TimeOff.objects.filter(pk=time_off.pk).delete()
    history.record(
        Kind.TIME_OFF_REMOVED,
        summary=f"Time off removed: {history.when(time_off.start)} to {history.when(time_off.end)}",
        by=by,
        therapist_id=time_off.therapist_id,
        data={
            "start": timezone.localtime(time_off.start).isoformat(),
            "end": timezone.localtime(time_off.end).isoformat(),
        },
    )
    signals.time_freed.send(
        TimeOff,
        therapist_ids=[time_off.therapist_id],
        location_id=None,
        start=time_off.start,
        end=time_off.end,
        now=timezone.now(),
    )


# --- Session outcome and notes -----------------------------------------------------------


class Outcome(models.TextChoices):
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"


def record_outcome(*, appointment: Appointment, by: User, outcome: str, now: datetime | None = None) -> Appointment:
    """Mark the session completed or no-show through the booking services."""
    if outcome == Outcome.COMPLETED:
        return booking_services.mark_completed(appointment=appointment, by=by, now=now)
    if outcome == Outcome.NO_SHOW:
        return booking_services.mark_no_show(appointment=appointment, by=by, now=now)
    raise InvalidBooking("Unknown outcome.", fields={"outcome": f"Choose one of: {', '.join(Outcome.values)}."})


@dataclass(frozen=True)
class NoteData:
    """The SOAP content of a treatment note and the pain level after the session."""

    subjective: str = ""
    objective: str = ""
    assessment: str = ""
    plan: str = ""
    pain_after: int | None = None

    def errors(self) -> dict[str, str]:
        """Return field messages for anything wrong with the note."""
        errors: dict[str, str] = {}
        if self.pain_after is not None and not 0 <= self.pain_after <= 10:
            errors["pain_after"] = "Pain level is a number from 0 (none) to 10 (worst imaginable)."
        return errors


@transaction.atomic
def save_session_note(
    *,
    appointment: Appointment,
    by: User,
    data: NoteData,
    expected_revision: int | None = None,
    now: datetime | None = None,
) -> SessionNote:
    """Save the session's note as a new revision; raise NoteChanged if it moved on since `expected_revision`."""
    now = now or timezone.now()
    # Locking the appointment serialises the first save too, when there is no note row yet.
    locked = locks.lock_appointment(appointment.pk)
    if locked.therapist.user_id != by.pk:
        raise NotAllowed("Only the session's therapist can write its treatment notes.")
    if locked.status == Status.CANCELLED:
        raise InvalidTransition("A cancelled session has no treatment notes.")
    if locked.start > now:
        raise InvalidTransition("Treatment notes can be written once the session has started.")
    errors = data.errors()
    if errors:
        raise InvalidBooking("Please check the note.", fields=errors)
    note = SessionNote.objects.filter(appointment=locked).first() or SessionNote(appointment=locked, created_at=now)
    if expected_revision is not None and expected_revision != note.revision:
        raise NoteChanged(
            "This note was changed elsewhere since you opened it. Your text was not saved: "
            "reload to see the latest version, then apply your changes again."
        )
    content = asdict(data)
    for name, value in content.items():
        setattr(note, name, value)
    note.revision += 1
    note.updated_at = now
    note.updated_by = by
    note.save()
    SessionNoteRevision.objects.create(note=note, number=note.revision, author=by, created_at=now, **content)
    # The revision's number, never its text.
    history.record(
        Kind.NOTE_REVISED,
        summary=f"Treatment note revision {note.revision}",
        by=by,
        appointment_id=locked.pk,
        patient_id=locked.patient_id,
        therapist_id=locked.therapist_id,
        data={"revision": note.revision},
        at=now,
    )
    return note


# --- Calendar feed -----------------------------------------------------------------------


@transaction.atomic
def regenerate_calendar_token(*, therapist: Therapist) -> str:
    """Give the therapist a new feed token; the old feed URL stops working at once."""
    token = new_calendar_token()
    Therapist.objects.filter(pk=therapist.pk).update(calendar_token=token)
    therapist.calendar_token = token
    return token
