"""clinic.postgresql: timestamps read by psycopg's compiled loader are the instants Django's own loader reads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader

from booking.models import Appointment
from clinic.postgresql.base import UtcTimestamptzLoader, compiled_loader_available
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

# Instants where a parser goes wrong: DST changes in the clinic's zone, microseconds (all six
# digits, trailing zeros, none), before 1970, far ahead, and leap day.
INSTANTS = [
    datetime(2026, 3, 8, 6, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 3, 8, 7, 0, tzinfo=UTC),
    datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
    datetime(2026, 11, 1, 6, 30, 0, 120000, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
    datetime(2028, 2, 29, 12, 0, 0, 5, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
]
SELECT_INSTANTS = "SELECT unnest(%s::timestamptz[])"


def test_the_connection_reads_timestamps_with_the_compiled_loader() -> None:
    # psycopg[binary] is a requirement: without its compiled part this speed-up is silently lost.
    assert compiled_loader_available()
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(1184, 0)  # timestamptz, text
    assert loader is UtcTimestamptzLoader
    assert connection.timezone_name == "UTC"


def test_it_reads_the_same_instants_as_djangos_loader() -> None:
    with connection.cursor() as cursor:
        cursor.execute(SELECT_INSTANTS, [INSTANTS])
        compiled = [row[0] for row in cursor.fetchall()]
    with connection.cursor() as cursor:
        register_tzloader(UTC, cursor.cursor)  # Django's own loader, on this cursor only
        cursor.execute(SELECT_INSTANTS, [INSTANTS])
        djangos = [row[0] for row in cursor.fetchall()]
    assert compiled == djangos == INSTANTS
    assert all(value.tzinfo is UTC for value in compiled)
    assert [value.isoformat() for value in compiled] == [value.isoformat() for value in djangos]


def test_a_session_saved_in_the_clinic_zone_reads_back_the_same_instant_in_utc() -> None:
    zone = ZoneInfo("America/New_York")
    # 01:30 on the autumn change happens twice: the second time (fold=1) is an hour later.
    start = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=zone)
    appointment = AppointmentFactory(start=start, end=start + timedelta(minutes=60))
    read = Appointment.objects.get(pk=appointment.pk)
    # (Python never finds an instant of a repeated hour equal to one in another zone: compare in UTC.)
    assert read.start == start.astimezone(UTC) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert read.start.utcoffset() == timedelta(0)
    assert read.start.astimezone(zone).utcoffset() == timedelta(hours=-5)
    assert read.end - read.start == timedelta(minutes=60)


@contextmanager
def _pool(alias: str, check_after: float) -> Iterator[Any]:
    """The pool clinic.postgresql builds for a pooled alias (a pool of one), opened on the test database."""
    from clinic.postgresql.base import DatabaseWrapper

    pool_options = {"min_size": 1, "max_size": 1, "check_after": check_after}
    settings_dict = {
        **connection.settings_dict,
        "OPTIONS": {**connection.settings_dict["OPTIONS"], "pool": pool_options},
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": True,
    }
    pool = DatabaseWrapper(settings_dict, alias=alias).pool
    assert pool is not None
    pool.open(wait=True)
    try:
        yield pool
    finally:
        pool.close()


def _backend_pid(pool: Any) -> int:
    with pool.connection() as conn:
        return int(conn.execute("SELECT pg_backend_pid()").fetchone()[0])


def _terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])


def test_a_pool_checking_every_hand_out_replaces_a_connection_the_server_dropped() -> None:
    with _pool("pool_checks_always", check_after=0) as pool:
        first = _backend_pid(pool)
        _terminate(first)
        # Handed out again, the dead connection fails its check: the pool drops it and opens another.
        assert _backend_pid(pool) != first


def test_a_connection_handed_out_again_soon_is_not_checked_and_one_idle_longer_is(monkeypatch: Any) -> None:
    from psycopg import OperationalError

    from clinic.postgresql import base as backend

    clock = [1000.0]
    monkeypatch.setattr(backend.time, "monotonic", lambda: clock[0])
    with _pool("pool_checks_after_idle", check_after=5) as pool:
        first = _backend_pid(pool)
        _terminate(first)
        clock[0] += 1  # a second later: handed out without a round trip, so the request meets the break
        with pytest.raises(OperationalError):
            _backend_pid(pool)
        # The broken connection went back to the pool, which discarded it.
        third = _backend_pid(pool)
        assert third != first

        _terminate(third)
        clock[0] += 6  # idle longer than check_after: tested first and replaced; the request never sees it
        assert _backend_pid(pool) != third
