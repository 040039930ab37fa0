"""The session page offers "Mark completed" and "Mark no-show" only when recording the outcome can work."""

from __future__ import annotations

import pytest
from django.urls import reverse

from booking import services

from .portal_setup import at, book_session, client_for

pytestmark = pytest.mark.django_db

OUTCOME_BUTTONS = ("Mark completed", "Mark no-show")


def page_of(therapist, session) -> str:
    return client_for(therapist.user).get(reverse("therapists:session", args=[session.pk])).content.decode()


def test_a_future_session_offers_no_outcome_buttons(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(2, 14))
    clock.move_to(at(2, 13, 59))

    page = page_of(therapist, session)

    assert not any(button in page for button in OUTCOME_BUTTONS)
    assert reverse("therapists:session_outcome", args=[session.pk]) not in page
    assert "once it has started (Monday, March 2, 2026 at 2:00 PM)" in page


def test_once_the_session_has_started_both_buttons_are_offered_and_work(
    therapist, patient, massage_type, clock
) -> None:
    session = book_session(patient, therapist, massage_type, at(2, 14))
    clock.move_to(at(2, 14))

    page = page_of(therapist, session)

    assert all(button in page for button in OUTCOME_BUTTONS)
    assert "once it has started" not in page
    client_for(therapist.user).post(reverse("therapists:session_outcome", args=[session.pk]), {"outcome": "no_show"})
    session.refresh_from_db()
    assert session.status == "no_show"


def test_a_cancelled_session_offers_no_outcome_buttons(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(3, 14))
    services.cancel(appointment=session, by=patient)
    clock.move_to(at(3, 15))

    page = page_of(therapist, session)

    assert not any(button in page for button in OUTCOME_BUTTONS)
    assert "This session was cancelled" in page
