"""The appointment list's "Cancel selected" asks first: a confirmation page with a reason and the notice choice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from booking import services
from booking.models import Appointment, Notification, NotificationKind, Status
from tests.admin.conftest import WED_10, booked  # noqa: F401  (Alice's Wednesday session)

CHANGELIST = reverse("admin:booking_appointment_changelist")


@pytest.fixture
def second(booked, other_patient, therapist, massage_type) -> Appointment:  # noqa: F811
    return services.book(
        patient=other_patient, therapist=therapist, massage_type=massage_type, start=WED_10 + timedelta(hours=4)
    )


def _select(*appointments: Appointment, **extra: str) -> dict:
    return {"action": "cancel_selected", "_selected_action": [a.pk for a in appointments], "index": 0, **extra}


def test_the_action_shows_a_confirmation_and_cancels_nothing_yet(
    booked: Appointment,  # noqa: F811
    second: Appointment,
    front_desk_client: Client,
) -> None:
    response = front_desk_client.post(CHANGELIST, _select(booked, second))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Reason for cancelling" in html
    assert "Deep tissue with Alice Archer" in html and "Deep tissue with Bob Baker" in html
    assert "Tell the patients by e-mail" in html
    assert Appointment.objects.filter(status=Status.CANCELLED).count() == 0
    assert not Notification.objects.filter(kind=NotificationKind.CANCELLATION).exists()


def test_a_confirmation_without_a_reason_asks_again(booked: Appointment, front_desk_client: Client) -> None:  # noqa: F811
    response = front_desk_client.post(CHANGELIST, _select(booked, confirm="yes", reason=""))

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == Status.CONFIRMED


def test_the_confirmed_action_cancels_each_with_the_reason_through_the_service(
    booked: Appointment,  # noqa: F811
    second: Appointment,
    front_desk_client: Client,
    front_desk,
) -> None:
    response = front_desk_client.post(
        CHANGELIST,
        _select(booked, second, confirm="yes", reason="The clinic is closed for a flood", notify="on"),
        follow=True,
    )

    assert "2 appointment(s) cancelled." in [str(m) for m in get_messages(response.wsgi_request)]
    for appointment in (booked, second):
        appointment.refresh_from_db()
        assert (appointment.status, appointment.cancellation_reason) == (
            Status.CANCELLED,
            "The clinic is closed for a flood",
        )
        assert appointment.cancelled_by == front_desk
        assert Notification.objects.filter(appointment=appointment, kind=NotificationKind.CANCELLATION).exists()


def test_the_confirmed_action_without_notify_tells_no_patient(
    booked: Appointment,  # noqa: F811
    second: Appointment,
    front_desk_client: Client,
) -> None:
    front_desk_client.post(CHANGELIST, _select(booked, second, confirm="yes", reason="Told by phone"), follow=True)

    for appointment in (booked, second):
        appointment.refresh_from_db()
        assert appointment.status == Status.CANCELLED
        assert not Notification.objects.filter(appointment=appointment, kind=NotificationKind.CANCELLATION).exists()
