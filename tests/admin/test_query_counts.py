"""The busy changelists read with a fixed number of queries: 200 rows cost what 10 rows cost."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking.models import Appointment, MassageType, Status
from clinic.models import User
from tests.conftest import CLINIC_ZONE
from tests.factories import room_of
from therapists.models import Therapist

FIRST = datetime(2026, 1, 5, 9, 0, tzinfo=CLINIC_ZONE)


def _patients(count: int, offset: int) -> list[User]:
    return User.objects.bulk_create(
        User(email=f"load{offset + n}@example.test", first_name=f"Load{n}", last_name="Patient") for n in range(count)
    )


def _appointments(count: int, offset: int, therapists: list[Therapist], types: list[MassageType]) -> None:
    """Add appointments two hours apart (no two overlap), across therapists, types, patients and statuses."""
    patients = _patients(count, offset)
    statuses = [Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED]
    rows = []
    for n in range(count):
        start = FIRST + timedelta(hours=2 * (offset + n))
        kind = types[n % len(types)]
        rows.append(
            Appointment(
                patient=patients[n], therapist=therapists[n % len(therapists)], massage_type=kind, start=start,
                room=room_of(therapists[n % len(therapists)]),
                end=start + kind.duration, blocked_until=start + kind.duration + kind.buffer,
                status=statuses[n % len(statuses)], price=kind.price, red_flags=["fever"] if n % 3 else [],
            )
        )  # fmt: skip
    Appointment.objects.bulk_create(rows)


def _therapists(count: int, offset: int, types: list[MassageType]) -> list[Therapist]:
    users = _patients(count, 10_000 + offset)
    therapists = Therapist.objects.bulk_create(
        Therapist(user=user, display_name=f"Therapist {offset + n}", calendar_token=f"token-{offset + n}")
        for n, user in enumerate(users)
    )
    through = Therapist.massage_types.through
    through.objects.bulk_create(
        through(therapist_id=t.pk, massagetype_id=kind.pk) for t in therapists for kind in types
    )
    return therapists


def _count(client: Client, url: str, rows: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == rows
    return len(queries)


@pytest.fixture
def catalogue(therapist, other_therapist, massage_type) -> tuple[list[Therapist], list[MassageType]]:
    swedish = MassageType.objects.create(name="Swedish", slug="swedish", duration_minutes=90, price=Decimal("110"))
    return [therapist, other_therapist], [massage_type, swedish]


@pytest.mark.django_db
def test_the_appointment_list_costs_the_same_for_200_rows(catalogue, admin_client: Client) -> None:
    therapists, types = catalogue
    url = reverse("admin:booking_appointment_changelist") + "?all="
    _appointments(10, 0, therapists, types)
    small = _count(admin_client, url, 10)
    _appointments(190, 10, therapists, types)
    assert _count(admin_client, url, 200) == small
    assert small <= 12


@pytest.mark.django_db
def test_the_user_list_costs_the_same_for_200_rows(catalogue, admin_client: Client, front_desk_client: Client) -> None:
    therapists, types = catalogue
    url = reverse("admin:clinic_user_changelist") + "?all="
    # Every patient has an appointment, so the no-show column has something to count.
    _appointments(10, 0, therapists, types)
    base = User.objects.count()
    small, small_desk = _count(admin_client, url, base), _count(front_desk_client, url, base)
    _appointments(200 - base, 10, therapists, types)
    assert _count(admin_client, url, 200) == small
    assert _count(front_desk_client, url, 200) == small_desk
    assert small <= 12


@pytest.mark.django_db
def test_the_no_show_column_counts_each_patients_no_shows(catalogue, admin_client: Client) -> None:
    therapists, types = catalogue
    _appointments(8, 0, therapists, types)  # statuses cycle: the 3rd and 7th are no-shows
    response = admin_client.get(reverse("admin:clinic_user_changelist"))
    counts = {u.email: u.no_show_count for u in response.context["cl"].result_list}
    assert counts["load2@example.test"] == 1
    assert counts["load6@example.test"] == 1
    assert counts["load0@example.test"] == 0


@pytest.mark.django_db
def test_the_therapist_list_costs_the_same_for_200_rows(catalogue, admin_client: Client) -> None:
    _, types = catalogue
    url = reverse("admin:therapists_therapist_changelist") + "?all="
    _therapists(8, 0, types)
    small = _count(admin_client, url, 10)
    _therapists(190, 8, types)
    assert _count(admin_client, url, 200) == small
    assert small <= 12


@pytest.mark.django_db
def test_the_massage_type_list_costs_the_same_for_many_rows(admin_client: Client) -> None:
    url = reverse("admin:booking_massagetype_changelist") + "?all="
    MassageType.objects.bulk_create(
        MassageType(name=f"Type {n}", slug=f"type-{n}", duration_minutes=60, price=Decimal(50)) for n in range(10)
    )
    small = _count(admin_client, url, 10)
    MassageType.objects.bulk_create(
        MassageType(name=f"Type {n}", slug=f"type-{n}", duration_minutes=60, price=Decimal(50)) for n in range(10, 200)
    )
    assert _count(admin_client, url, 200) == small
