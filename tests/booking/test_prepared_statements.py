"""A booking's statements are prepared on the connection and planned once; a migration elsewhere does not break them."""

from __future__ import annotations

from datetime import datetime, timedelta

import psycopg
import pytest
from django.db import connection

from booking import services
from booking.models import Appointment, MassageType
from clinic.models import User
from locations.models import Room
from tests.conftest import CLINIC_ZONE
from tests.factories import UserFactory
from therapists.models import Therapist

MONDAY_NINE = datetime(2026, 3, 9, 9, tzinfo=CLINIC_ZONE)


def _prepared() -> dict[str, tuple[int, int]]:
    """The connection's prepared statements by their first words: (generic plans, custom plans)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return {" ".join(sql.split()[:3]): (generic, custom) for sql, generic, custom in cursor.fetchall()}


def _book(therapist: Therapist, massage_type: MassageType, patient: User, start: datetime) -> None:
    services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=start)


@pytest.mark.django_db
def test_the_lock_the_reads_the_room_and_the_write_are_prepared_once_and_keep_one_plan(
    clock, therapist: Therapist, massage_type: MassageType
) -> None:
    for day in range(3):
        _book(therapist, massage_type, UserFactory(), MONDAY_NINE + timedelta(days=day))

    prepared = _prepared()
    # The lock statement, the patient's standing with the therapist's hours, the room to take,
    # the write (the session with its notices, event and stamps).
    assert set(prepared) == {
        "WITH held_therapists AS",
        "SELECT s.singles, s.courses,",
        f'SELECT room."id", room."{Room._meta.get_field("location").column}",',
        "WITH first_row AS",
    }, prepared
    # Three runs each, planned once: the generic plan is used, never a plan for the values.
    assert all(plans == (3, 0) for plans in prepared.values()), prepared


@pytest.mark.django_db
def test_other_statements_are_not_prepared(clock, therapist: Therapist, massage_type: MassageType) -> None:
    for _ in range(6):
        list(Room.objects.filter(is_active=True))
    assert _prepared() == {}


@pytest.mark.django_db
def test_with_prepared_statements_off_nothing_is_prepared_and_booking_works(
    clock, therapist: Therapist, massage_type: MassageType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "prepared_statements", False)
    for day in range(3):
        _book(therapist, massage_type, UserFactory(), MONDAY_NINE + timedelta(days=day))
    assert _prepared() == {}
    # A new connection would ask for no generic plans either (for a pooler that refuses the option).
    params = connection.get_connection_params()
    assert "plan_cache_mode" not in params.get("options", "")
    assert "prepared_statements" not in params


def test_the_connection_asks_for_generic_plans_of_prepared_statements(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("force_generic_plan",)
    assert "prepared_statements" not in connection.get_connection_params()


@pytest.mark.django_db(transaction=True)
def test_a_column_added_to_a_table_by_another_process_leaves_the_prepared_statements_working(
    clock, therapist: Therapist, massage_type: MassageType
) -> None:
    _book(therapist, massage_type, UserFactory(), MONDAY_NINE)
    assert len(_prepared()) == 4
    # A deploy migrates while this process keeps its connection and its prepared statements.
    url = connection.get_connection_params()
    other = {key: url[key] for key in ("dbname", "user", "host", "port") if key in url}
    tables = (Room._meta.db_table, User._meta.db_table, Appointment._meta.db_table)
    with psycopg.connect(**other, autocommit=True) as migration:
        for table in tables:
            migration.execute(f'ALTER TABLE "{table}" ADD COLUMN added_by_a_deploy integer')
    try:
        appointment = services.book(
            patient=UserFactory(), therapist=therapist, massage_type=massage_type, start=MONDAY_NINE + timedelta(days=1)
        )
        assert appointment.room is not None
        assert appointment.room.name
    finally:
        with psycopg.connect(**other, autocommit=True) as migration:
            for table in tables:
                migration.execute(f'ALTER TABLE "{table}" DROP COLUMN added_by_a_deploy')
