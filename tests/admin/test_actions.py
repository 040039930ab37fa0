"""The appointment list's actions go through the services and report each refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from booking import services
from booking.models import Appointment, Notification, NotificationKind, NotificationStatus, Status
from clinic.models import User
from tests.admin.conftest import WED_10

CHANGELIST = reverse("admin:booking_appointment_changelist")


def _act(client: Client, action: str, *appointments: Appointment):
    data = {"action": action, "_selected_action": [a.pk for a in appointments], "index": 0}
    if action == "cancel_selected":
        # The action asks first (which sessions, the reason, whether to tell the patients).
        data |= {"confirm": "yes", "reason": "Cancelled by the clinic.", "notify": "on"}
    return client.post(CHANGELIST, data, follow=True)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def second(booked, other_patient, therapist, massage_type) -> Appointment:
    return services.book(
        patient=other_patient, therapist=therapist, massage_type=massage_type, start=WED_10 + timedelta(hours=4)
    )


@pytest.mark.django_db
def test_cancel_action_cancels_through_the_service(booked, second, front_desk_client: Client, front_desk) -> None:
    # The therapist was told of both sessions (their new-booking notices went out), so both
    # cancellations are owed to them as well as to the patients.
    Notification.objects.filter(kind=NotificationKind.THERAPIST_NEW).update(status=NotificationStatus.SENT)
    response = _act(front_desk_client, "cancel_selected", booked, second)
    assert "2 appointment(s) cancelled." in _messages(response)
    for appointment in (booked, second):
        appointment.refresh_from_db()
        assert appointment.status == Status.CANCELLED
        assert appointment.cancelled_by == front_desk
        notices = Notification.objects.filter(appointment=appointment)
        assert set(notices.filter(status=NotificationStatus.PENDING).values_list("kind", flat=True)) == {
            NotificationKind.CANCELLATION, NotificationKind.THERAPIST_CANCELLATION,
        }  # fmt: skip
        assert not notices.filter(kind=NotificationKind.REMINDER, status=NotificationStatus.PENDING).exists()


@pytest.mark.django_db
def test_cancel_action_reports_rows_it_refuses(booked, second, admin_client: Client, clock) -> None:
    clock.move_to(WED_10 + timedelta(minutes=5))  # the first has started, the second not
    messages = _messages(_act(admin_client, "cancel_selected", booked, second))
    assert "1 appointment(s) cancelled." in messages
    assert any("Alice Archer 10:00\N{EN DASH}11:00 AM" in m and "already started" in m for m in messages)
    booked.refresh_from_db()
    assert booked.status == Status.CONFIRMED
    assert not Notification.objects.filter(appointment=booked, kind=NotificationKind.CANCELLATION).exists()


@pytest.mark.django_db
def test_mark_completed_action_marks_started_sessions_and_refuses_the_others(
    booked, second, admin_client: Client, clock
) -> None:
    clock.move_to(WED_10 + timedelta(minutes=30))
    messages = _messages(_act(admin_client, "mark_completed", booked, second))
    assert "1 appointment(s) marked completed." in messages
    assert any("Bob Baker 2:00\u20133:00 PM" in m and "has not started yet" in m for m in messages)
    booked.refresh_from_db()
    second.refresh_from_db()
    assert (booked.status, second.status) == (Status.COMPLETED, Status.CONFIRMED)


@pytest.mark.django_db
def test_mark_no_show_action(booked, admin_client: Client, clock) -> None:
    clock.move_to(WED_10 + timedelta(minutes=30))
    assert "1 appointment(s) marked no-show." in _messages(_act(admin_client, "mark_no_show", booked))
    booked.refresh_from_db()
    assert booked.status == Status.NO_SHOW


@pytest.mark.django_db
def test_mark_no_show_refuses_a_cancelled_appointment(booked, admin_client: Client, admin_user, clock) -> None:
    services.cancel(appointment=booked, by=admin_user)
    clock.move_to(WED_10 + timedelta(minutes=30))
    messages = _messages(_act(admin_client, "mark_no_show", booked))
    assert any("cancelled appointment has no outcome" in m for m in messages)
    booked.refresh_from_db()
    assert booked.status == Status.CANCELLED


@pytest.mark.django_db
def test_resend_confirmation_refuses_a_cancelled_appointment(booked, second, admin_client: Client, admin_user) -> None:
    services.cancel(appointment=second, by=admin_user)
    messages = _messages(_act(admin_client, "resend_confirmation", booked, second))
    assert "1 appointment(s) given a new confirmation to send." in messages
    assert any("Bob Baker" in m and "Only a confirmed, upcoming appointment" in m for m in messages)
    assert not Notification.objects.filter(appointment=second, kind=NotificationKind.CONFIRMATION_RESEND).exists()


@pytest.mark.django_db
def test_resend_confirmation_records_a_fresh_confirmation(booked, admin_client: Client) -> None:
    _act(admin_client, "resend_confirmation", booked)
    [resend] = Notification.objects.filter(appointment=booked, kind=NotificationKind.CONFIRMATION_RESEND)
    assert resend.recipient == "alice@example.test"
    assert resend.status == NotificationStatus.PENDING
    assert resend.due_at == timezone.now()


@pytest.mark.django_db
def test_actions_need_change_permission(booked, client: Client, staff_groups) -> None:
    from django.contrib.auth.models import Permission

    viewer = User.objects.create_user(email="viewer@example.test", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_appointment"))
    client.force_login(viewer)
    _act(client, "cancel_selected", booked)
    booked.refresh_from_db()
    assert booked.status == Status.CONFIRMED
