"""The 24-hour rule told one way: the API, the confirmation page, My appointments and the booking page agree.

The clock is pinned to Monday 2 March 2026, 08:00 in the clinic; online changes close 24 hours before the start.
"""

from __future__ import annotations

from datetime import datetime

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from booking import services
from booking.models import Appointment, MassageType
from clinic.models import User
from tests.conftest import CLINIC_ZONE
from therapists.models import Therapist

pytestmark = pytest.mark.django_db

PHONE = "+1 617 555 0142"


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=CLINIC_ZONE)


def book_at(patient: User, therapist: Therapist, massage_type: MassageType, start: datetime) -> Appointment:
    return services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=start)


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_booking_three_hours_ahead_is_told_to_call_everywhere_and_offers_no_buttons(
    clock, patient: User, patient_client: Client, therapist: Therapist, massage_type: MassageType
) -> None:
    soon = book_at(patient, therapist, massage_type, at(2, 11))

    shown = api_for(patient).get(f"/api/v1/appointments/{soon.pk}/").json()
    assert (shown["can_change"], shown["change_deadline"]) == (False, None)
    assert PHONE in shown["change_policy_reason"]

    confirmed = patient_client.get(reverse("booking_confirmed", args=[soon.pk])).content.decode()
    assert "online until" not in confirmed
    assert "Sunday, March 1" not in confirmed  # the deadline, a day gone
    assert "can no longer be cancelled or moved online" in confirmed
    assert "within 24 hours of the session, please call us on" in confirmed
    assert PHONE in confirmed

    listed = patient_client.get(reverse("my_appointments")).content.decode()
    card = listed[listed.index(f'id="appointment-{soon.pk}"') :].split("</li>")[0]
    assert 'data-can-change="false"' in card
    assert 'data-action="cancel"' not in card
    assert 'data-action="reschedule"' not in card
    assert "Within 24 hours of the session, please call us on" in card
    assert "Sunday, March 1" not in card


def test_a_booking_three_days_ahead_shows_its_deadline_and_the_buttons(
    clock, patient: User, patient_client: Client, therapist: Therapist, massage_type: MassageType
) -> None:
    later = book_at(patient, therapist, massage_type, at(5, 10))

    shown = api_for(patient).get(f"/api/v1/appointments/{later.pk}/").json()
    assert (shown["can_change"], shown["change_deadline"]) == (True, "2026-03-04T10:00:00-05:00")
    assert shown["change_policy_reason"] == ""

    confirmed = patient_client.get(reverse("booking_confirmed", args=[later.pk])).content.decode()
    assert "online until <strong>Wednesday, March 4, 2026 at 10:00 AM</strong>" in confirmed

    listed = patient_client.get(reverse("my_appointments")).content.decode()
    card = listed[listed.index(f'id="appointment-{later.pk}"') :].split("</li>")[0]
    assert 'data-can-change="true"' in card
    assert 'data-action="cancel"' in card
    assert 'data-action="reschedule"' in card
    assert "Free to cancel or move online until Wednesday, March 4, 2026 at 10:00 AM." in card


def test_the_api_list_and_item_say_the_same(
    clock, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    soon = book_at(patient, therapist, massage_type, at(2, 11))
    later = book_at(patient, therapist, massage_type, at(5, 10))
    client = api_for(patient)

    rows = {row["id"]: row for row in client.get("/api/v1/appointments/").json()["results"]}

    assert (rows[soon.pk]["can_change"], rows[soon.pk]["change_deadline"]) == (False, None)
    assert (rows[later.pk]["can_change"], rows[later.pk]["change_deadline"]) == (True, "2026-03-04T10:00:00-05:00")
    assert rows[later.pk] == client.get(f"/api/v1/appointments/{later.pk}/").json()


def test_the_schema_documents_the_change_fields_and_a_nullable_deadline(db: None, tmp_path) -> None:
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(target))
    fields = yaml.safe_load(target.read_text())["components"]["schemas"]["Appointment"]["properties"]

    assert fields["can_change"]["type"] == "boolean"
    assert fields["change_deadline"]["nullable"] is True
    assert "null once it has passed" in fields["change_deadline"]["description"]
    assert "can_cancel" not in fields and "cancel_deadline" not in fields


def test_the_booking_page_tells_its_script_the_window_the_clock_and_the_warning(clock, db: None) -> None:
    response = Client().get(reverse("book"))

    rules = response.context["config"]["changePolicy"]
    assert rules["windowMinutes"] == 24 * 60
    assert datetime.fromisoformat(rules["now"]) == at(2, 8)
    assert "cannot be cancelled or moved online" in rules["warning"]
    assert PHONE in rules["warning"]
    assert 'id="late-change-warning"' in response.content.decode()
