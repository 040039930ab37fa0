"""The booking services' rules, each with its refusal."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.test import override_settings

from booking import policy, records, services
from booking.availability import find_slots
from booking.exceptions import (
    CancellationTooLate,
    InvalidBooking,
    InvalidTransition,
    NotAllowed,
    PolicyRefused,
    SlotTaken,
    SlotUnavailable,
)
from booking.intake import IntakeData
from booking.models import Appointment, Status
from tests.conftest import CLINIC_ZONE
from tests.factories import TherapistFactory, TimeOffFactory, UserFactory, weekly_hours

WEDNESDAY = date(2026, 3, 4)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CLINIC_ZONE)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def book(patient, therapist, massage_type, start, **kwargs):
    return services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=start, **kwargs)


def snapshot(appointment: Appointment) -> tuple:
    appointment.refresh_from_db()
    return (
        appointment.start,
        appointment.end,
        appointment.blocked_until,
        appointment.therapist_id,
        appointment.sequence,
        appointment.status,
    )


# --- book ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_booking_a_free_slot_creates_a_confirmed_appointment(clock, patient, therapist, massage_type):
    appointment = book(
        patient,
        therapist,
        massage_type,
        at(WEDNESDAY, 10),
        intake=IntakeData(focus_areas="lower back", pain_level=6, pressure="medium"),
    )

    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED
    assert appointment.start == at(WEDNESDAY, 10)
    assert appointment.end == at(WEDNESDAY, 11)
    assert appointment.blocked_until == at(WEDNESDAY, 11, 15)
    assert appointment.price == massage_type.price
    assert (appointment.focus_areas, appointment.pain_level, appointment.pressure) == ("lower back", 6, "medium")
    assert appointment.patient == patient


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("hour", "minute"),
    [(10, 0), (10, 30), (11, 0), (9, 0)],
    ids=["same start", "inside the session", "inside the buffer", "own buffer reaches the next session"],
)
def test_overlapping_booking_is_refused_with_slot_taken(
    clock, patient, other_patient, therapist, massage_type, hour, minute
):
    book(patient, therapist, massage_type, at(WEDNESDAY, 10))

    with pytest.raises(SlotTaken) as excinfo:
        book(other_patient, therapist, massage_type, at(WEDNESDAY, hour, minute))

    assert excinfo.value.code == "slot_taken"
    assert excinfo.value.status == 409
    assert Appointment.objects.count() == 1


@pytest.mark.django_db
def test_booking_right_after_the_buffer_is_allowed(clock, patient, other_patient, therapist, massage_type):
    book(patient, therapist, massage_type, at(WEDNESDAY, 9))

    second = book(other_patient, therapist, massage_type, at(WEDNESDAY, 10, 15))

    assert second.start == at(WEDNESDAY, 10, 15)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("hour", "minute"),
    [(8, 0), (11, 30), (12, 0), (16, 30), (18, 0), (10, 5)],
    ids=["before opening", "runs into lunch", "during lunch", "runs past closing", "after closing", "off the grid"],
)
def test_a_start_off_the_schedule_is_refused_with_slot_unavailable(
    clock, patient, therapist, massage_type, hour, minute
):
    with pytest.raises(SlotUnavailable) as excinfo:
        book(patient, therapist, massage_type, at(WEDNESDAY, hour, minute))

    assert excinfo.value.code == "slot_unavailable"
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_a_start_during_time_off_is_refused_with_slot_unavailable(clock, patient, therapist, massage_type):
    TimeOffFactory(therapist=therapist, start=at(WEDNESDAY, 13), end=at(WEDNESDAY, 15))

    with pytest.raises(SlotUnavailable):
        book(patient, therapist, massage_type, at(WEDNESDAY, 14))
    with pytest.raises(SlotUnavailable):
        book(patient, therapist, massage_type, at(WEDNESDAY, 12, 15))  # lunch, then into the time off

    assert book(patient, therapist, massage_type, at(WEDNESDAY, 15)).start == at(WEDNESDAY, 15)


@pytest.mark.django_db
def test_a_start_too_soon_is_refused_with_notice_too_short(clock, patient, therapist, massage_type):
    # The clock says Monday 08:00; online bookings need two hours' notice.
    with pytest.raises(PolicyRefused) as excinfo:
        book(patient, therapist, massage_type, at(date(2026, 3, 2), 9, 30))

    assert excinfo.value.code == "notice_too_short"
    assert book(patient, therapist, massage_type, at(date(2026, 3, 2), 10)).pk


@pytest.mark.django_db
def test_staff_may_book_at_short_notice(clock, patient, therapist, massage_type, admin_user):
    appointment = book(patient, therapist, massage_type, at(date(2026, 3, 2), 9), by=admin_user)

    assert appointment.start == at(date(2026, 3, 2), 9)


@pytest.mark.django_db
def test_a_start_beyond_the_horizon_is_refused_with_beyond_horizon(clock, patient, therapist, massage_type):
    # Bookings open 60 days (1440 hours) ahead: until 2026-05-01 09:00 in summer time.
    with pytest.raises(PolicyRefused) as excinfo:
        book(patient, therapist, massage_type, at(date(2026, 5, 1), 9, 15))

    assert excinfo.value.code == "beyond_horizon"
    assert book(patient, therapist, massage_type, at(date(2026, 5, 1), 9)).pk


@pytest.mark.django_db
def test_staff_may_book_beyond_the_horizon(clock, patient, therapist, massage_type, admin_user):
    appointment = book(patient, therapist, massage_type, at(date(2026, 6, 1), 9), by=admin_user)

    assert appointment.start == at(date(2026, 6, 1), 9)


@pytest.mark.django_db
def test_a_start_in_the_past_is_invalid(clock, patient, therapist, massage_type, admin_user):
    with pytest.raises(InvalidBooking) as excinfo:
        book(patient, therapist, massage_type, at(date(2026, 3, 1), 10), by=admin_user)

    assert excinfo.value.status == 400
    assert "start" in excinfo.value.fields


@pytest.mark.django_db
def test_a_fifth_upcoming_appointment_is_refused_with_too_many_appointments(clock, patient, therapist, massage_type):
    for day in range(4):
        book(patient, therapist, massage_type, at(WEDNESDAY + timedelta(days=day), 10))

    with pytest.raises(PolicyRefused) as excinfo:
        book(patient, therapist, massage_type, at(WEDNESDAY + timedelta(days=5), 10))

    assert excinfo.value.code == "too_many_appointments"
    assert Appointment.objects.count() == 4


@pytest.mark.django_db
def test_a_cancelled_appointment_does_not_count_towards_the_limit(clock, patient, therapist, massage_type):
    held = [book(patient, therapist, massage_type, at(WEDNESDAY + timedelta(days=day), 10)) for day in range(4)]
    services.cancel(appointment=held[0], by=patient)

    assert book(patient, therapist, massage_type, at(WEDNESDAY + timedelta(days=5), 10)).pk


@pytest.mark.django_db
@override_settings(MAX_ACTIVE_APPOINTMENTS=2)
def test_the_limit_follows_the_setting(clock, patient, therapist, massage_type):
    book(patient, therapist, massage_type, at(WEDNESDAY, 10))
    book(patient, therapist, massage_type, at(WEDNESDAY, 14))

    with pytest.raises(PolicyRefused, match="2 upcoming"):
        book(patient, therapist, massage_type, at(WEDNESDAY, 16))


@pytest.mark.django_db
def test_a_therapist_who_does_not_offer_the_massage_cannot_be_booked(clock, patient, massage_type):
    stranger = TherapistFactory(massage_types=[])
    weekly_hours(stranger)

    with pytest.raises(InvalidBooking) as excinfo:
        book(patient, stranger, massage_type, at(WEDNESDAY, 10))

    assert excinfo.value.fields["therapist"] == f"{stranger} does not offer {massage_type}."
    assert not Appointment.objects.filter(patient=patient).exists()


@pytest.mark.django_db
def test_an_inactive_therapist_cannot_be_booked(clock, patient, therapist, massage_type):
    therapist.is_active = False
    therapist.save()

    with pytest.raises(InvalidBooking):
        book(patient, therapist, massage_type, at(WEDNESDAY, 10))


@pytest.mark.django_db
def test_red_flags_need_a_provider_consulted(clock, patient, therapist, massage_type):
    with pytest.raises(InvalidBooking) as excinfo:
        book(patient, therapist, massage_type, at(WEDNESDAY, 10), intake=IntakeData(red_flags=["fever"]))
    assert set(excinfo.value.fields) == {"provider_consulted"}

    appointment = book(
        patient,
        therapist,
        massage_type,
        at(WEDNESDAY, 10),
        intake=IntakeData(red_flags=["fever"], provider_consulted=True),
    )
    assert appointment.red_flags == ["fever"]


# --- cancel ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_patient_cancels_within_the_window(clock, patient, therapist, massage_type):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))

    cancelled = services.cancel(appointment=appointment, by=patient, reason="Feeling better")

    cancelled.refresh_from_db()
    assert cancelled.status == Status.CANCELLED
    assert cancelled.cancelled_by == patient
    assert cancelled.cancellation_reason == "Feeling better"
    assert cancelled.cancelled_at is not None


@pytest.mark.django_db
def test_cancelling_frees_the_slot_in_find_slots(clock, patient, therapist, massage_type):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))
    assert at(WEDNESDAY, 10) not in {slot.start for slot in find_slots(massage_type, WEDNESDAY, WEDNESDAY)}

    services.cancel(appointment=appointment, by=patient)

    assert at(WEDNESDAY, 10) in {slot.start for slot in find_slots(massage_type, WEDNESDAY, WEDNESDAY)}


@pytest.mark.django_db
def test_patient_cannot_cancel_inside_the_window(clock, patient, therapist, massage_type):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))
    clock.move_to(at(date(2026, 3, 3), 10, 1))  # 23 h 59 min before the start

    with pytest.raises(PolicyRefused) as excinfo:
        services.cancel(appointment=appointment, by=patient)

    assert excinfo.value.code == "cancellation_too_late"
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


@pytest.mark.django_db
def test_patient_can_cancel_at_the_deadline_itself(clock, patient, therapist, massage_type):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))
    clock.move_to(at(date(2026, 3, 3), 10))

    assert services.cancel(appointment=appointment, by=patient).status == Status.CANCELLED


@pytest.mark.django_db
def test_staff_and_the_therapist_can_cancel_inside_the_window(clock, patient, therapist, massage_type, admin_user):
    first = book(patient, therapist, massage_type, at(WEDNESDAY, 10))
    second = book(patient, therapist, massage_type, at(WEDNESDAY, 14))
    clock.move_to(at(WEDNESDAY, 8))

    assert services.cancel(appointment=first, by=admin_user).status == Status.CANCELLED
    assert services.cancel(appointment=second, by=therapist.user).status == Status.CANCELLED


@pytest.mark.django_db
def test_staff_with_a_booking_of_their_own_keep_the_patients_window(clock, therapist, massage_type, admin_user):
    own = book(admin_user, therapist, massage_type, at(WEDNESDAY, 10))
    clock.move_to(at(WEDNESDAY, 8))

    with pytest.raises(CancellationTooLate):
        services.cancel(appointment=own, by=admin_user)
    with pytest.raises(CancellationTooLate):
        services.reschedule(appointment=own, by=admin_user, start=at(WEDNESDAY, 14))
    own.refresh_from_db()
    assert (own.status, own.start) == (Status.CONFIRMED, at(WEDNESDAY, 10))


@pytest.mark.django_db
def test_another_patient_cannot_cancel(clock, patient, other_patient, therapist, massage_type):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))

    with pytest.raises(NotAllowed):
        services.cancel(appointment=appointment, by=other_patient)


@pytest.mark.django_db
def test_a_cancelled_appointment_cannot_be_cancelled_again(clock, patient, therapist, massage_type):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))
    services.cancel(appointment=appointment, by=patient)

    with pytest.raises(InvalidTransition):
        services.cancel(appointment=appointment, by=patient)


# --- reschedule ------------------------------------------------------------------------


@pytest.mark.django_db
def test_reschedule_moves_the_appointment_and_bumps_the_sequence(clock, patient, therapist, massage_type):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))

    moved = services.reschedule(appointment=appointment, by=patient, start=at(WEDNESDAY, 14))

    moved.refresh_from_db()
    assert (moved.start, moved.end, moved.blocked_until) == (
        at(WEDNESDAY, 14),
        at(WEDNESDAY, 15),
        at(WEDNESDAY, 15, 15),
    )
    assert moved.sequence == 1
    assert moved.status == Status.CONFIRMED
    assert at(WEDNESDAY, 10) in {slot.start for slot in find_slots(massage_type, WEDNESDAY, WEDNESDAY, [therapist])}


@pytest.mark.django_db
def test_reschedule_may_overlap_its_own_old_time(clock, patient, therapist, massage_type):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))

    moved = services.reschedule(appointment=appointment, by=patient, start=at(WEDNESDAY, 10, 30))

    assert moved.start == at(WEDNESDAY, 10, 30)


@pytest.mark.django_db
def test_reschedule_to_another_therapist(clock, patient, therapist, other_therapist, massage_type):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))

    moved = services.reschedule(appointment=appointment, by=patient, start=at(WEDNESDAY, 16), therapist=other_therapist)

    moved.refresh_from_db()
    assert (moved.therapist, moved.start) == (other_therapist, at(WEDNESDAY, 16))


@pytest.mark.django_db
def test_reschedule_to_a_therapist_who_does_not_offer_the_massage_is_refused_by_name(
    clock, patient, therapist, massage_type
):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))
    stranger = TherapistFactory(massage_types=[])
    weekly_hours(stranger)
    before = snapshot(appointment)

    with pytest.raises(InvalidBooking) as excinfo:
        services.reschedule(appointment=appointment, by=patient, start=at(WEDNESDAY, 16), therapist=stranger)

    assert excinfo.value.fields["therapist"] == f"{stranger} does not offer {massage_type}."
    assert snapshot(appointment) == before


@pytest.mark.django_db
def test_reschedule_into_a_taken_slot_leaves_the_booking_as_it_was(
    clock, patient, other_patient, therapist, massage_type
):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))
    book(other_patient, therapist, massage_type, at(WEDNESDAY, 14))
    before = snapshot(appointment)

    with pytest.raises(SlotTaken):
        services.reschedule(appointment=appointment, by=patient, start=at(WEDNESDAY, 14, 30))

    assert snapshot(appointment) == before
    assert before == (at(WEDNESDAY, 10), at(WEDNESDAY, 11), at(WEDNESDAY, 11, 15), therapist.pk, 0, "confirmed")


@pytest.mark.django_db
def test_reschedule_off_the_schedule_leaves_the_booking_as_it_was(clock, patient, therapist, massage_type):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))
    before = snapshot(appointment)

    with pytest.raises(SlotUnavailable):
        services.reschedule(appointment=appointment, by=patient, start=at(WEDNESDAY, 12, 15))

    assert snapshot(appointment) == before


@pytest.mark.django_db
def test_patient_cannot_reschedule_inside_the_window(clock, patient, therapist, massage_type):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))
    clock.move_to(at(date(2026, 3, 3), 12))

    with pytest.raises(PolicyRefused) as excinfo:
        services.reschedule(appointment=appointment, by=patient, start=at(WEDNESDAY, 14))

    assert excinfo.value.code == "cancellation_too_late"


# --- session outcome -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("mark", [services.mark_completed, services.mark_no_show])
def test_outcome_cannot_be_recorded_before_the_start(clock, patient, therapist, massage_type, mark):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))
    clock.move_to(at(WEDNESDAY, 9, 59))

    with pytest.raises(InvalidTransition):
        mark(appointment=appointment, by=therapist.user)

    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


@pytest.mark.django_db
@pytest.mark.parametrize("mark", [services.mark_completed, services.mark_no_show])
def test_another_therapist_cannot_record_the_outcome(clock, patient, therapist, other_therapist, massage_type, mark):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))
    clock.move_to(at(WEDNESDAY, 11))

    with pytest.raises(NotAllowed):
        mark(appointment=appointment, by=other_therapist.user)
    with pytest.raises(NotAllowed):
        mark(appointment=appointment, by=patient)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mark", "status"), [(services.mark_completed, Status.COMPLETED), (services.mark_no_show, Status.NO_SHOW)]
)
def test_the_therapist_records_the_outcome_after_the_start(clock, patient, therapist, massage_type, mark, status):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))
    clock.move_to(at(WEDNESDAY, 10, 5))

    assert mark(appointment=appointment, by=therapist.user).status == status
    appointment.refresh_from_db()
    assert appointment.status == status


@pytest.mark.django_db
def test_staff_records_the_outcome_after_the_start(clock, patient, therapist, massage_type, admin_user):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))
    clock.move_to(at(WEDNESDAY, 12))

    assert services.mark_no_show(appointment=appointment, by=admin_user).status == Status.NO_SHOW


@pytest.mark.django_db
def test_a_cancelled_appointment_has_no_outcome(clock, patient, therapist, massage_type, admin_user):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))
    services.cancel(appointment=appointment, by=patient)
    clock.move_to(at(WEDNESDAY, 12))

    with pytest.raises(InvalidTransition):
        services.mark_completed(appointment=appointment, by=admin_user)


# --- intake ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_patient_completes_the_intake_before_the_session(clock, patient, therapist, massage_type):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))

    records.update_intake(
        appointment=appointment,
        by=patient,
        intake=IntakeData(focus_areas="neck", pain_level=3, red_flags=["fever"], provider_consulted=True),
    )

    appointment.refresh_from_db()
    assert (appointment.focus_areas, appointment.pain_level, appointment.red_flags) == ("neck", 3, ["fever"])


@pytest.mark.django_db
def test_intake_answers_are_checked_on_update(clock, patient, therapist, massage_type):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))

    with pytest.raises(InvalidBooking) as excinfo:
        records.update_intake(appointment=appointment, by=patient, intake=IntakeData(pain_level=11))

    assert "pain_level" in excinfo.value.fields
    appointment.refresh_from_db()
    assert appointment.pain_level is None


@pytest.mark.django_db
def test_intake_cannot_change_after_the_start_or_by_someone_else(
    clock, patient, other_patient, therapist, massage_type
):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))

    with pytest.raises(NotAllowed):
        records.update_intake(appointment=appointment, by=other_patient, intake=IntakeData(pain_level=2))
    clock.move_to(at(WEDNESDAY, 10))
    with pytest.raises(InvalidTransition):
        records.update_intake(appointment=appointment, by=patient, intake=IntakeData(pain_level=2))


@pytest.mark.django_db
def test_patient_can_change_until_the_cancel_deadline(clock, patient, therapist, massage_type):
    appointment = book(patient, therapist, massage_type, at(WEDNESDAY, 10))

    assert policy.cancel_deadline(appointment) == at(date(2026, 3, 3), 10)
    assert policy.patient_can_change(appointment, now=at(date(2026, 3, 3), 10))
    assert not policy.patient_can_change(appointment, now=at(date(2026, 3, 3), 10, 1))


@pytest.mark.django_db
def test_one_patient_may_hold_appointments_with_different_therapists_at_once_across_days(
    clock, patient, therapist, other_therapist, massage_type
):
    book(patient, therapist, massage_type, at(WEDNESDAY, 10))
    book(patient, other_therapist, massage_type, at(WEDNESDAY, 14))

    assert Appointment.objects.for_patient(patient).count() == 2


@pytest.mark.django_db
def test_a_patient_who_is_new_to_the_clinic_can_book(clock, therapist, massage_type):
    newcomer = UserFactory(email="new@example.test")

    assert book(newcomer, therapist, massage_type, at(WEDNESDAY, 9)).patient == newcomer
