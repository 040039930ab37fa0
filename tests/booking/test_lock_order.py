"""Writers take their row locks in one order (booking.locks), so crossing changes never deadlock.

Two sessions swap therapists at once, 200 times over: A moves from Carol to Dan while B
moves from Dan to Carol. With the therapists locked in id order and the appointment row
locked alone, each pair serialises; before, each writer held one therapist and waited for
the other's ("deadlock detected", answered 503).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

import pytest
import time_machine
from django.db import connection

from booking import services
from booking.models import Appointment, MassageType
from clinic.models import User
from tests.booking.test_race import at, run_together
from tests.factories import UserFactory
from therapists.models import Therapist

PAIRS = 200


@pytest.mark.django_db(transaction=True)
def test_crossing_reschedules_never_deadlock(
    clock: time_machine.Traveller,
    therapist: Therapist,
    other_therapist: Therapist,
    massage_type: MassageType,
    admin_user: User,
) -> None:
    carol, dan = therapist, other_therapist
    first = services.book(patient=UserFactory(), therapist=carol, massage_type=massage_type, start=at(10))
    second = services.book(patient=UserFactory(), therapist=dan, massage_type=massage_type, start=at(10))
    # Each round moves both sessions to the other therapist, at the other hour of the two.
    hours = {at(10): at(14), at(14): at(10)}

    failures: list[str] = []
    for round_number in range(PAIRS):
        a = Appointment.objects.get(pk=first.pk)
        b = Appointment.objects.get(pk=second.pk)
        targets: list[tuple[Appointment, Therapist, datetime]] = [
            (a, dan if a.therapist_id == carol.pk else carol, hours[a.start]),
            (b, dan if b.therapist_id == carol.pk else carol, hours[b.start]),
        ]
        results = run_together(
            [
                partial(services.reschedule, appointment=appointment, by=admin_user, start=start, therapist=to)
                for appointment, to, start in targets
            ]
        )
        failures += [f"round {round_number}: {result!r}" for result in results if isinstance(result, Exception)]
        if failures:
            break

    assert failures == []
    a, b = Appointment.objects.get(pk=first.pk), Appointment.objects.get(pk=second.pk)
    # An even number of swaps brings both home.
    assert (a.therapist_id, a.start, b.therapist_id, b.start) == (carol.pk, at(10), dan.pk, at(10))
    assert a.sequence == b.sequence == PAIRS


@pytest.mark.django_db
def test_locking_an_appointment_locks_no_therapist_or_massage_type(
    clock: time_machine.Traveller, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    from django.test.utils import CaptureQueriesContext

    from booking import locks

    booked = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(10))
    with CaptureQueriesContext(connection) as queries:
        locks.lock_appointment(booked.pk)

    [statement] = [q["sql"] for q in queries.captured_queries]
    assert 'FOR UPDATE OF "booking_appointment"' in statement
