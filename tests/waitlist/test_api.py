"""The waitlist API: join, list with the open offer, leave, accept and decline; another person's is 404."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from booking import services as booking
from booking.models import Status
from tests.waitlist.conftest import WEDNESDAY, at, consider_all, fill_day, join
from waitlist.models import EntryState, Offer, WaitlistEntry

pytestmark = pytest.mark.django_db


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_joining_through_the_api(clock, patient, massage_type, therapist):
    answer = client_of(patient).post(
        "/api/v1/waitlist/",
        {
            "massage_type": massage_type.pk,
            "therapists": [therapist.pk],
            "date_from": str(WEDNESDAY),
            "date_to": str(WEDNESDAY),
            "weekdays": [2],
            "time_from": "17:00",
            "time_to": "20:00",
        },
        format="json",
    )

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["therapists"], body["weekdays"], body["time_from"], body["state"]) == (
        [therapist.pk],
        [2],
        "17:00:00",
        "active",
    )


def test_a_bad_join_is_a_400_with_field_messages(clock, patient, massage_type):
    answer = client_of(patient).post(
        "/api/v1/waitlist/",
        {"massage_type": massage_type.pk, "date_from": "2026-03-05", "date_to": "2026-03-04"},
        format="json",
    )

    assert answer.status_code == 400
    assert "date_to" in answer.json()["error"]["fields"]


def test_the_list_shows_the_open_offer_and_accepting_books_it(clock, patient, therapist, massage_type):
    now = timezone.now()
    sessions = fill_day(therapist, massage_type, now)
    join(patient, massage_type, now)
    booking.cancel(appointment=sessions[1], by=sessions[1].patient, now=now)
    offer = Offer.objects.get(pk__in=consider_all(now))
    client = client_of(patient)

    listed = client.get("/api/v1/waitlist/").json()
    assert listed[0]["offer"]["id"] == offer.pk
    assert datetime.fromisoformat(listed[0]["offer"]["start"]) == at(10, 15)

    accepted = client.post(f"/api/v1/waitlist/offers/{offer.pk}/accept/", {"pain_level": 4}, format="json")
    assert accepted.status_code == 200, accepted.json()
    assert (accepted.json()["status"], accepted.json()["pain_level"]) == (Status.CONFIRMED, 4)
    again = client.post(f"/api/v1/waitlist/offers/{offer.pk}/accept/", {}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "offer_gone"


def test_another_persons_offer_and_entry_are_404(clock, patient, other_patient, therapist, massage_type):
    now = timezone.now()
    sessions = fill_day(therapist, massage_type, now)
    entry = join(patient, massage_type, now)
    booking.cancel(appointment=sessions[1], by=sessions[1].patient, now=now)
    offer = Offer.objects.get(pk__in=consider_all(now))
    stranger = client_of(other_patient)

    assert stranger.post(f"/api/v1/waitlist/offers/{offer.pk}/accept/", {}, format="json").status_code == 404
    assert stranger.post(f"/api/v1/waitlist/offers/{offer.pk}/decline/").status_code == 404
    assert stranger.delete(f"/api/v1/waitlist/{entry.pk}/").status_code == 404
    assert stranger.get("/api/v1/waitlist/").json() == []


def test_leaving_through_the_api(clock, patient, massage_type):
    entry = join(patient, massage_type, timezone.now())

    assert client_of(patient).delete(f"/api/v1/waitlist/{entry.pk}/").status_code == 204
    assert WaitlistEntry.objects.get(pk=entry.pk).state == EntryState.ENDED


def test_signed_out_is_401(db):
    assert APIClient().get("/api/v1/waitlist/").status_code == 401
