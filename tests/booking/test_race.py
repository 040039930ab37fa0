"""Concurrent bookings: one winner per slot, clean SlotTaken for the rest, and the limits hold.

Each thread has its own database connection; a barrier releases them together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, connections

from booking import services
from booking.exceptions import PolicyRefused, SlotTaken
from booking.models import Appointment
from tests.conftest import CLINIC_ZONE
from tests.factories import UserFactory

WEDNESDAY = date(2026, 3, 4)
THREADS = 20


def at(hour: int, minute: int = 0, day: date = WEDNESDAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CLINIC_ZONE)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released at once; return each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = calls[index]()
        except Exception as exc:  # every outcome, error or not, is inspected by the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def overlapping_active_pairs() -> list[tuple]:
    """Pairs of active appointments of one therapist whose blocked spans overlap, by SQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.id, b.id
            FROM booking_appointment a
            JOIN booking_appointment b
              ON a.therapist_id = b.therapist_id AND a.id < b.id
             AND tstzrange(a.start, a.blocked_until) && tstzrange(b.start, b.blocked_until)
            WHERE a.status IN ('confirmed', 'completed', 'no_show')
              AND b.status IN ('confirmed', 'completed', 'no_show')
            """
        )
        return cursor.fetchall()


def book_call(patient, therapist, massage_type, start) -> Callable[[], Any]:
    return lambda: services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=start)


@pytest.mark.django_db(transaction=True)
def test_twenty_patients_racing_for_one_slot_get_one_booking(clock, therapist, massage_type):
    patients = [UserFactory() for _ in range(THREADS)]

    results = run_together([book_call(patient, therapist, massage_type, at(10)) for patient in patients])

    winners = [r for r in results if isinstance(r, Appointment)]
    losers = [r for r in results if isinstance(r, SlotTaken)]
    assert len(winners) == 1
    assert len(losers) == THREADS - 1, [r for r in results if not isinstance(r, Appointment | SlotTaken)]
    assert Appointment.objects.active().count() == 1
    assert overlapping_active_pairs() == []


@pytest.mark.django_db(transaction=True)
def test_twenty_patients_racing_for_overlapping_starts_get_one_booking(clock, therapist, massage_type):
    # 10:00 to 11:00, fifteen minutes apart: with 60 minutes and a 15-minute buffer, every two overlap.
    starts = [at(10) + timedelta(minutes=15 * (i % 5)) for i in range(THREADS)]
    patients = [UserFactory() for _ in range(THREADS)]

    results = run_together(
        [book_call(patient, therapist, massage_type, start) for patient, start in zip(patients, starts, strict=True)]
    )

    assert sum(isinstance(r, Appointment) for r in results) == 1
    assert sum(isinstance(r, SlotTaken) for r in results) == THREADS - 1, results
    assert overlapping_active_pairs() == []


@pytest.mark.django_db(transaction=True)
def test_racing_for_a_whole_afternoon_never_double_books(clock, therapist, massage_type):
    # Starts every quarter hour of 13:00-16:00: some pairs fit together, most overlap.
    starts = [at(13) + timedelta(minutes=15 * (i % 13)) for i in range(THREADS)]
    patients = [UserFactory() for _ in range(THREADS)]

    results = run_together(
        [book_call(patient, therapist, massage_type, start) for patient, start in zip(patients, starts, strict=True)]
    )

    winners = [r for r in results if isinstance(r, Appointment)]
    assert all(isinstance(r, Appointment | SlotTaken) for r in results), results
    assert 0 < len(winners) <= 3  # at most three 75-minute blocks fit in 13:00-17:15
    assert overlapping_active_pairs() == []


@pytest.mark.django_db(transaction=True)
def test_the_appointment_limit_holds_when_one_patient_books_twice_at_once(
    clock, patient, therapist, other_therapist, massage_type
):
    for day in range(3):
        services.book(
            patient=patient,
            therapist=therapist,
            massage_type=massage_type,
            start=at(10, day=WEDNESDAY + timedelta(days=day)),
        )

    results = run_together(
        [
            book_call(patient, therapist, massage_type, at(14, day=WEDNESDAY + timedelta(days=4))),
            book_call(patient, other_therapist, massage_type, at(14, day=WEDNESDAY + timedelta(days=5))),
        ]
    )

    assert sum(isinstance(r, Appointment) for r in results) == 1
    refused = [r for r in results if isinstance(r, PolicyRefused)]
    assert [r.code for r in refused] == ["too_many_appointments"], results
    assert Appointment.objects.for_patient(patient).active().count() == 4


@pytest.mark.django_db(transaction=True)
def test_a_reschedule_racing_a_booking_for_the_same_slot_leaves_one_holder(
    clock, patient, other_patient, therapist, massage_type
):
    existing = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(9))

    results = run_together(
        [
            lambda: services.reschedule(appointment=existing, by=patient, start=at(14)),
            book_call(other_patient, therapist, massage_type, at(14)),
        ]
    )

    assert sum(isinstance(r, Appointment) for r in results) == 1
    assert sum(isinstance(r, SlotTaken) for r in results) == 1, results
    assert Appointment.objects.active().filter(start=at(14)).count() == 1
    assert overlapping_active_pairs() == []
