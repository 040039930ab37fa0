"""The therapist's iCalendar feed: one event per active session, right times, no health details."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from booking.services import cancel
from portal.services import regenerate_calendar_token

from .portal_setup import RED_FLAG_INTAKE, at, book_session, client_for

pytestmark = pytest.mark.django_db


def feed_url(therapist) -> str:
    return reverse("therapists:feed", kwargs={"token": therapist.calendar_token})


def events_of(response) -> list[icalendar.cal.Component]:
    calendar = icalendar.Calendar.from_ical(response.content)
    return list(calendar.walk("VEVENT"))


def test_feed_has_one_event_per_active_session_with_the_right_times(
    therapist, patient, other_patient, massage_type, clock
) -> None:
    first = book_session(patient, therapist, massage_type, at(3, 10), RED_FLAG_INTAKE)
    second = book_session(other_patient, therapist, massage_type, at(9, 14))  # after the DST change
    dropped = book_session(other_patient, therapist, massage_type, at(4, 10))
    cancel(appointment=dropped, by=other_patient)

    response = Client().get(feed_url(therapist))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = events_of(response)
    assert len(events) == 2
    by_uid = {str(event["UID"]): event for event in events}
    assert set(by_uid) == {f"appointment-{first.pk}@127.0.0.1", f"appointment-{second.pk}@127.0.0.1"}

    event = by_uid[f"appointment-{first.pk}@127.0.0.1"]
    assert event.decoded("DTSTART") == at(3, 10)
    assert event.decoded("DTEND") == at(3, 11)
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert str(event["SUMMARY"]) == "Deep tissue \u2014 Alice A."
    later = by_uid[f"appointment-{second.pk}@127.0.0.1"]
    assert later.decoded("DTSTART") == at(9, 14)
    assert later.decoded("DTSTART").utcoffset() == timedelta(hours=-4)


def test_feed_carries_the_clinic_time_zone_definition(therapist, patient, massage_type, clock) -> None:
    book_session(patient, therapist, massage_type, at(3, 10))
    calendar = icalendar.Calendar.from_ical(Client().get(feed_url(therapist)).content)
    zones = [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")]
    assert zones == ["America/New_York"]


def test_feed_shows_nothing_of_the_patients_health_or_contact(therapist, patient, massage_type, clock) -> None:
    book_session(patient, therapist, massage_type, at(3, 10), RED_FLAG_INTAKE)
    body = Client().get(feed_url(therapist)).content.decode()
    unfolded = body.replace("\r\n ", "")
    assert "Alice A." in unfolded
    for secret in ["Herniated", "Lower back", "Numbness", "leg_numbness", "6175550100", "Archer", "alice@"]:
        assert secret not in unfolded
    assert "DESCRIPTION" not in unfolded


def test_feed_leaves_out_other_therapists_and_sessions_outside_the_window(
    therapist, other_therapist, patient, massage_type, clock
) -> None:
    book_session(patient, therapist, massage_type, at(3, 10))
    book_session(patient, other_therapist, massage_type, at(3, 14))
    assert len(events_of(Client().get(feed_url(therapist)))) == 1
    clock.move_to(at(2, 8) + timedelta(days=32))  # the session is now more than 30 days past
    assert events_of(Client().get(feed_url(therapist))) == []


def test_an_unknown_token_is_not_found(therapist) -> None:
    assert Client().get(reverse("therapists:feed", kwargs={"token": "not-a-token"})).status_code == 404


def test_an_old_token_stops_working_after_regeneration(therapist, clock) -> None:
    old_url = feed_url(therapist)
    assert Client().get(old_url).status_code == 200
    regenerate_calendar_token(therapist=therapist)
    assert Client().get(old_url).status_code == 404
    assert Client().get(feed_url(therapist)).status_code == 200


def test_the_regenerate_button_revokes_the_old_link(therapist, clock) -> None:
    old_url = feed_url(therapist)
    client = client_for(therapist.user)
    page = client.get(reverse("therapists:calendar")).content.decode()
    assert old_url in page
    response = client.post(reverse("therapists:calendar_regenerate"), follow=True)
    assert "the old link no longer works" in response.content.decode()
    therapist.refresh_from_db()
    assert feed_url(therapist) != old_url
    assert feed_url(therapist) in response.content.decode()
    assert Client().get(old_url).status_code == 404


def test_only_the_therapist_can_regenerate_their_link(therapist, patient_client) -> None:
    old = therapist.calendar_token
    assert patient_client.post(reverse("therapists:calendar_regenerate")).status_code == 403
    assert Client().post(reverse("therapists:calendar_regenerate")).status_code == 302
    therapist.refresh_from_db()
    assert therapist.calendar_token == old


def test_an_inactive_therapists_feed_is_not_found(therapist) -> None:
    therapist.is_active = False
    therapist.save()
    assert Client().get(feed_url(therapist)).status_code == 404


def test_the_schedule_api_gives_the_therapist_their_feeds_absolute_url(therapist, clock, settings) -> None:
    settings.SITE_URL = "https://book.clinic.example/"
    client = APIClient()
    client.force_authenticate(therapist.user)
    url = client.get("/api/v1/therapist/schedule/").json()["calendar_feed_url"]
    assert url == f"https://book.clinic.example/therapist/feed/{therapist.calendar_token}.ics"
    assert Client().get(url.removeprefix("https://book.clinic.example")).status_code == 200
    regenerate_calendar_token(therapist=therapist)
    therapist.refresh_from_db()
    # After a regeneration the API hands out the new link.
    assert client.get("/api/v1/therapist/schedule/").json()["calendar_feed_url"] == (
        f"https://book.clinic.example{feed_url(therapist)}"
    )
