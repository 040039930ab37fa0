"""A time that cannot be booked says why, and offers the nearest free times of that day."""

from __future__ import annotations

import pytest
import time_machine

from booking import services
from booking.exceptions import SlotUnavailable
from booking.models import MassageType
from clinic.models import User
from tests.booking.test_race import at
from therapists.models import Therapist


@pytest.mark.django_db
def test_an_off_grid_time_names_the_grid_and_the_nearest_times(
    clock: time_machine.Traveller, patient: User, therapist: Therapist, massage_type: MassageType, admin_user: User
) -> None:
    with pytest.raises(SlotUnavailable) as refused:
        services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(14, 40), by=admin_user)

    assert "15-minute grid" in refused.value.message
    assert "The nearest free times that day are 2:30 PM or 2:45 PM." in refused.value.message


@pytest.mark.django_db
def test_a_time_outside_the_hours_offers_the_nearest_free_ones(
    clock: time_machine.Traveller, patient: User, therapist: Therapist, massage_type: MassageType, admin_user: User
) -> None:
    # Carol's lunch break is 12:00-13:00: the last session before it starts at 11:00, the first after at 13:00.
    with pytest.raises(SlotUnavailable) as refused:
        services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(12, 15), by=admin_user)

    assert "Carol Chen is not available for a 60-minute session at that time." in refused.value.message
    assert "The nearest free times that day are 11:00 AM or 1:00 PM." in refused.value.message


@pytest.mark.django_db
def test_the_admin_form_shows_the_grid_message(
    clock: time_machine.Traveller, patient: User, therapist: Therapist, massage_type: MassageType, admin_client
) -> None:
    response = admin_client.post(
        "/admin/booking/appointment/add/",
        {
            "patient": patient.pk,
            "therapist": therapist.pk,
            "massage_type": massage_type.pk,
            "start_0": "2026-03-04",
            "start_1": "14:40",
            "pain_level": "",
            "pressure": "",
        },
    )

    assert response.status_code == 200
    assert "15-minute grid" in response.content.decode()
