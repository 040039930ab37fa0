"""Therapists (hours, time off, schedule link) and patients (appointments, no-shows) in admin."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time

import pytest
from django.test import Client
from django.urls import reverse

from booking import services
from booking.models import Status
from tests.admin.conftest import WED_10
from therapists.models import WorkingHours


def _therapist_data(therapist, hours: list[tuple[int, str, str]], time_off: Sequence[tuple[str, str]] = ()) -> dict:
    existing = list(WorkingHours.objects.filter(therapist=therapist).order_by("weekday", "start"))
    data = {
        "user": therapist.user_id, "display_name": therapist.display_name, "bio": "", "is_active": "on",
        "massage_types": [t.pk for t in therapist.massage_types.all()],
        "working_hours-TOTAL_FORMS": len(existing) + len(hours), "working_hours-INITIAL_FORMS": len(existing),
        "time_off-TOTAL_FORMS": len(time_off), "time_off-INITIAL_FORMS": 0, "_save": "Save",
    }  # fmt: skip
    for n, span in enumerate(existing):
        data.update({f"working_hours-{n}-id": span.pk, f"working_hours-{n}-therapist": therapist.pk,
                     f"working_hours-{n}-weekday": span.weekday, f"working_hours-{n}-start": f"{span.start:%H:%M}",
                     f"working_hours-{n}-end": f"{span.end:%H:%M}"})  # fmt: skip
    for n, (weekday, start, end) in enumerate(hours, start=len(existing)):
        data.update({f"working_hours-{n}-therapist": therapist.pk, f"working_hours-{n}-weekday": weekday,
                     f"working_hours-{n}-start": start, f"working_hours-{n}-end": end})  # fmt: skip
    for n, (start, end) in enumerate(time_off):
        data.update({f"time_off-{n}-therapist": therapist.pk, f"time_off-{n}-start_0": start[:10],
                     f"time_off-{n}-start_1": start[11:], f"time_off-{n}-end_0": end[:10],
                     f"time_off-{n}-end_1": end[11:], f"time_off-{n}-reason": "Course"})  # fmt: skip
    return data


@pytest.mark.django_db
def test_the_therapist_list_links_to_this_weeks_appointments(therapist, admin_client: Client) -> None:
    page = admin_client.get(reverse("admin:therapists_therapist_changelist")).content.decode()
    link = f"{reverse('admin:booking_appointment_changelist')}?therapist__id__exact={therapist.pk}&amp;when=this_week"
    assert link in page
    assert "Deep tissue" in page  # what the therapist offers


@pytest.mark.django_db
def test_new_overlapping_spans_are_a_form_error_not_a_500(therapist, admin_client: Client) -> None:
    url = reverse("admin:therapists_therapist_change", args=[therapist.pk])
    # Two new Monday evening spans that overlap each other (neither overlaps what is stored).
    data = _therapist_data(therapist, [(0, "17:30", "19:00"), (0, "18:30", "20:00")])
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "overlap" in response.content.decode()
    assert not WorkingHours.objects.filter(therapist=therapist, start=time(17, 30)).exists()


@pytest.mark.django_db
def test_a_span_inside_a_long_span_is_a_form_error_even_with_one_between(therapist, admin_client: Client) -> None:
    url = reverse("admin:therapists_therapist_change", args=[therapist.pk])
    # Sunday 18:00-23:00, 19:00-20:00 and 21:00-22:00: the last overlaps the first, not its neighbour.
    data = _therapist_data(therapist, [(6, "18:00", "23:00"), (6, "19:00", "20:00"), (6, "21:00", "22:00")])
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "overlaps 6:00\u201311:00 PM" in response.content.decode()
    assert not WorkingHours.objects.filter(therapist=therapist, start=time(18)).exists()


@pytest.mark.django_db
def test_a_new_span_is_saved(therapist, admin_client: Client) -> None:
    url = reverse("admin:therapists_therapist_change", args=[therapist.pk])
    assert admin_client.post(url, _therapist_data(therapist, [(0, "17:30", "19:00")])).status_code == 302
    assert WorkingHours.objects.filter(therapist=therapist, weekday=0, start=time(17, 30)).exists()


@pytest.mark.django_db
def test_a_patients_page_lists_their_appointments_read_only(booked, patient, front_desk_client: Client) -> None:
    page = front_desk_client.get(reverse("admin:clinic_user_change", args=[patient.pk])).content.decode()
    assert "Wed, Mar 4, 10:00 AM" in page
    assert "Deep tissue" in page and "Carol Chen" in page and "Confirmed" in page
    assert 'name="appointments-0-status"' not in page


@pytest.mark.django_db
def test_the_user_list_filters_therapists(therapist, patient, admin_client: Client) -> None:
    url = reverse("admin:clinic_user_changelist")
    therapists = {u.email for u in admin_client.get(f"{url}?is_therapist=yes").context["cl"].result_list}
    others = {u.email for u in admin_client.get(f"{url}?is_therapist=no").context["cl"].result_list}
    assert therapists == {"carol@example.test"}
    assert "alice@example.test" in others and "carol@example.test" not in others


@pytest.mark.django_db
def test_the_user_list_shows_no_shows(booked, patient, admin_client: Client, admin_user, clock) -> None:
    from datetime import timedelta

    clock.move_to(WED_10 + timedelta(minutes=30))
    services.mark_no_show(appointment=booked, by=admin_user)
    response = admin_client.get(reverse("admin:clinic_user_changelist") + "?q=alice")
    [row] = response.context["cl"].result_list
    assert row.no_show_count == 1
    assert booked.patient.appointments.get().status == Status.NO_SHOW
