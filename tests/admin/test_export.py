"""The appointment list's filters, and its CSV export of exactly the filtered rows."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from booking import services
from booking.models import Appointment, Status
from clinic.models import User
from tests.admin.conftest import WED_10
from tests.conftest import CLINIC_ZONE
from tests.factories import AppointmentFactory

CHANGELIST = reverse("admin:booking_appointment_changelist")
EXPORT = reverse("admin:booking_appointment_export")


@pytest.fixture
def diary(clock, patient, other_patient, therapist, other_therapist, massage_type, admin_user) -> dict[str, Any]:
    """Appointments spread around the pinned Monday 2 March 08:00."""
    past = AppointmentFactory(
        patient=other_patient, therapist=therapist, massage_type=massage_type,
        start=datetime(2026, 2, 27, 10, 0, tzinfo=CLINIC_ZONE), status=Status.COMPLETED,
    )  # fmt: skip
    today = services.book(
        patient=patient, therapist=other_therapist, massage_type=massage_type,
        start=datetime(2026, 3, 2, 15, 0, tzinfo=CLINIC_ZONE), by=admin_user,
    )  # fmt: skip
    this_week = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=WED_10)
    cancelled = services.book(
        patient=other_patient, therapist=therapist, massage_type=massage_type, start=WED_10 + timedelta(hours=4)
    )
    services.cancel(appointment=cancelled, by=admin_user)
    next_week = services.book(
        patient=other_patient, therapist=other_therapist, massage_type=massage_type,
        start=datetime(2026, 3, 10, 11, 0, tzinfo=CLINIC_ZONE),
    )  # fmt: skip
    return {"past": past, "today": today, "this_week": this_week, "cancelled": cancelled, "next_week": next_week}


def _listed(client: Client, query: str) -> set[int]:
    response = client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    return {a.pk for a in response.context["cl"].result_list}


def _exported(client: Client, query: str) -> list[dict[str, str]]:
    response = client.get(f"{EXPORT}?{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = response.content.decode()
    assert content.startswith("\ufeff")  # spreadsheets then read the file as UTF-8
    return list(csv.DictReader(io.StringIO(content.removeprefix("\ufeff"))))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("when=today", {"today"}),
        ("when=this_week", {"today", "this_week", "cancelled"}),
        ("when=upcoming", {"today", "this_week", "cancelled", "next_week"}),
        ("when=past", {"past"}),
        ("status__exact=cancelled", {"cancelled"}),
    ],
)
def test_the_when_and_status_filters(diary, admin_client: Client, query: str, expected: set[str]) -> None:
    assert _listed(admin_client, query) == {diary[name].pk for name in expected}


@pytest.mark.django_db
def test_the_therapist_filter(diary, admin_client: Client, other_therapist) -> None:
    assert _listed(admin_client, f"therapist__id__exact={other_therapist.pk}") == {
        diary["today"].pk, diary["next_week"].pk,
    }  # fmt: skip


@pytest.mark.django_db
def test_the_export_has_exactly_the_filtered_rows(diary, front_desk_client: Client, therapist) -> None:
    query = f"when=this_week&therapist__id__exact={therapist.pk}&status__exact=confirmed"
    rows = _exported(front_desk_client, query)
    assert rows == [
        {
            "booking": str(diary["this_week"].pk),
            "start (America/New_York)": "2026-03-04 10:00",
            "end (America/New_York)": "2026-03-04 11:00",
            "therapist": "Carol Chen",
            "location": "Back & Balance Massage Clinic",  # the one location, made from the clinic's settings
            "room": f"Room of therapist {therapist.pk}",
            "patient": "Alice Archer",
            "email": "alice@example.test",
            "phone": "'+16175550100",  # text, not a number a spreadsheet would strip the + from
            "massage_type": "Deep tissue",
            "status": "Confirmed",
            "price": "90.00",
        }
    ]


@pytest.mark.django_db
def test_the_export_follows_the_search_too(diary, admin_client: Client) -> None:
    rows = _exported(admin_client, "q=bob")
    assert sorted(row["start (America/New_York)"] for row in rows) == [
        "2026-02-27 10:00",
        "2026-03-04 14:00",
        "2026-03-10 11:00",
    ]
    assert {row["status"] for row in rows} == {"Completed", "Cancelled", "Confirmed"}


@pytest.mark.django_db
def test_the_export_leaves_out_health_data(diary, admin_client: Client) -> None:
    Appointment.objects.update(health_notes="Herniated disc L4", focus_areas="lower back")
    content = admin_client.get(EXPORT).content.decode()
    assert "Herniated" not in content and "lower back" not in content
    assert len(content.strip().splitlines()) == 1 + len(diary)


@pytest.mark.django_db
def test_a_formula_in_a_name_is_not_run_by_a_spreadsheet(diary, admin_client: Client, patient) -> None:
    patient.first_name = "=HYPERLINK(1)"
    patient.save()
    rows = _exported(admin_client, "when=today")
    assert rows[0]["patient"].startswith("'=HYPERLINK")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("X;=1+1", "X;'=1+1"),
        ("a,@SUM(1)", "a,'@SUM(1)"),
        ("b\t-2", "b\t'-2"),
        ("c|+3", "c|'+3"),
        ("d\n=4", "d\n'=4"),
    ],
)
def test_no_piece_of_a_cell_runs_as_a_formula_whatever_the_separator(
    diary, admin_client: Client, patient, name: str, cell: str
) -> None:
    User.objects.filter(pk=patient.pk).update(first_name=name, last_name="")
    [row] = _exported(admin_client, "when=today")
    assert row["patient"] == cell
    # Split as a spreadsheet might (on , ; tab | or a line break): no piece starts a formula.
    pieces = re.split(r"[,;\t|\r\n]", row["patient"])
    assert not [piece for piece in pieces if piece[:1] in ("=", "+", "-", "@")]


@pytest.mark.django_db
def test_the_changelist_links_the_export_with_its_filters(diary, admin_client: Client) -> None:
    page = admin_client.get(f"{CHANGELIST}?when=today").content.decode()
    assert f"{EXPORT}?when=today" in page


@pytest.mark.django_db
def test_the_export_needs_the_view_permission(diary, client: Client) -> None:
    client.force_login(User.objects.create_user(email="staff@example.test", is_staff=True))
    assert client.get(EXPORT).status_code == 403
