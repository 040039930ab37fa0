"""Admin personas: the clinic owner (superuser, from tests/conftest.py) and a front-desk user."""

from __future__ import annotations

import importlib
from datetime import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from booking import services
from booking.models import Appointment, MassageType
from clinic.models import User
from tests.conftest import CLINIC_ZONE
from therapists.models import Therapist

# Wednesday 2026-03-04, two days after the pinned clock: Carol works 09-12 and 13-17.
WED_10 = datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE)

staff_groups_migration = importlib.import_module("clinic.migrations.0002_staff_groups")
room_permissions_migration = importlib.import_module("locations.migrations.0002_staff_permissions")
payment_permissions_migration = importlib.import_module("payments.migrations.0002_staff_permissions")


@pytest.fixture
def staff_groups(db: None) -> None:
    """Make sure the migration's groups exist (a transactional test elsewhere may have flushed them)."""
    if not Group.objects.filter(name=staff_groups_migration.FRONT_DESK).exists():
        loader = MigrationExecutor(connection).loader
        staff_groups_migration.create_staff_groups(loader.project_state(("clinic", "0002_staff_groups")).apps, None)
        room_permissions_migration.grant(loader.project_state(("locations", "0002_staff_permissions")).apps, None)
        payment_permissions_migration.grant(loader.project_state(("payments", "0002_staff_permissions")).apps, None)


@pytest.fixture
def front_desk(staff_groups: None) -> User:
    user = User.objects.create_user(email="desk@example.test", first_name="Fran", last_name="Frontdesk", is_staff=True)
    user.groups.add(Group.objects.get(name="Front desk"))
    return user


@pytest.fixture
def front_desk_client(front_desk: User) -> Client:
    client = Client()
    client.force_login(front_desk)
    return client


@pytest.fixture
def booked(clock: object, patient: User, therapist: Therapist, massage_type: MassageType) -> Appointment:
    """Alice's deep tissue with Carol on Wednesday 10:00-11:00 (+15 min turnover)."""
    return services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=WED_10)
