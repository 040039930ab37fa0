"""A 409 slot_taken offers the nearest free times, in its message and by the start field."""

from __future__ import annotations

import pytest

from booking.models import Appointment
from tests.api.conftest import error_of
from tests.api.test_appointments import APPOINTMENTS, at, book_directly, booking

NEAREST = "The nearest free times that day are 9:15 AM or 1:00 PM."


@pytest.mark.django_db
def test_a_taken_slot_409_offers_the_nearest_free_times(alice, clock, therapist, massage_type, other_patient):
    # Bob holds Carol 10:30-11:30, the room turned over until 11:45; her morning ends at 12:00.
    book_directly(other_patient, therapist, massage_type, at(4, 10, 30))

    response = alice.post(APPOINTMENTS, booking(massage_type, therapist, at(4, 10, 30)), format="json")

    assert response.status_code == 409
    error = error_of(response)
    assert error == {
        "code": "slot_taken",
        "message": f"Sorry, that time was just taken. {NEAREST}",
        "fields": {"start": NEAREST},
    }


@pytest.mark.django_db
def test_a_reschedule_into_a_taken_slot_409_offers_the_nearest_free_times(
    alice, clock, therapist, massage_type, patient, other_patient
):
    mine = book_directly(patient, therapist, massage_type, at(5, 14))
    book_directly(other_patient, therapist, massage_type, at(4, 10, 30))

    response = alice.post(f"{APPOINTMENTS}{mine.pk}/reschedule/", {"start": at(4, 10, 30).isoformat()}, format="json")

    assert response.status_code == 409
    error = error_of(response)
    assert (error["code"], error["message"]) == ("slot_taken", f"Sorry, that time was just taken. {NEAREST}")
    assert error["fields"] == {"start": NEAREST}
    assert Appointment.objects.get(pk=mine.pk).start == at(5, 14)
