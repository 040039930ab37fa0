"""Front desk personas (from the admin's tests) and a busy day to measure the calendar on."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from booking.models import Appointment, MassageType, Status
from clinic.models import User
from tests.admin.conftest import front_desk, front_desk_client, staff_groups  # noqa: F401  (shared personas)
from tests.conftest import CLINIC_ZONE
from tests.factories import MassageTypeFactory, TherapistFactory, UserFactory, room_of, weekly_hours
from therapists.models import Therapist

# Wednesday 2026-03-04, two days after the pinned clock (Monday 08:00).
WEDNESDAY = datetime(2026, 3, 4, tzinfo=CLINIC_ZONE).date()


def at(hour: int, minute: int = 0, day: int = 4) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=CLINIC_ZONE)


@pytest.fixture
def owner_client(staff_groups: None) -> Client:  # noqa: F811
    user = User.objects.create_user(email="olga@example.test", first_name="Olga", last_name="Owner", is_staff=True)
    user.groups.add(Group.objects.get(name="Owner"))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def bare_staff_client(db: None) -> Client:
    """A staff member without the appointment permissions."""
    user = User.objects.create_user(email="sam@example.test", first_name="Sam", last_name="Staff", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_massagetype"))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def therapist_client(therapist: Therapist) -> Client:
    client = Client()
    client.force_login(therapist.user)
    return client


def busy_day(therapists: int, sessions: int, massage_type: MassageType | None = None) -> list[Appointment]:
    """Give `therapists` therapists 09:00-17:00 every day and spread `sessions` 45-minute sessions over Wednesday."""
    kind: MassageType = massage_type or MassageTypeFactory.create(
        name="Busy day massage", duration_minutes=45, buffer_minutes=15
    )
    staff: list[Therapist] = []
    for number in range(therapists):
        user: User = UserFactory.create(
            email=f"busy{number}@example.test", first_name=f"Busy{number}", last_name="Therapist"
        )
        therapist: Therapist = TherapistFactory.create(
            user=user, display_name=f"Busy therapist {number:02d}", massage_types=[kind]
        )
        weekly_hours(therapist, start=time(9), end=time(17))
        staff.append(therapist)
    patients: list[User] = [UserFactory.create(email=f"busy-patient{n}@example.test") for n in range(sessions)]
    rows = []
    for n in range(sessions):
        lane = staff[n % therapists]
        start = at(9) + timedelta(hours=n // therapists)
        rows.append(
            Appointment(
                patient=patients[n],
                therapist=lane,
                massage_type=kind,
                room=room_of(lane),
                start=start,
                end=start + timedelta(minutes=45),
                blocked_until=start + timedelta(hours=1),
                status=Status.CONFIRMED,
                price=kind.price,
                red_flags=["recent_injury"] if n % 7 == 0 else [],
                provider_consulted=n % 7 == 0,
            )
        )
    return Appointment.objects.bulk_create(rows)
