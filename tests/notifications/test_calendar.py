"""The calendar invitations attached to notices: they parse, and carry the right instant, UID, SEQUENCE, METHOD."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from typing import Any, cast
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from booking import services
from booking.models import Appointment, MassageType, Notification, NotificationKind
from clinic.models import User
from locations.models import default_location
from notifications.calendar import vtimezone, vtimezones
from notifications.tasks import dispatch_due_notifications
from tests.conftest import CLINIC_ZONE
from tests.factories import AppointmentFactory, LocationFactory, RoomFactory
from therapists.models import Therapist

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]
Kind = NotificationKind


def invitations(kind: str) -> list[tuple[Any, icalendar.Calendar]]:
    """Return (the MIME part's method parameter, the parsed calendar) of each sent notice of a kind."""
    kinds = dict(Notification.objects.values_list("pk", "kind"))
    found = []
    for message in mail.outbox:
        if kinds[int(message.extra_headers["X-Clinic-Notification"])] != kind:
            continue
        # Parse the message as it goes over the wire, as a mail client would.
        wire = message_from_bytes(message.message().as_bytes())
        parts = [part for part in wire.walk() if part.get_content_type() == "text/calendar"]
        assert len(parts) == 1
        found.append(
            (parts[0].get_param("method"), icalendar.Calendar.from_ical(cast(bytes, parts[0].get_payload(decode=True))))
        )
    return found


def the_event(calendar: icalendar.Calendar) -> Any:
    (event,) = calendar.walk("VEVENT")
    return event


@pytest.fixture
def appointment(clock: Any, patient: User, therapist: Therapist, massage_type: MassageType) -> Appointment:
    return services.book(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 9, 9, 0, tzinfo=CLINIC_ZONE),  # the Monday after the spring change
    )


def test_the_confirmation_invites_to_the_session_at_its_instant(appointment: Appointment) -> None:
    dispatch_due_notifications()

    ((method, calendar),) = invitations(Kind.CONFIRMATION)
    assert method == "REQUEST"
    assert calendar["METHOD"] == "REQUEST"
    event = the_event(calendar)
    assert str(event["UID"]) == f"appointment-{appointment.pk}@127.0.0.1"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # 09:00 EDT
    assert event.decoded("DTEND") == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    # The one location made from the clinic's settings: its name, then its address.
    assert str(event["LOCATION"]) == "Back & Balance Massage Clinic, 12 Harbor Street, Suite 3, Boston, MA 02110"
    assert str(event["ATTENDEE"]) == "mailto:alice@example.test"


def test_the_therapist_gets_the_same_event(appointment: Appointment) -> None:
    dispatch_due_notifications()

    (_, patients), (_, therapists) = invitations(Kind.CONFIRMATION) + invitations(Kind.THERAPIST_NEW)
    assert the_event(therapists)["UID"] == the_event(patients)["UID"]
    assert str(the_event(therapists)["ATTENDEE"]) == "mailto:carol@example.test"


def test_a_reschedule_updates_the_same_event_with_a_higher_sequence(appointment: Appointment, patient: User) -> None:
    dispatch_due_notifications()
    services.reschedule(appointment=appointment, by=patient, start=datetime(2026, 3, 10, 14, 0, tzinfo=CLINIC_ZONE))
    dispatch_due_notifications()

    ((_, first),) = invitations(Kind.CONFIRMATION)
    ((method, moved),) = invitations(Kind.RESCHEDULE)
    ((_, therapists),) = invitations(Kind.THERAPIST_RESCHEDULE)
    assert method == "REQUEST"
    event = the_event(moved)
    assert event["UID"] == the_event(first)["UID"]
    assert event["SEQUENCE"] == 1 > the_event(first)["SEQUENCE"]
    assert event.decoded("DTSTART") == datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
    assert the_event(therapists)["SEQUENCE"] == 1
    assert the_event(therapists).decoded("DTSTART") == datetime(2026, 3, 10, 18, 0, tzinfo=UTC)


def test_a_cancellation_cancels_the_same_event_with_a_higher_sequence(appointment: Appointment, patient: User) -> None:
    dispatch_due_notifications()
    services.cancel(appointment=appointment, by=patient)
    dispatch_due_notifications()

    ((_, first),) = invitations(Kind.CONFIRMATION)
    for kind in (Kind.CANCELLATION, Kind.THERAPIST_CANCELLATION):
        ((method, calendar),) = invitations(kind)
        assert method == "CANCEL"
        assert calendar["METHOD"] == "CANCEL"
        event = the_event(calendar)
        assert event["UID"] == the_event(first)["UID"]
        assert event["SEQUENCE"] == 1
        assert event["STATUS"] == "CANCELLED"
        assert event.decoded("DTSTART") == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)


def test_a_cancellation_after_a_reschedule_outranks_the_last_invitation(
    appointment: Appointment, patient: User
) -> None:
    services.reschedule(appointment=appointment, by=patient, start=datetime(2026, 3, 10, 14, 0, tzinfo=CLINIC_ZONE))
    services.cancel(appointment=appointment, by=patient)
    dispatch_due_notifications()

    ((_, calendar),) = invitations(Kind.CANCELLATION)
    assert the_event(calendar)["SEQUENCE"] == 2
    assert the_event(calendar).decoded("DTSTART") == datetime(2026, 3, 10, 18, 0, tzinfo=UTC)


def test_reminders_carry_no_invitation(appointment: Appointment, clock: Any) -> None:
    clock.move_to(datetime(2026, 3, 9, 7, 1, tzinfo=CLINIC_ZONE))
    dispatch_due_notifications()

    reminders = [message for message in mail.outbox if message.subject.startswith("Reminder")]
    assert len(reminders) == 1
    wire = message_from_bytes(reminders[0].message().as_bytes())
    assert "text/calendar" not in {part.get_content_type() for part in wire.walk()}


def test_a_sessions_cancellation_and_download_use_its_locations_zone_and_address(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType, admin_user: User
) -> None:
    default_location()  # the clinic's own first; London comes second
    london = LocationFactory(
        name="London Marylebone", address="1 Baker Street, London NW1 6XE", phone="", time_zone="Europe/London"
    )
    appointment = AppointmentFactory(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        room=RoomFactory(location=london, name="Garden room"),
        start=datetime(2026, 3, 9, 9, 0, tzinfo=ZoneInfo("Europe/London")),  # GMT: 09:00Z
    )
    services.cancel(appointment=appointment, by=admin_user)
    dispatch_due_notifications()

    ((method, calendar),) = invitations(Kind.CANCELLATION)
    assert method == "CANCEL"
    event = the_event(calendar)
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTART") == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert str(event["LOCATION"]) == "London Marylebone, 1 Baker Street, London NW1 6XE"
    # No phone of its own: the clinic's.
    assert f"Phone: {settings.CLINIC_PHONE}" in str(event["DESCRIPTION"])

    client = Client()
    client.force_login(patient)
    download = icalendar.Calendar.from_ical(client.get(f"/appointments/{appointment.pk}/calendar.ics").content)
    assert the_event(download)["DTSTART"].to_ical() == b"20260309T090000"
    assert the_event(download)["DTSTART"].params["TZID"] == "Europe/London"
    assert [str(zone["TZID"]) for zone in download.walk("VTIMEZONE")] == ["Europe/London"]


def test_vtimezones_writes_each_zone_once_in_the_order_first_given() -> None:
    new_york, london = ZoneInfo("America/New_York"), ZoneInfo("Europe/London")
    now = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)
    written = vtimezones([new_york, london, new_york, london], now=now)
    assert [str(zone["TZID"]) for zone in written] == ["America/New_York", "Europe/London"]
    assert [zone.to_ical() for zone in written] == [
        vtimezone(new_york, year=2026).to_ical(),
        vtimezone(london, year=2026).to_ical(),
    ]
