"""Rooms in the admin: closing a room shows the sessions it covers before moving them; staff change a session's room."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from django.test import Client
from django.urls import reverse

from booking import services
from booking.models import Appointment, MassageType
from locations.models import Location, RoomClosure
from tests.conftest import CLINIC_ZONE
from tests.factories import LocationFactory, RoomFactory, TherapistFactory, UserFactory
from therapists.models import Therapist, WorkingHours

WED = datetime(2026, 3, 4, 10, tzinfo=CLINIC_ZONE)


@pytest.fixture
def uptown(db: None) -> Location:
    return LocationFactory(name="Uptown")


@pytest.fixture
def eve(uptown: Location, massage_type: MassageType) -> Therapist:
    therapist = TherapistFactory.create(display_name="Eve Evans", massage_types=[massage_type], room=False)
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=therapist, location=uptown, weekday=d, start=time(9), end=time(17)) for d in range(7)
    )
    return therapist


def _closure_data(room, **extra) -> dict:
    return {
        "room": room.pk,
        "start_0": "2026-03-04",
        "start_1": "09:00",
        "end_0": "2026-03-04",
        "end_1": "13:00",
        "reason": "Leak in the ceiling",
        "_save": "Save",
        **extra,
    }


@pytest.mark.django_db
def test_closing_a_room_in_the_admin_shows_the_moves_then_makes_them(
    clock, uptown, eve, massage_type, front_desk_client: Client
) -> None:
    room_a = RoomFactory(location=uptown, name="Room A")
    room_b = RoomFactory(location=uptown, name="Room B")
    session = services.book(patient=UserFactory(), therapist=eve, massage_type=massage_type, start=WED)
    assert session.room == room_a
    url = reverse("admin:locations_roomclosure_add")

    first = front_desk_client.post(url, _closure_data(room_a))

    assert first.status_code == 200
    page = first.content.decode()
    assert "covers 1 booked session" in page and "moves to Room B" in page
    assert not RoomClosure.objects.exists()
    acknowledged = first.context["adminform"].form.data["acknowledged"]
    assert acknowledged == str(session.pk)

    second = front_desk_client.post(url, _closure_data(room_a, acknowledged=acknowledged))

    assert second.status_code == 302
    session.refresh_from_db()
    assert session.room == room_b
    assert RoomClosure.objects.get().reason == "Leak in the ceiling"


@pytest.mark.django_db
def test_a_session_no_room_can_take_needs_a_decision(clock, uptown, eve, massage_type, admin_client: Client) -> None:
    room_a = RoomFactory(location=uptown, name="Room A")
    session = services.book(patient=UserFactory(), therapist=eve, massage_type=massage_type, start=WED)
    url = reverse("admin:locations_roomclosure_add")

    shown = admin_client.post(url, _closure_data(room_a, acknowledged=str(session.pk)))
    assert "no other suitable room is free" in shown.content.decode()
    assert not RoomClosure.objects.exists()

    admin_client.post(url, _closure_data(room_a, acknowledged=str(session.pk), unmovable="cancel"))

    session.refresh_from_db()
    assert session.status == "cancelled"
    assert RoomClosure.objects.count() == 1


@pytest.mark.django_db
def test_staff_move_a_session_to_another_room_from_its_page(
    clock, uptown, eve, massage_type, admin_client: Client
) -> None:
    RoomFactory(location=uptown, name="Room A")
    room_b = RoomFactory(location=uptown, name="Room B")
    session = services.book(patient=UserFactory(), therapist=eve, massage_type=massage_type, start=WED)
    data = {
        "therapist": eve.pk,
        "start_0": "2026-03-04",
        "start_1": "10:00",
        "room": room_b.pk,
        "status": session.status,
        "cancellation_reason": "",
        "focus_areas": "",
        "pain_level": "",
        "pressure": "",
        "health_notes": "",
        "_save": "Save",
    }

    response = admin_client.post(reverse("admin:booking_appointment_change", args=[session.pk]), data)

    assert response.status_code == 302
    assert Appointment.objects.get(pk=session.pk).room == room_b


@pytest.mark.django_db
def test_the_front_desk_reads_rooms_but_does_not_change_them(uptown, front_desk_client: Client) -> None:
    room = RoomFactory(location=uptown, name="Room A")

    assert front_desk_client.get(reverse("admin:locations_room_changelist")).status_code == 200
    assert front_desk_client.get(reverse("admin:locations_room_add")).status_code == 403
    assert (
        front_desk_client.post(reverse("admin:locations_room_change", args=[room.pk]), {"name": "X"}).status_code == 403
    )
