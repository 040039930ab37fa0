"""Rules about the patient rather than the slot: one session at a time, and a confirmed address to book more."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from booking import services
from booking.exceptions import PatientBusy, PolicyRefused
from booking.models import Appointment, MassageType, Status
from clinic.models import User
from tests.api.conftest import error_of, token_client
from tests.conftest import CLINIC_ZONE
from tests.factories import UserFactory
from therapists.models import Therapist

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in the clinic in March 2026 (Wednesday the 4th is before the spring change)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=CLINIC_ZONE)


def book(patient: User, therapist: Therapist, massage_type: MassageType, start: datetime, **kwargs: Any) -> Appointment:
    return services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=start, **kwargs)


# --- One session at a time ---------------------------------------------------------------


def test_a_patient_cannot_hold_two_sessions_at_once_with_two_therapists(
    clock: Any, patient: User, therapist: Therapist, other_therapist: Therapist, massage_type: MassageType
) -> None:
    book(patient, therapist, massage_type, at(4, 10))

    with pytest.raises(PatientBusy) as refused:
        book(patient, other_therapist, massage_type, at(4, 10, 30))

    assert (refused.value.code, refused.value.status) == ("patient_busy", 409)
    assert "You already have a session at that time" in refused.value.message
    assert "Deep tissue with Carol Chen on Wednesday, March 4, 2026, 10:00\u201311:00 AM (EST)" in refused.value.message
    assert Appointment.objects.filter(patient=patient).count() == 1


def test_back_to_back_sessions_of_one_patient_are_allowed(
    clock: Any, patient: User, therapist: Therapist, other_therapist: Therapist, massage_type: MassageType
) -> None:
    # Carol's room is turned over until 11:15; the patient left it at 11:00.
    first = book(patient, therapist, massage_type, at(4, 10))
    second = book(patient, other_therapist, massage_type, at(4, 11))
    earlier = book(patient, other_therapist, massage_type, at(4, 15))
    later = book(patient, therapist, massage_type, at(4, 14))

    assert (first.end, earlier.start) == (second.start, later.end)
    assert Appointment.objects.filter(patient=patient, status=Status.CONFIRMED).count() == 4


def test_a_cancelled_session_leaves_the_patient_free(
    clock: Any, patient: User, therapist: Therapist, other_therapist: Therapist, massage_type: MassageType
) -> None:
    first = book(patient, therapist, massage_type, at(4, 10))
    services.cancel(appointment=first, by=patient)

    assert book(patient, other_therapist, massage_type, at(4, 10)).therapist == other_therapist


def test_another_patient_at_the_same_time_is_no_clash(
    clock: Any,
    patient: User,
    other_patient: User,
    therapist: Therapist,
    other_therapist: Therapist,
    massage_type: MassageType,
) -> None:
    book(patient, therapist, massage_type, at(4, 10))

    assert book(other_patient, other_therapist, massage_type, at(4, 10)).patient == other_patient


def test_staff_cannot_book_a_patient_into_two_sessions_at_once(
    clock: Any,
    admin_user: User,
    patient: User,
    therapist: Therapist,
    other_therapist: Therapist,
    massage_type: MassageType,
) -> None:
    book(patient, therapist, massage_type, at(4, 10), by=admin_user)

    with pytest.raises(PatientBusy) as refused:
        book(patient, other_therapist, massage_type, at(4, 10), by=admin_user)

    assert "The patient already has a session at that time" in refused.value.message
    assert "10:00\u201311:00 AM (EST)" in refused.value.message


def test_a_reschedule_onto_the_patients_other_session_is_refused_and_keeps_the_booking(
    clock: Any, patient: User, therapist: Therapist, other_therapist: Therapist, massage_type: MassageType
) -> None:
    book(patient, therapist, massage_type, at(4, 10))
    movable = book(patient, other_therapist, massage_type, at(4, 15))

    with pytest.raises(PatientBusy) as refused:
        services.reschedule(appointment=movable, by=patient, start=at(4, 10, 45))

    assert refused.value.code == "patient_busy"
    assert "Wednesday, March 4, 2026, 10:00\u201311:00 AM (EST)" in refused.value.message
    movable.refresh_from_db()
    assert (movable.start, movable.sequence) == (at(4, 15), 0)


def test_a_reschedule_that_overlaps_only_its_own_old_time_is_allowed(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = book(patient, therapist, massage_type, at(4, 10))

    moved = services.reschedule(appointment=appointment, by=patient, start=at(4, 10, 30))

    assert moved.start == at(4, 10, 30)


def test_a_reschedule_to_back_to_back_with_the_other_session_is_allowed(
    clock: Any, patient: User, therapist: Therapist, other_therapist: Therapist, massage_type: MassageType
) -> None:
    book(patient, therapist, massage_type, at(4, 10))
    movable = book(patient, other_therapist, massage_type, at(4, 15))

    assert services.reschedule(appointment=movable, by=patient, start=at(4, 11)).start == at(4, 11)


def test_the_api_answers_409_patient_busy(
    clock: Any, patient: User, therapist: Therapist, other_therapist: Therapist, massage_type: MassageType
) -> None:
    book(patient, therapist, massage_type, at(4, 10))

    response = token_client(patient).post(
        "/api/v1/appointments/",
        {"massage_type": massage_type.pk, "therapist": other_therapist.pk, "start": at(4, 10, 15).isoformat()},
        format="json",
    )

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "patient_busy"
    assert "10:00\u201311:00 AM (EST)" in error["message"]
    assert Appointment.objects.filter(patient=patient).count() == 1


def test_the_admin_add_form_shows_the_patients_other_session(
    clock: Any,
    admin_client: Client,
    patient: User,
    therapist: Therapist,
    other_therapist: Therapist,
    massage_type: MassageType,
) -> None:
    book(patient, therapist, massage_type, at(4, 10))

    response = admin_client.post(
        reverse("admin:booking_appointment_add"),
        {
            "patient": patient.pk,
            "therapist": other_therapist.pk,
            "massage_type": massage_type.pk,
            "start_0": "2026-03-04",
            "start_1": "10:30",
            "focus_areas": "",
            "pain_level": "",
            "pressure": "",
            "health_notes": "",
            "_save": "Save",
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert any("The patient already has a session at that time" in error for error in errors), errors
    assert Appointment.objects.filter(patient=patient).count() == 1


# --- A confirmed address to book more ------------------------------------------------------


@pytest.fixture
def unconfirmed(db: None) -> User:
    return UserFactory(email="uma@example.test", first_name="Uma", email_confirmed_at=None)


def test_an_unconfirmed_account_books_one_session_and_is_asked_to_confirm_before_another(
    clock: Any, unconfirmed: User, therapist: Therapist, massage_type: MassageType
) -> None:
    first = book(unconfirmed, therapist, massage_type, at(4, 10))

    with pytest.raises(PolicyRefused) as refused:
        book(unconfirmed, therapist, massage_type, at(5, 10))

    assert refused.value.code == "email_unconfirmed"
    assert "confirm your e-mail address" in refused.value.message
    assert "Check your inbox for the e-mail from Back & Balance Massage Clinic" in refused.value.message
    assert "ask for a new link on My appointments" in refused.value.message
    assert list(Appointment.objects.filter(patient=unconfirmed)) == [first]


def test_once_confirmed_the_account_books_more(
    clock: Any, unconfirmed: User, therapist: Therapist, massage_type: MassageType
) -> None:
    book(unconfirmed, therapist, massage_type, at(4, 10))
    # Confirmed meanwhile, by another request: the service reads the stored row, not the caller's copy.
    User.objects.filter(pk=unconfirmed.pk).update(email_confirmed_at=at(2, 9))

    book(unconfirmed, therapist, massage_type, at(5, 10))

    assert Appointment.objects.filter(patient=unconfirmed).count() == 2


def test_a_confirmed_account_books_several_sessions(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    for day in (4, 5, 6):
        book(patient, therapist, massage_type, at(day, 10))

    assert Appointment.objects.filter(patient=patient).count() == 3


def test_a_cancelled_session_does_not_count_against_an_unconfirmed_account(
    clock: Any, unconfirmed: User, therapist: Therapist, massage_type: MassageType
) -> None:
    cancelled = book(unconfirmed, therapist, massage_type, at(4, 10))
    services.cancel(appointment=cancelled, by=unconfirmed)

    assert book(unconfirmed, therapist, massage_type, at(5, 10)).status == Status.CONFIRMED


def test_staff_book_for_an_unconfirmed_patient_without_the_limit(
    clock: Any, admin_user: User, unconfirmed: User, therapist: Therapist, massage_type: MassageType
) -> None:
    book(unconfirmed, therapist, massage_type, at(4, 10))

    book(unconfirmed, therapist, massage_type, at(5, 10), by=admin_user)
    book(unconfirmed, therapist, massage_type, at(6, 10), by=admin_user)

    assert Appointment.objects.filter(patient=unconfirmed).count() == 3


def test_the_api_answers_409_email_unconfirmed(
    clock: Any, unconfirmed: User, therapist: Therapist, massage_type: MassageType
) -> None:
    api = token_client(unconfirmed)

    def post(start: datetime) -> Any:
        return api.post(
            "/api/v1/appointments/",
            {"massage_type": massage_type.pk, "therapist": therapist.pk, "start": start.isoformat()},
            format="json",
        )

    assert post(at(4, 10)).status_code == 201
    second = post(at(5, 10))

    assert second.status_code == 409
    assert error_of(second)["code"] == "email_unconfirmed"
