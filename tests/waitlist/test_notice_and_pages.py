"""The offer's e-mail carries a one-click link; the confirm page books or declines, once, for its patient only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from booking import services as booking
from booking.models import Appointment, Notification, NotificationKind, Status
from notifications import rendering
from tests.waitlist.conftest import WEDNESDAY, at, consider_all, fill_day, join
from waitlist.models import EntryState, Offer, OfferState, WaitlistEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(clock, patient, therapist, massage_type):
    now = timezone.now()
    sessions = fill_day(therapist, massage_type, now)
    join(patient, massage_type, now)
    booking.cancel(appointment=sessions[1], by=sessions[1].patient, now=now)
    return Offer.objects.get(pk__in=consider_all(now))


def offer_link(offer: Offer) -> str:
    notice = Notification.objects.get(kind=NotificationKind.WAITLIST_OFFER, subject_id=offer.pk)
    assert rendering.deliver(notice.pk).status == "sent"
    message = mail.outbox[-1]
    assert message.to == [offer.entry.patient.email]
    assert "held for you" in message.subject
    found = re.search(r"http://[^\s]+/waitlist/offers/[^\s/]+/", message.body)
    assert found, message.body
    return found.group(0).removeprefix("http://127.0.0.1:8000")


def test_the_offer_email_says_until_when_and_links_to_the_confirm_page(offered):
    link = offer_link(offered)
    body = mail.outbox[-1].body

    assert "10:15 AM" in body and "Wednesday, March 4, 2026" in body
    page = Client().get(link)
    assert page.status_code == 200
    assert b"A time opened up for you" in page.content


def test_one_click_accepts_without_signing_in_and_books_the_slot(offered):
    link = offer_link(offered)

    page = Client().post(link + "accept/", {"focus_areas": "neck", "red_flags": []})

    assert page.status_code == 200
    assert b"Your massage is booked" in page.content
    booked = Appointment.objects.get(pk=offered.appointment_id)
    assert (booked.status, booked.focus_areas) == (Status.CONFIRMED, "neck")


def test_the_link_is_single_use(offered):
    link = offer_link(offered)
    Client().post(link + "accept/", {})

    again = Client().post(link + "accept/", {})

    assert again.status_code == 409
    assert Appointment.objects.filter(status=Status.CONFIRMED, start=at(10, 15)).count() == 1


def test_declining_from_the_page_lets_the_time_go(offered):
    link = offer_link(offered)

    page = Client().post(link + "decline/")

    assert b"You let this time go" in page.content
    offered.refresh_from_db()
    assert offered.state == OfferState.DECLINED


def test_the_link_expires_with_the_hold(offered, clock):
    link = offer_link(offered)
    clock.move_to(offered.expires_at + timedelta(seconds=1))

    page = Client().post(link + "accept/", {})

    assert page.status_code == 409
    assert b"This offer has ended" in page.content


def test_a_forged_or_altered_link_is_404(offered):
    link = offer_link(offered)

    assert Client().get(link[:-3] + "xx/").status_code == 404
    assert Client().get("/waitlist/offers/not-a-token/").status_code == 404


def test_someone_else_signed_in_gets_404(offered, other_patient):
    link = offer_link(offered)
    client = Client()
    client.force_login(other_patient)

    assert client.get(link).status_code == 404
    assert client.post(link + "accept/", {}).status_code == 404


def test_an_offer_that_ended_before_sending_is_not_emailed(offered):
    from waitlist import services

    services.decline(offer=offered, by=offered.entry.patient, now=timezone.now())
    notice = Notification.objects.get(kind=NotificationKind.WAITLIST_OFFER, subject_id=offered.pk)

    assert rendering.deliver(notice.pk).status == "void"
    assert mail.outbox == []


def test_joining_from_the_page_and_leaving_it(clock, patient_client, patient, massage_type, therapist):
    form = patient_client.get(f"/waitlist/join/?massage_type={massage_type.pk}&date={WEDNESDAY}")
    assert form.status_code == 200

    answer = patient_client.post(
        "/waitlist/join/",
        {
            "massage_type": massage_type.pk,
            "date_from": WEDNESDAY,
            "date_to": WEDNESDAY,
            "weekdays": [0, 1, 2, 3, 4],
            "time_from": "09:00",
            "time_to": "12:00",
        },
    )
    assert answer.status_code == 302
    entry = WaitlistEntry.objects.get(patient=patient)
    listed = patient_client.get("/appointments/")
    assert f'id="waitlist-entry-{entry.pk}"'.encode() in listed.content

    patient_client.post(f"/waitlist/entries/{entry.pk}/leave/")
    entry.refresh_from_db()
    assert entry.state == EntryState.ENDED


def test_another_persons_entry_cannot_be_left(clock, patient, other_patient, massage_type):
    entry = join(patient, massage_type, timezone.now())
    client = Client()
    client.force_login(other_patient)

    assert client.post(f"/waitlist/entries/{entry.pk}/leave/").status_code == 404
