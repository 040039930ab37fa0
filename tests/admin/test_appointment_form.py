"""Booking and changing appointments in admin goes through the booking services; a refusal is a form error."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from booking import services
from booking.models import Appointment, MassageType, Notification, NotificationKind, Status
from clinic.models import User
from tests.admin.conftest import WED_10
from tests.conftest import CLINIC_ZONE
from tests.factories import TimeOffFactory
from therapists.models import Therapist

ADD_URL = reverse("admin:booking_appointment_add")


def _add_data(patient: User, therapist: Therapist, massage_type: MassageType, start: datetime, **extra: Any) -> dict:
    local = start.astimezone(CLINIC_ZONE)
    return {
        "patient": patient.pk,
        "therapist": therapist.pk,
        "massage_type": massage_type.pk,
        "start_0": f"{local:%Y-%m-%d}",
        "start_1": f"{local:%H:%M}",
        "focus_areas": "",
        "pain_level": "",
        "pressure": "",
        "health_notes": "",
        "_save": "Save",
        **extra,
    }


def _change_data(appointment: Appointment, **changes: Any) -> dict:
    start = changes.pop("start", appointment.start).astimezone(CLINIC_ZONE)
    data = {
        "therapist": appointment.therapist_id,
        "start_0": f"{start:%Y-%m-%d}",
        "start_1": f"{start:%H:%M}",
        "status": appointment.status,
        "cancellation_reason": appointment.cancellation_reason,
        "focus_areas": appointment.focus_areas,
        "pain_level": "" if appointment.pain_level is None else appointment.pain_level,
        "pressure": appointment.pressure,
        "health_notes": appointment.health_notes,
        "red_flags": list(appointment.red_flags),
        "_save": "Save",
    }
    if appointment.provider_consulted:
        data["provider_consulted"] = "on"
    data.update(changes)
    return data


def _change_url(appointment: Appointment) -> str:
    return reverse("admin:booking_appointment_change", args=[appointment.pk])


def _form_errors(response) -> str:
    assert response.status_code == 200, response.status_code
    context = response.context
    form = context["adminform"].form
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@pytest.mark.django_db
def test_staff_books_a_phone_booking_through_the_service(
    clock, admin_client: Client, admin_user, patient, therapist, massage_type
) -> None:
    response = admin_client.post(
        ADD_URL, _add_data(patient, therapist, massage_type, WED_10, focus_areas="lower back", pressure="firm")
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.start == WED_10
    assert appointment.end == WED_10 + timedelta(minutes=60)
    assert appointment.blocked_until == WED_10 + timedelta(minutes=75)
    assert appointment.price == massage_type.price
    assert appointment.status == Status.CONFIRMED
    assert (appointment.focus_areas, appointment.pressure) == ("lower back", "firm")
    kinds = set(Notification.objects.filter(appointment=appointment).values_list("kind", flat=True))
    assert {NotificationKind.CONFIRMATION, NotificationKind.THERAPIST_NEW} <= kinds


@pytest.mark.django_db
def test_staff_may_book_within_the_online_minimum_notice(
    clock, front_desk_client: Client, patient, therapist, massage_type
) -> None:
    # The clock says Monday 08:00; 09:00 the same day is inside the 2-hour online notice.
    start = datetime(2026, 3, 2, 9, 0, tzinfo=CLINIC_ZONE)
    response = front_desk_client.post(ADD_URL, _add_data(patient, therapist, massage_type, start))
    assert response.status_code == 302
    assert Appointment.objects.get().start == start


@pytest.mark.django_db
def test_a_taken_slot_is_a_form_error_naming_the_clash(
    booked, admin_client: Client, other_patient, therapist, massage_type
) -> None:
    response = admin_client.post(
        ADD_URL, _add_data(other_patient, therapist, massage_type, WED_10 + timedelta(minutes=30))
    )
    errors = _form_errors(response)
    assert (
        "Carol Chen already has Deep tissue with Alice Archer 10:00\u201311:00 AM (+15 min turnover) on Wed, Mar 4"
        in errors
    )
    assert Appointment.objects.count() == 1
    assert not Notification.objects.exclude(appointment=booked).exists()


@pytest.mark.django_db
def test_the_turnover_buffer_is_respected(
    clock, admin_client: Client, patient, other_patient, other_therapist, massage_type
) -> None:
    services.book(patient=patient, therapist=other_therapist, massage_type=massage_type, start=WED_10)
    # 11:00 is after Alice's session but inside its 15-minute turnover; 11:15 is free.
    response = admin_client.post(
        ADD_URL, _add_data(other_patient, other_therapist, massage_type, WED_10 + timedelta(hours=1))
    )
    assert "Dan Diaz already has Deep tissue with Alice Archer 10:00\u201311:00 AM (+15 min turnover)" in _form_errors(
        response
    )
    assert Appointment.objects.count() == 1
    response = admin_client.post(
        ADD_URL, _add_data(other_patient, other_therapist, massage_type, WED_10 + timedelta(minutes=75))
    )
    assert response.status_code == 302
    assert Appointment.objects.count() == 2


@pytest.mark.django_db
def test_outside_working_hours_is_a_form_error_with_the_day_hours(
    clock, admin_client: Client, patient, therapist, massage_type
) -> None:
    response = admin_client.post(ADD_URL, _add_data(patient, therapist, massage_type, WED_10.replace(hour=12)))
    errors = _form_errors(response)
    assert "not available" in errors
    assert "Carol Chen works 9:00 AM\u201312:00 PM, 1:00\u20135:00 PM on Wed, Mar 4" in errors
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_time_off_is_named_when_the_slot_is_unavailable(
    clock, admin_client: Client, patient, therapist, massage_type
) -> None:
    TimeOffFactory(therapist=therapist, start=WED_10.replace(hour=9), end=WED_10.replace(hour=17), reason="Course")
    response = admin_client.post(ADD_URL, _add_data(patient, therapist, massage_type, WED_10))
    assert "with time off Wed, Mar 4, 9:00 AM to Wed, Mar 4, 5:00 PM" in _form_errors(response)
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_a_type_the_therapist_does_not_offer_is_refused(clock, admin_client: Client, patient, therapist) -> None:
    other_type = MassageType.objects.create(name="Hot stone", slug="hot-stone", duration_minutes=90, price=120)
    response = admin_client.post(ADD_URL, _add_data(patient, therapist, other_type, WED_10))
    assert "Carol Chen does not offer Hot stone" in _form_errors(response)
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_intake_rules_are_checked(clock, admin_client: Client, patient, therapist, massage_type) -> None:
    data = _add_data(patient, therapist, massage_type, WED_10, red_flags=["leg_numbness"])
    response = admin_client.post(ADD_URL, data)
    assert "talked to your doctor" in _form_errors(response)
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_rescheduling_in_admin_moves_the_appointment(booked, admin_client: Client, other_therapist) -> None:
    new_start = WED_10 + timedelta(hours=4)
    response = admin_client.post(
        _change_url(booked), _change_data(booked, start=new_start, therapist=other_therapist.pk)
    )
    assert response.status_code == 302
    booked.refresh_from_db()
    assert (booked.start, booked.therapist_id, booked.sequence) == (new_start, other_therapist.pk, 1)
    assert booked.end == new_start + timedelta(hours=1)
    assert Notification.objects.filter(appointment=booked, kind=NotificationKind.RESCHEDULE).exists()


@pytest.mark.django_db
def test_a_refused_move_keeps_everything_as_it_was(
    booked, admin_client: Client, other_patient, therapist, massage_type
) -> None:
    services.book(patient=other_patient, therapist=therapist, massage_type=massage_type, start=WED_10.replace(hour=14))
    # The intake edit and the move arrive together; the move is refused, so neither is kept.
    data = _change_data(booked, start=WED_10.replace(hour=14, minute=30), focus_areas="neck")
    response = admin_client.post(_change_url(booked), data)
    assert "Carol Chen already has Deep tissue with Bob Baker 2:00\u20133:00 PM (+15 min turnover) on Wed, Mar 4" in (
        _form_errors(response)
    )
    booked.refresh_from_db()
    assert (booked.start, booked.focus_areas, booked.sequence) == (WED_10, "", 0)
    assert not Notification.objects.filter(appointment=booked, kind=NotificationKind.RESCHEDULE).exists()


@pytest.mark.django_db
def test_setting_status_cancelled_cancels_through_the_service(booked, admin_client: Client, admin_user) -> None:
    data = _change_data(booked, status=Status.CANCELLED, cancellation_reason="Called in sick")
    response = admin_client.post(_change_url(booked), data)
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == Status.CANCELLED
    assert booked.cancelled_by == admin_user
    assert booked.cancellation_reason == "Called in sick"
    assert booked.cancelled_at is not None


@pytest.mark.django_db
def test_a_session_not_started_cannot_be_marked_completed(booked, admin_client: Client) -> None:
    response = admin_client.post(_change_url(booked), _change_data(booked, status=Status.COMPLETED))
    assert "has not started yet" in _form_errors(response)
    booked.refresh_from_db()
    assert booked.status == Status.CONFIRMED


@pytest.mark.django_db
def test_a_started_session_is_marked_no_show(booked, admin_client: Client, clock) -> None:
    clock.move_to(WED_10 + timedelta(minutes=20))
    response = admin_client.post(_change_url(booked), _change_data(booked, status=Status.NO_SHOW))
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == Status.NO_SHOW


@pytest.mark.django_db
def test_the_intake_may_be_corrected(booked, front_desk_client: Client) -> None:
    data = _change_data(booked, focus_areas="upper back", pain_level=6, pressure="medium")
    response = front_desk_client.post(_change_url(booked), data)
    assert response.status_code == 302
    booked.refresh_from_db()
    assert (booked.focus_areas, booked.pain_level, booked.pressure) == ("upper back", 6, "medium")
    assert booked.start == WED_10


@pytest.mark.django_db
def test_time_and_status_cannot_change_together(booked, admin_client: Client) -> None:
    data = _change_data(booked, start=WED_10 + timedelta(hours=4), status=Status.CANCELLED)
    assert "not both at once" in _form_errors(admin_client.post(_change_url(booked), data))
    booked.refresh_from_db()
    assert (booked.start, booked.status) == (WED_10, Status.CONFIRMED)


@pytest.mark.django_db
def test_computed_fields_cannot_be_posted(booked, admin_client: Client) -> None:
    data = _change_data(booked, price="1.00", end_0="2026-03-04", end_1="18:00", focus_areas="hips")
    assert admin_client.post(_change_url(booked), data).status_code == 302
    booked.refresh_from_db()
    assert (str(booked.price), booked.end, booked.focus_areas) == ("90.00", WED_10 + timedelta(hours=1), "hips")


@pytest.mark.django_db
def test_appointments_cannot_be_deleted(booked, admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:booking_appointment_delete", args=[booked.pk]))
    assert response.status_code == 403
    assert Appointment.objects.filter(pk=booked.pk).exists()
