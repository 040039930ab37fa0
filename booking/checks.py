"""The checks a booking passes before it is written: who acts, the start, the slot, the patient, the offer.

And whether a session may still be cancelled or moved (`check_change_window`).

Read-only: each raises a domain exception from `booking.exceptions` and writes nothing.
The write side (`booking.services`) calls them under its locks.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from booking import rooms, slot_reads
from booking.availability import Slot, find_slots, working_windows
from booking.exceptions import (
    CancellationTooLate,
    InvalidBooking,
    InvalidTransition,
    NotAllowed,
    PatientBusy,
    PolicyRefused,
    SlotTaken,
    SlotUnavailable,
)
from booking.models import Appointment, MassageType, Status
from booking.policy import cancel_deadline
from clinic import dates
from clinic.models import User
from therapists.models import Therapist

JUST_TAKEN = "Sorry, that time was just taken. Please choose another slot."
NO_ROOM_LEFT = "Sorry, no treatment room is free at that time any more. Please choose another slot."
# Replaced by the nearest free times when a refusal can offer them.
_CHOOSE_ANOTHER = "Please choose another slot."


def is_staff(user: User | None) -> bool:
    return bool(user is not None and user.is_staff)


def acts_for_clinic(user: User, appointment: Appointment) -> bool:
    """Return whether the user changes the appointment as the clinic (staff or its therapist), not as its patient."""
    if appointment.patient_id == user.pk:
        return False  # staff with a booking of their own keep the patients' rules for it
    return is_staff(user) or is_therapist_of(user, appointment)


def is_therapist_of(user: User | None, appointment: Appointment) -> bool:
    return user is not None and Therapist.objects.filter(pk=appointment.therapist_id, user_id=user.pk).exists()


def check_start(*, start: datetime, now: datetime, staff: bool) -> None:
    if timezone.is_naive(start):
        raise InvalidBooking("The start needs a time zone offset.", fields={"start": "Give an ISO 8601 offset."})
    if start <= now:
        raise InvalidBooking("That time has already passed.", fields={"start": "The start is in the past."})
    if staff:
        return
    if start < now + settings.BOOKING_MIN_NOTICE:
        hours = settings.BOOKING_MIN_NOTICE.total_seconds() / 3600
        raise PolicyRefused(
            f"Online bookings need at least {hours:g} hours' notice; please call the clinic for sooner.",
            code="notice_too_short",
        )
    if start > now + settings.BOOKING_HORIZON:
        raise PolicyRefused(
            f"Bookings open {settings.BOOKING_HORIZON.days} days ahead; please choose an earlier date.",
            code="beyond_horizon",
        )


def check_slot(
    *,
    therapist: Therapist,
    massage_type: MassageType,
    start: datetime,
    now: datetime,
    staff: bool,
    ignoring: int | None = None,
    hours: list[tuple[Any, ...]] | None = None,
) -> tuple[datetime, datetime, int]:
    """Raise unless [start, end + buffer) is free for the therapist; return (end, blocked_until, location id).

    The start must be one `find_slots` offers: on the grid of working hours at a location,
    clear of time off and of the therapist's sessions. One query answers the common case
    (the hours with whether time off or a session is in the way, which also shows that the
    therapist offers the massage); the room is `take_room`'s.
    A refusal, or a start two locations could take, asks `find_slots` itself. `hours` are
    those rows when already read (`read_for_booking`).
    """
    end, blocked_until = massage_type.span(start)
    rows = (
        slot_reads.hours_in_the_way(massage_type.pk, therapist.pk, start, end, blocked_until, ignoring)
        if hours is None
        else hours
    )
    if not rows:
        # No hours for this massage: say so if the therapist does not offer it at all.
        check_offer(therapist=therapist, massage_type=massage_type)
    if any(row[-1] for row in rows):
        raise offering_nearest(
            SlotTaken(JUST_TAKEN),
            therapist=therapist,
            massage_type=massage_type,
            start=start,
            now=now,
            staff=staff,
            ignoring=ignoring,
        )
    grid = timedelta(minutes=settings.BOOKING_SLOT_GRID_MINUTES)
    fits: set[int] = set()
    for _, location_id, zone_name, weekday, _, _, time_off, _ in rows:
        zone = ZoneInfo(zone_name)
        day = start.astimezone(zone).date()
        if time_off or day.weekday() != weekday or not _on_grid(start, zone, grid):
            continue
        spans = [(row[4], row[5]) for row in rows if row[1] == location_id and row[3] == weekday]
        if any(
            window_start <= start and end <= window_end
            for window_start, window_end in working_windows(day, spans, zone)
        ):
            fits.add(location_id)
    if len(fits) == 1:
        return end, blocked_until, fits.pop()
    return _check_slot_by_search(
        therapist=therapist, massage_type=massage_type, start=start, now=now, staff=staff, ignoring=ignoring
    )


def _on_grid(instant: datetime, zone: ZoneInfo, grid: timedelta) -> bool:
    """Return whether the instant's wall-clock time of day in the zone is on the slot grid (counted from midnight)."""
    local = instant.astimezone(zone)
    since_midnight = timedelta(
        hours=local.hour, minutes=local.minute, seconds=local.second, microseconds=local.microsecond
    )
    return not since_midnight % grid


def _check_slot_by_search(
    *,
    therapist: Therapist,
    massage_type: MassageType,
    start: datetime,
    now: datetime,
    staff: bool,
    ignoring: int | None,
) -> tuple[datetime, datetime, int]:
    """Check the start against `find_slots`' answer for its days: the location of two, or the reason for a refusal."""
    end, blocked_until = massage_type.span(start)
    free = _free_around(
        therapist=therapist, massage_type=massage_type, start=start, now=now, staff=staff, ignoring=ignoring
    )
    slot = next((slot for slot in free if slot.start == start), None)
    if slot is None:
        same_day = _same_day(free, start)
        if rooms.no_room_left(therapist=therapist, massage_type=massage_type, start=start, end=end, ignoring=ignoring):
            raise with_nearest(SlotTaken(NO_ROOM_LEFT), therapist=therapist, start=start, free=same_day)
        raise SlotUnavailable(unavailable_message(therapist, massage_type, start, same_day))
    return end, blocked_until, slot.location_id


def _free_around(
    *,
    therapist: Therapist,
    massage_type: MassageType,
    start: datetime,
    now: datetime,
    staff: bool,
    ignoring: int | None,
) -> list[Slot]:
    """Return `find_slots`' answer for the start's day and a day either side (the staff's rules for staff)."""
    # A day either side: the therapist's locations may keep other zones than the clinic's,
    # whose calendar date differs near midnight.
    day = timezone.localdate(start)
    return find_slots(
        massage_type,
        day - timedelta(days=1),
        day + timedelta(days=1),
        [therapist],
        now=now,
        min_notice=timedelta(0) if staff else None,
        # Staff may book past the online horizon; the slot must still be on the schedule.
        horizon=max(settings.BOOKING_HORIZON, start - now) if staff else None,
        ignoring=ignoring,
    )


def _same_day(free: Iterable[Slot], start: datetime) -> list[datetime]:
    """Return the free starts on the start's day in the clinic's zone."""
    day = timezone.localdate(start)
    return [slot.start for slot in free if timezone.localdate(slot.start) == day]


def nearest_times(start: datetime, free: Iterable[datetime]) -> list[datetime]:
    """Return the free starts nearest the start: the last one before it and the first one after it."""
    starts = list(free)
    before = [moment for moment in starts if moment < start]
    after = [moment for moment in starts if moment > start]
    return ([max(before)] if before else []) + ([min(after)] if after else [])


def nearest_times_sentence(therapist: Therapist, nearest: list[datetime]) -> str:
    """Return the sentence offering the nearest free times, or saying the therapist has none that day."""
    if nearest:
        times = " or ".join(dates.clock(moment) for moment in nearest)
        return f"The nearest free times that day are {times}."
    return f"{therapist} has no free time that day."


def unavailable_message(therapist: Therapist, massage_type: MassageType, start: datetime, free: list[datetime]) -> str:
    """Say why the start cannot be booked (off the grid, or not free), offering the free starts either side that day."""
    grid = settings.BOOKING_SLOT_GRID_MINUTES
    local = timezone.localtime(start)
    if local.minute % grid or local.second or local.microsecond:
        hour = local.replace(minute=0, second=0, microsecond=0)
        grid_times = f"{dates.clock(hour)}, {dates.clock(hour.replace(minute=grid))}"
        message = f"Sessions start on the {grid}-minute grid ({grid_times}, ...)."
    else:
        message = f"{therapist} is not available for a {massage_type.duration_minutes}-minute session at that time."
    return f"{message} {nearest_times_sentence(therapist, nearest_times(start, free))}"


def with_nearest(refused: SlotTaken, *, therapist: Therapist, start: datetime, free: Iterable[datetime]) -> SlotTaken:
    """Return the refusal offering the free starts nearest the refused one, in its message and by the start field."""
    nearest = nearest_times(start, free)
    sentence = nearest_times_sentence(therapist, nearest)
    reason = refused.message.removesuffix(_CHOOSE_ANOTHER).rstrip()
    return SlotTaken(f"{reason} {sentence}", fields={**refused.fields, "start": sentence}, nearest=nearest)


def offering_nearest(
    refused: SlotTaken,
    *,
    therapist: Therapist,
    massage_type: MassageType,
    start: datetime,
    now: datetime,
    staff: bool,
    ignoring: int | None = None,
) -> SlotTaken:
    """Return the refusal offering the nearest free starts that day, as `find_slots` reads them now."""
    free = _free_around(
        therapist=therapist, massage_type=massage_type, start=start, now=now, staff=staff, ignoring=ignoring
    )
    return with_nearest(refused, therapist=therapist, start=start, free=_same_day(free, start))


class Standing(NamedTuple):
    """What the patient holds, read in one query under their lock: upcoming bookings and a clash with a new session."""

    held: int
    busy: bool


class BookingReads(NamedTuple):
    """What a booking reads under its locks, in one statement: the patient's standing and the slot check's hours."""

    standing: Standing
    hours: list[tuple[Any, ...]]


def read_for_booking(
    *,
    patient_id: int,
    therapist: Therapist,
    massage_type: MassageType,
    start: datetime,
    now: datetime,
    ignoring: int | None = None,
) -> BookingReads:
    """Return the patient's standing (`check_patient_limits`, `check_patient_free`) and the hours (`check_slot`)."""
    end, blocked_until = massage_type.span(start)
    (singles, courses, clashes), hours = slot_reads.standing_and_hours_in_the_way(
        patient_id, massage_type.pk, therapist.pk, start, end, blocked_until, now, ignoring
    )
    return BookingReads(Standing(held=singles + courses, busy=bool(clashes)), hours)


def patient_standing(
    *, patient_id: int, start: datetime, end: datetime, now: datetime, ignoring: int | None = None
) -> Standing:
    """Return the patient's upcoming bookings (a course counts as one) and whether a session meets [start, end)."""
    singles, courses, clashes = slot_reads.patient_counts(patient_id, start, end, now, ignoring)
    return Standing(held=singles + courses, busy=bool(clashes))


def check_patient_free(
    *, patient_id: int, start: datetime, end: datetime, staff: bool, ignoring: int | None = None, busy: bool = True
) -> None:
    """Raise PatientBusy if the patient has another active session meeting [start, end).

    `busy` False (from `patient_standing`, read under the patient's lock) says no session can clash.
    """
    if not busy:
        return
    # The session itself, not its buffer: the buffer turns the room over, the patient has left.
    clashes = Appointment.objects.active().for_patient(patient_id).filter(start__lt=end, end__gt=start)
    if ignoring is not None:
        clashes = clashes.exclude(pk=ignoring)
    clash = clashes.select_related("massage_type", "therapist").order_by("start").first()
    if clash is None:
        return
    zone = timezone.get_default_timezone()
    clash_start, clash_end = clash.start.astimezone(zone), clash.end.astimezone(zone)
    when = f"{dates.long_day(clash_start, zone)}, {dates.clock_span(clash_start, clash_end, zone)} ({clash_start:%Z})"
    who = "The patient already has" if staff else "You already have"
    raise PatientBusy(
        f"{who} a session at that time: {clash.massage_type} with {clash.therapist} on {when}. "
        "A person can be in one session at a time; please choose a time that does not overlap it."
    )


def check_active(*, therapist: Therapist, massage_type: MassageType) -> None:
    """Raise unless the massage is offered and the therapist takes bookings at all (no query).

    Whether the therapist offers this massage is the slot check's: the hours it reads are
    those of the massages a therapist offers, and when it finds none it asks `check_offer`.
    """
    if not massage_type.is_active:
        raise InvalidBooking("This massage is not offered at the moment.", fields={"massage_type": "Not offered."})
    if not therapist.is_active:
        raise InvalidBooking("This therapist is not taking bookings.", fields={"therapist": "Not taking bookings."})


def check_offer(*, therapist: Therapist, massage_type: MassageType) -> None:
    check_active(therapist=therapist, massage_type=massage_type)
    if not therapist.massage_types.filter(pk=massage_type.pk).exists():
        raise InvalidBooking(
            f"{therapist} does not offer {massage_type}.",
            fields={"therapist": f"{therapist} does not offer {massage_type}."},
        )


def upcoming_bookings(*, patient_id: int, now: datetime) -> int:
    """Return how many upcoming bookings the patient holds, a course of care counting as one."""
    counts = Appointment.objects.filter(patient_id=patient_id, status=Status.CONFIRMED, start__gte=now).aggregate(
        singles=Count("pk", filter=Q(series__isnull=True)), courses=Count("series", distinct=True)
    )
    return int(counts["singles"]) + int(counts["courses"])


def check_patient_limits(*, patient_id: int, email_confirmed: bool, now: datetime, held: int | None = None) -> None:
    """Raise PolicyRefused if the patient may not take one more booking online (read under the patient's lock).

    `held` is their upcoming bookings when already read (`patient_standing`).
    """
    if held is None:
        held = upcoming_bookings(patient_id=patient_id, now=now)
    if held >= settings.MAX_ACTIVE_APPOINTMENTS:
        raise PolicyRefused(
            f"You already hold {held} upcoming appointments, the most we keep for one person. "
            "Please cancel one or wait until after your next session.",
            code="too_many_appointments",
        )
    if held and not email_confirmed:
        # One booking is kept for a new account; more wait until the address is shown to be theirs.
        raise PolicyRefused(
            "Please confirm your e-mail address before booking more: open the link we e-mailed you. "
            f"Check your inbox for the e-mail from {settings.CLINIC_NAME}; "
            "you can ask for a new link on My appointments.",
            code="email_unconfirmed",
        )


def check_change_window(
    *, appointment: Appointment, by: User, now: datetime, action: str, late_fee_accepted: bool = False
) -> bool:
    """Raise unless the caller may cancel or move this appointment now; return whether it is late.

    Late is inside the window, by the patient, who accepted the late-cancellation fee (the
    payments app charges it, or refuses the cancellation when it cannot).
    """
    if appointment.status != Status.CONFIRMED:
        raise InvalidTransition(f"Only a confirmed appointment can be {action}.")
    if appointment.start <= now:
        raise InvalidTransition(f"The session has already started and can no longer be {action}.")
    if acts_for_clinic(by, appointment):
        return False
    if appointment.patient_id != by.pk:
        raise NotAllowed("This is not your appointment.")
    deadline = cancel_deadline(appointment)
    if now <= deadline:
        return False
    if late_fee_accepted:
        return True
    hours = settings.CANCELLATION_WINDOW.total_seconds() / 3600
    raise CancellationTooLate(
        f"Appointments can be {action} online until {hours:g} hours before the start "
        f"(the deadline was {dates.moment(deadline, appointment.zone)}). "
        f"Please call the clinic on {settings.CLINIC_PHONE}."
    )
