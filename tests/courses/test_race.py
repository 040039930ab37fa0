"""Two patients booking overlapping courses at once: no overlap, one course whole, the loser's plan recomputed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, time
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from booking.models import Appointment
from courses.exceptions import CourseSessionRefused
from courses.models import Course
from tests.booking.test_race import overlapping_active_pairs
from tests.conftest import CLINIC_ZONE
from tests.courses.conftest import ask, book_plan, plan
from tests.factories import UserFactory


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released at once; return each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = calls[index]()
        except Exception as exc:  # the test inspects every outcome
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_patients_booking_overlapping_courses_get_one_course_and_a_recomputed_plan(
    clock, massage_type, therapist, other_therapist
):
    alice = UserFactory.create(email="alice.course@example.test")
    bob = UserFactory.create(email="bob.course@example.test")
    # Alice wants Wednesdays at 10:00, Bob Wednesdays at 10:30 a week later: three dates overlap.
    alice_plan = plan(ask(massage_type, therapist, sessions=4), alice)
    bob_plan = plan(ask(massage_type, therapist, sessions=4, clock=time(10, 30), starting=date(2026, 3, 11)), bob)
    assert alice_plan.all_fit and bob_plan.all_fit

    results = run_together([lambda: book_plan(alice_plan, alice), lambda: book_plan(bob_plan, bob)])

    winners = [result for result in results if isinstance(result, Course)]
    losers = [result for result in results if isinstance(result, CourseSessionRefused)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].status == 409
    assert overlapping_active_pairs() == []
    winner = winners[0]
    loser = bob if winner.patient_id == alice.pk else alice
    assert winner.sessions().count() == 4
    assert not Appointment.objects.filter(patient=loser).exists()

    again = plan((bob_plan if loser == bob else alice_plan).request, loser)
    clashing = [s for s in again.sessions if not s.fits]
    assert len(clashing) == 3
    # Each clashing date offers the nearest free time: Carol later that day, then Dan.
    assert all(s.alternatives and s.alternatives[0].therapist_id == therapist.pk for s in clashing)
    assert all(any(o.therapist_id == other_therapist.pk for o in s.alternatives) for s in clashing)
    # Whoever lost, their nearest same-therapist alternative that day keeps clear of the winner's session.
    taken = {timezone.localdate(a.start, CLINIC_ZONE): a for a in winner.sessions()}
    for session in clashing:
        first, held = session.alternatives[0], taken[session.day]
        assert first.end <= held.start or first.start >= held.blocked_until, (session.day, first, held)
