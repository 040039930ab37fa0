"""Every notice about a session speaks of its location: its zone, its name and address, its phone."""

from __future__ import annotations

from datetime import datetime, time
from email import message_from_bytes
from typing import Any, cast
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from booking import outbox, services
from booking.models import Appointment, MassageType, Notification, NotificationKind
from clinic.models import User
from locations.models import Location, Room, default_location
from notifications.tasks import dispatch_due_notifications, plan_daily_agendas
from tests.conftest import CLINIC_ZONE
from tests.factories import AppointmentFactory, LocationFactory, RoomFactory, TherapistFactory, UserFactory
from therapists.models import Therapist, WorkingHours

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]
Kind = NotificationKind
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def home(db: None) -> Location:
    """The clinic's first location, made from its settings (Boston, the clinic's zone)."""
    return default_location()


@pytest.fixture
def london(home: Location) -> Location:
    return LocationFactory(
        name="London Marylebone",
        address="1 Baker Street, London NW1 6XE",
        phone="+44 20 7946 0000",
        time_zone="Europe/London",
    )


@pytest.fixture
def london_room(london: Location) -> Room:
    return RoomFactory(location=london, name="Garden room")


def works_at(therapist: Therapist, location: Location, start: time, end: time) -> None:
    """Give the therapist the span at the location every day of the week (its wall-clock times)."""
    WorkingHours.objects.bulk_create(
        [WorkingHours(therapist=therapist, location=location, weekday=day, start=start, end=end) for day in range(7)]
    )


@pytest.fixture
def therapist(db: None, massage_type: MassageType, london: Location) -> Therapist:
    """Carol works mornings in London (08:00-12:00 there) and afternoons at home (13:00-18:00 in Boston)."""
    user = UserFactory(email="carol@example.test", first_name="Carol", last_name="Chen")
    carol = TherapistFactory(user=user, display_name="Carol Chen", massage_types=[massage_type])
    works_at(carol, london, time(8), time(12))
    works_at(carol, default_location(), time(13), time(18))
    return carol


def book_at(
    room: Room, start: datetime, patient: User, therapist: Therapist, massage_type: MassageType, by: User
) -> Appointment:
    """Write the session in the room and record what a booking owes, as booking.services does.

    Straight to the table: these tests are about what the notices say, not about whether the
    slot is free (booking's own tests cover that).
    """
    appointment = AppointmentFactory(
        patient=patient, therapist=therapist, massage_type=massage_type, room=room, start=start
    )
    outbox.record_booked(appointment, now=timezone.now())
    return appointment


def move(appointment: Appointment, start: datetime) -> Appointment:
    """Move the session to a new start and record the reschedule notices, as booking.services does."""
    previous = appointment.start
    shift = start - previous
    appointment.start, appointment.end = start, appointment.end + shift
    appointment.blocked_until += shift
    appointment.sequence += 1
    appointment.save()
    outbox.record_rescheduled(appointment, previous_start=previous, now=timezone.now())
    return appointment


def sent(kind: str) -> list[Any]:
    kinds = dict(Notification.objects.values_list("pk", "kind"))
    return [message for message in mail.outbox if kinds[int(message.extra_headers["X-Clinic-Notification"])] == kind]


def html_of(message: Any) -> str:
    (html,) = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    return cast(str, html)


def calendar_of(message: Any) -> icalendar.Calendar:
    wire = message_from_bytes(message.message().as_bytes())
    (part,) = [part for part in wire.walk() if part.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_payload(decode=True))


def test_the_confirmation_of_a_london_session_speaks_london_time_and_gives_its_address_and_phone(
    clock: Any,
    admin_user: User,
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    london_room: Room,
) -> None:
    # Wednesday 4 March, 10:00 in London (GMT) is 05:00 in the clinic's own zone (EST).
    book_at(london_room, datetime(2026, 3, 4, 10, 0, tzinfo=LONDON), patient, therapist, massage_type, admin_user)
    dispatch_due_notifications()

    (message,) = sent(Kind.CONFIRMATION)
    assert message.subject == "Booking confirmed: Deep tissue on Wed, Mar 4, 10:00 AM GMT"
    body = message.body
    assert "When:       Wednesday, March 4, 2026 at 10:00 AM (Europe/London, GMT), until 11:00 AM" in body
    assert "Where:      London Marylebone, 1 Baker Street, London NW1 6XE" in body
    assert "please call us on +44 20 7946 0000" in body
    assert body.rstrip().endswith("1 Baker Street, London NW1 6XE\n+44 20 7946 0000")
    for clinic_only in (settings.CLINIC_ADDRESS, settings.CLINIC_PHONE, "America/New_York", "5:00 AM"):
        assert clinic_only not in body
    html = html_of(message)
    assert "Wednesday, March 4, 2026 at 10:00 AM (Europe/London, GMT), until 11:00 AM" in html
    assert "London Marylebone, 1 Baker Street, London NW1 6XE" in html
    assert settings.CLINIC_ADDRESS not in html
    # The patient is not told the room: the clinic may change it.
    assert "Garden room" not in body


def test_the_therapists_notice_names_the_location_and_the_room(
    clock: Any,
    admin_user: User,
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    london_room: Room,
) -> None:
    book_at(london_room, datetime(2026, 3, 4, 10, 0, tzinfo=LONDON), patient, therapist, massage_type, admin_user)
    dispatch_due_notifications()

    (message,) = sent(Kind.THERAPIST_NEW)
    assert message.subject == "New booking: Alice A., Deep tissue, Wed, Mar 4, 10:00 AM GMT"
    assert "Where:      London Marylebone, 1 Baker Street, London NW1 6XE" in message.body
    assert "Room:       Garden room" in message.body
    assert '<th scope="row">Room</th><td>Garden room</td>' in html_of(message)


def test_a_cancellation_and_a_reschedule_keep_to_the_locations_zone(
    clock: Any,
    admin_user: User,
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    london_room: Room,
) -> None:
    appointment = book_at(
        london_room, datetime(2026, 3, 4, 10, 0, tzinfo=LONDON), patient, therapist, massage_type, admin_user
    )
    appointment = move(appointment, datetime(2026, 3, 5, 9, 0, tzinfo=LONDON))
    dispatch_due_notifications()
    (moved,) = sent(Kind.RESCHEDULE)
    assert "Was:        Wednesday, March 4, 2026 at 10:00 AM (Europe/London, GMT)" in moved.body
    assert "When:       Thursday, March 5, 2026 at 9:00 AM (Europe/London, GMT), until 10:00 AM" in moved.body

    services.cancel(appointment=appointment, by=admin_user)
    dispatch_due_notifications()
    (cancelled,) = sent(Kind.CANCELLATION)
    assert "Thursday, March 5, 2026 at 9:00 AM (Europe/London, GMT)" in cancelled.body
    assert "Where:      London Marylebone, 1 Baker Street, London NW1 6XE" in cancelled.body
    (told,) = sent(Kind.THERAPIST_CANCELLATION)
    assert "When:       Thursday, March 5, 2026 at 9:00 AM (Europe/London, GMT)" in told.body
    assert "Where:      London Marylebone, 1 Baker Street, London NW1 6XE" in told.body


def test_the_invitation_of_a_london_session_carries_londons_zone_address_and_phone(
    clock: Any,
    admin_user: User,
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    london_room: Room,
) -> None:
    book_at(london_room, datetime(2026, 3, 4, 10, 0, tzinfo=LONDON), patient, therapist, massage_type, admin_user)
    dispatch_due_notifications()

    calendar = calendar_of(sent(Kind.CONFIRMATION)[0])
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    (event,) = calendar.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTART") == datetime(2026, 3, 4, 10, 0, tzinfo=LONDON)
    assert event["DTSTART"].to_ical() == b"20260304T100000"
    assert str(event["LOCATION"]) == "London Marylebone, 1 Baker Street, London NW1 6XE"
    assert "Phone: +44 20 7946 0000" in str(event["DESCRIPTION"])
    therapists = calendar_of(sent(Kind.THERAPIST_NEW)[0])
    (event,) = therapists.walk("VEVENT")
    assert "Room: Garden room" in str(event["DESCRIPTION"])


def test_a_location_without_a_phone_of_its_own_gives_the_clinics(
    clock: Any, admin_user: User, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    annex = LocationFactory(name="Annex", address="40 Summer Street, Boston, MA 02110", phone="")
    room = RoomFactory(location=annex, name="Room A")
    WorkingHours.objects.filter(therapist=therapist, location=default_location()).update(location=annex)
    book_at(room, datetime(2026, 3, 4, 14, 0, tzinfo=CLINIC_ZONE), patient, therapist, massage_type, admin_user)
    dispatch_due_notifications()

    (message,) = sent(Kind.CONFIRMATION)
    assert "When:       Wednesday, March 4, 2026 at 2:00 PM (America/New_York, EST), until 3:00 PM" in message.body
    assert "Where:      Annex, 40 Summer Street, Boston, MA 02110" in message.body
    assert f"please call us on {settings.CLINIC_PHONE}" in message.body


def test_the_agenda_lists_each_sessions_location_and_room_in_its_own_time(
    clock: Any,
    admin_user: User,
    patient: User,
    other_patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    london_room: Room,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Written straight to the table: the agenda reads what is booked, however it was booked.
    home = AppointmentFactory(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        room=RoomFactory(name="Room 1"),
        start=datetime(2026, 3, 3, 14, 0, tzinfo=CLINIC_ZONE),
    )
    # 10:00 in London on Tuesday 3 March is 05:00 in the clinic's zone, the same clinic day.
    book_at(london_room, datetime(2026, 3, 3, 10, 0, tzinfo=LONDON), other_patient, therapist, massage_type, admin_user)
    dispatch_due_notifications()

    clock.move_to(datetime(2026, 3, 3, 7, 0, tzinfo=CLINIC_ZONE))
    with django_capture_on_commit_callbacks(execute=True):
        plan_daily_agendas()

    (agenda,) = sent(Kind.AGENDA)
    body = agenda.body
    assert "Your sessions on Tuesday, March 3, 2026 (times in each location's own time):" in body
    london_line = "10:00\u201311:00 AM GMT  Bob B., Deep tissue at London Marylebone, Garden room"
    home_line = f"2:00\u20133:00 PM EST  Alice A., Deep tissue at {home.location.name}, Room 1"
    assert body.index(london_line) < body.index(home_line)
    # Two addresses that day: neither is "the" address of the day.
    assert "Where:" not in body
    html = html_of(agenda)
    assert "<td>London Marylebone, Garden room</td>" in html


def test_an_agenda_at_one_location_names_it_and_speaks_its_zone(
    clock: Any,
    admin_user: User,
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    london_room: Room,
    django_capture_on_commit_callbacks: Any,
) -> None:
    book_at(london_room, datetime(2026, 3, 3, 10, 0, tzinfo=LONDON), patient, therapist, massage_type, admin_user)
    dispatch_due_notifications()
    clock.move_to(datetime(2026, 3, 3, 7, 0, tzinfo=CLINIC_ZONE))
    with django_capture_on_commit_callbacks(execute=True):
        plan_daily_agendas()

    (agenda,) = sent(Kind.AGENDA)
    assert "Your sessions on Tuesday, March 3, 2026 (times in Europe/London, GMT):" in agenda.body
    assert "10:00\u201311:00 AM  Alice A., Deep tissue at London Marylebone, Garden room" in agenda.body
    assert "Where: London Marylebone, 1 Baker Street, London NW1 6XE" in agenda.body
    assert agenda.body.rstrip().endswith("1 Baker Street, London NW1 6XE\n+44 20 7946 0000")
