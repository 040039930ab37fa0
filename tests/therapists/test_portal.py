"""The therapist portal's pages: who may see them, the schedule with intake, outcome and notes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from booking.models import Status
from therapists.models import SessionNote, SessionNoteRevision

from .portal_setup import RED_FLAG_INTAKE, at, book_session, client_for

pytestmark = pytest.mark.django_db

PORTAL_PAGES: list[tuple[str, dict[str, int]]] = [
    ("therapists:day", {}),
    ("therapists:week", {}),
    ("therapists:working_hours", {}),
    ("therapists:time_off", {}),
    ("therapists:calendar", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), PORTAL_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(name, kwargs, therapist) -> None:
    url = reverse(name, kwargs=kwargs)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=" in response["Location"]


@pytest.mark.parametrize(("name", "kwargs"), PORTAL_PAGES)
def test_patients_are_refused_the_portal(name, kwargs, patient_client, therapist) -> None:
    assert patient_client.get(reverse(name, kwargs=kwargs)).status_code == 403


def test_an_inactive_therapist_is_refused_the_portal(therapist) -> None:
    therapist.is_active = False
    therapist.save()
    assert client_for(therapist.user).get(reverse("therapists:day")).status_code == 403


def test_day_view_shows_each_session_with_the_intake(therapist, patient, massage_type, clock) -> None:
    book_session(patient, therapist, massage_type, at(3, 10), RED_FLAG_INTAKE)
    response = client_for(therapist.user).get(reverse("therapists:day"), {"date": "2026-03-03"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Alice Archer" in page
    assert "+16175550100" in page
    assert "Deep tissue" in page
    assert "10:00\u201311:00 AM EST" in page
    assert "America/New_York" in page
    assert "Lower back, left hip" in page
    assert "7 / 10" in page
    assert "Firm" in page
    assert "Herniated disc L4-L5 in 2024." in page
    assert "Confirmed" in page


def test_red_flags_stand_out_with_a_badge_and_their_wording(therapist, patient, massage_type, clock) -> None:
    book_session(patient, therapist, massage_type, at(3, 10), RED_FLAG_INTAKE)
    page = client_for(therapist.user).get(reverse("therapists:day"), {"date": "2026-03-03"}).content.decode()
    assert "badge--alert" in page
    assert "Red flags: check before treating" in page
    assert "Numbness, tingling or weakness in the legs" in page
    assert "health provider was consulted" in page


def test_day_view_shows_only_that_day_and_only_my_sessions(
    therapist, other_therapist, patient, other_patient, massage_type, clock
) -> None:
    book_session(patient, therapist, massage_type, at(3, 10))
    book_session(other_patient, other_therapist, massage_type, at(3, 10))
    book_session(other_patient, therapist, massage_type, at(4, 10))
    page = client_for(therapist.user).get(reverse("therapists:day"), {"date": "2026-03-03"}).content.decode()
    assert "Alice Archer" in page
    assert "Bob Baker" not in page
    assert "?date=2026-03-02" in page and "?date=2026-03-04" in page  # previous and next


def test_day_view_defaults_to_today_and_survives_a_bad_date(therapist, patient, massage_type, clock) -> None:
    book_session(patient, therapist, massage_type, at(2, 13))
    client = client_for(therapist.user)
    assert "Alice Archer" in client.get(reverse("therapists:day")).content.decode()
    for bad in ["2026-02-30", "9999-12-31", "0001-01-01", "tomorrow"]:
        response = client.get(reverse("therapists:day"), {"date": bad})
        assert response.status_code == 200
        assert "Monday, March 2, 2026" in response.content.decode()
    assert client.get(reverse("therapists:week"), {"date": "9999-12-31"}).status_code == 200


def test_week_view_lists_monday_to_sunday(therapist, patient, massage_type, clock) -> None:
    book_session(patient, therapist, massage_type, at(4, 14), RED_FLAG_INTAKE)
    response = client_for(therapist.user).get(reverse("therapists:week"), {"date": "2026-03-05"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Mon, Mar 2" in page and "Sun, Mar 8" in page
    assert "Alice Archer" in page
    assert "Numbness, tingling or weakness in the legs" in page
    assert "?date=2026-02-23" in page and "?date=2026-03-09" in page


def test_week_view_shows_times_after_the_dst_change_in_daylight_time(therapist, patient, massage_type, clock) -> None:
    book_session(patient, therapist, massage_type, at(9, 10))  # Monday after the spring change
    page = client_for(therapist.user).get(reverse("therapists:week"), {"date": "2026-03-09"}).content.decode()
    assert "10:00\u201311:00 AM EDT" in page


def test_another_therapists_session_is_not_found(therapist, other_therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(2, 10))
    client = client_for(other_therapist.user)
    assert client.get(reverse("therapists:session", args=[session.pk])).status_code == 404
    clock.move_to(at(2, 11, 5))
    response = client.post(reverse("therapists:session_outcome", args=[session.pk]), {"outcome": "completed"})
    assert response.status_code == 404
    response = client.post(reverse("therapists:session_note", args=[session.pk]), {"revision": 0, "plan": "x"})
    assert response.status_code == 404
    session.refresh_from_db()
    assert session.status == Status.CONFIRMED
    assert not SessionNote.objects.exists()


def test_patients_cannot_open_a_session_page(therapist, patient, patient_client, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(2, 10))
    assert patient_client.get(reverse("therapists:session", args=[session.pk])).status_code == 403


def test_marking_a_session_before_it_starts_shows_why_not(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(2, 10))
    client = client_for(therapist.user)
    response = client.post(
        reverse("therapists:session_outcome", args=[session.pk]), {"outcome": "completed"}, follow=True
    )
    assert "The session has not started yet." in response.content.decode()
    session.refresh_from_db()
    assert session.status == Status.CONFIRMED


def test_marking_a_started_session_completed(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(2, 10))
    clock.move_to(at(2, 11, 5))
    response = client_for(therapist.user).post(
        reverse("therapists:session_outcome", args=[session.pk]), {"outcome": "completed"}, follow=True
    )
    assert "Session marked completed." in response.content.decode()
    session.refresh_from_db()
    assert session.status == Status.COMPLETED


def test_marking_a_no_show(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(2, 10))
    clock.move_to(at(2, 10, 20))
    client_for(therapist.user).post(reverse("therapists:session_outcome", args=[session.pk]), {"outcome": "no_show"})
    session.refresh_from_db()
    assert session.status == Status.NO_SHOW


def test_saving_notes_twice_keeps_both_versions_on_the_page(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(2, 10))
    clock.move_to(at(2, 11, 5))
    client = client_for(therapist.user)
    url = reverse("therapists:session_note", args=[session.pk])
    first = {"revision": 0, "subjective": "Tight lower back", "objective": "", "assessment": "", "plan": ""}
    client.post(url, {**first, "pain_after": 4})
    second = {**first, "revision": 1, "plan": "Heat and walking", "pain_after": 3}
    response = client.post(url, second, follow=True)
    page = response.content.decode()
    assert "Treatment note saved." in page
    assert "Revision 2" in page and "Revision 1" in page
    assert "Heat and walking" in page
    assert SessionNoteRevision.objects.count() == 2
    assert SessionNote.objects.get().pain_after == 3


def test_a_stale_note_form_is_refused_and_says_so(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(2, 10))
    clock.move_to(at(2, 11, 5))
    client = client_for(therapist.user)
    url = reverse("therapists:session_note", args=[session.pk])
    client.post(url, {"revision": 0, "plan": "First"})
    response = client.post(url, {"revision": 0, "plan": "Old tab"})
    assert response.status_code == 400
    assert "changed elsewhere" in response.content.decode()
    assert SessionNote.objects.get().plan == "First"


def test_note_validation_and_timing_are_shown(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(2, 10))
    client = client_for(therapist.user)
    url = reverse("therapists:session_note", args=[session.pk])
    early = client.post(url, {"revision": 0, "plan": "Too early"})
    assert early.status_code == 400
    assert "once the session has started" in early.content.decode()
    clock.move_to(at(2, 11, 5))
    bad = client.post(url, {"revision": 0, "pain_after": 12})
    assert bad.status_code == 400
    assert "less than or equal to 10" in bad.content.decode()
    assert not SessionNote.objects.exists()
