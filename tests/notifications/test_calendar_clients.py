"""Every calendar file we publish, read by a real calendar client (Mozilla's ical.js, run by node).

Files built in mid-December must place sessions on both sides of the next two years' DST
changes at their true instant: ical.js reads only the first date of a comma-separated RDATE
and skips a zone's DTSTART when RDATEs stand beside it, so a cut-down RDATE table put
sessions after the next March change an hour late. Every file carries one VTIMEZONE text.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from booking import outbox, services
from booking.models import Appointment, MassageType, Notification, NotificationKind
from clinic.models import User
from locations.models import default_location
from notifications.calendar import vtimezone
from notifications.tasks import dispatch_due_notifications
from tests.conftest import CLINIC_ZONE
from tests.factories import AppointmentFactory, LocationFactory, RoomFactory
from tests.therapists.portal_setup import RED_FLAG_INTAKE
from therapists.models import Therapist

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]
Kind = NotificationKind

READ_ICS = Path(__file__).resolve().parents[1] / "js" / "read-ics.mjs"
DECEMBER = datetime(2026, 12, 15, 9, 0, tzinfo=CLINIC_ZONE)
# Both sides of each DST change of the next two years (2027-03-14, 2027-11-07, 2028-03-12,
# 2028-11-05), and the 09:00 EDT on 2028-03-15, all wall-clock times in the clinic.
SESSIONS = [
    datetime(2027, 3, 13, 10, 0, tzinfo=CLINIC_ZONE),
    datetime(2027, 3, 15, 9, 0, tzinfo=CLINIC_ZONE),  # 13:00Z: the December feed's last 90th-day hour
    datetime(2027, 11, 6, 10, 0, tzinfo=CLINIC_ZONE),
    datetime(2027, 11, 8, 10, 0, tzinfo=CLINIC_ZONE),
    datetime(2028, 3, 11, 10, 0, tzinfo=CLINIC_ZONE),
    datetime(2028, 3, 13, 10, 0, tzinfo=CLINIC_ZONE),
    datetime(2028, 3, 15, 9, 0, tzinfo=CLINIC_ZONE),
    datetime(2028, 11, 4, 10, 0, tzinfo=CLINIC_ZONE),
    datetime(2028, 11, 6, 10, 0, tzinfo=CLINIC_ZONE),
]
# The feed shows 30 days back and 90 ahead: built at these moments, it holds every session above.
FEED_BUILT_AT = [
    DECEMBER,
    datetime(2027, 10, 15, 9, 0, tzinfo=CLINIC_ZONE),
    datetime(2027, 12, 20, 9, 0, tzinfo=CLINIC_ZONE),
    datetime(2028, 10, 15, 9, 0, tzinfo=CLINIC_ZONE),
]


def read_with_ical_js(ics: bytes) -> list[dict[str, str]]:
    """Return each VEVENT's uid, summary, start and end (UTC, ISO 8601) as ical.js reads the file."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: the calendar files are checked with ical.js (make test installs node).")
    # Our own script on our own file, by the absolute path of node: nothing untrusted runs.
    result = subprocess.run([node, str(READ_ICS)], input=ics, capture_output=True, timeout=60, check=False)  # noqa: S603
    assert result.returncode == 0, result.stderr.decode()
    return cast(list[dict[str, str]], json.loads(result.stdout))


def zulu(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def unfolded(ics: bytes) -> str:
    return ics.decode().replace("\r\n ", "").replace("\r\n\t", "")


def vtimezone_text(ics: bytes) -> str:
    (zone,) = re.findall(r"BEGIN:VTIMEZONE\r\n.*?END:VTIMEZONE\r\n", unfolded(ics), flags=re.DOTALL)
    return cast(str, zone)


@pytest.fixture
def december() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(DECEMBER, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sessions(
    december: Any, admin_user: User, patient: User, therapist: Therapist, massage_type: MassageType
) -> list[Appointment]:
    """Book every session of SESSIONS as the front desk would (staff bookings skip the horizon)."""
    return [
        services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=start, by=admin_user)
        for start in SESSIONS
    ]


def sent_calendars(kind: str) -> list[bytes]:
    """Return the .ics part of each sent notice of a kind, as it goes over the wire."""
    kinds = dict(Notification.objects.values_list("pk", "kind"))
    found = []
    for message in mail.outbox:
        if kinds[int(message.extra_headers["X-Clinic-Notification"])] != kind:
            continue
        wire = message_from_bytes(message.message().as_bytes())
        (part,) = [part for part in wire.walk() if part.get_content_type() == "text/calendar"]
        found.append(cast(bytes, part.get_payload(decode=True)))
    return found


def every_file(sessions: list[Appointment], patient: User, therapist: Therapist, admin_user: User) -> dict[str, bytes]:
    """Produce every kind of calendar file we publish, with the clock in mid-December."""
    files: dict[str, bytes] = {}
    dispatch_due_notifications()
    for kind in (Kind.CONFIRMATION, Kind.THERAPIST_NEW):
        for number, ics in enumerate(sent_calendars(kind)):
            files[f"{kind} #{number}"] = ics
    downloads = Client()
    downloads.force_login(patient)
    for appointment in sessions:
        response = downloads.get(f"/appointments/{appointment.pk}/calendar.ics")
        assert response.status_code == 200
        files[f"download of {appointment.start:%Y-%m-%d}"] = response.content
    feed = Client().get(f"/therapist/feed/{therapist.calendar_token}.ics")
    assert feed.status_code == 200
    files["feed"] = feed.content

    mail.outbox.clear()
    for appointment in sessions[::2]:
        services.cancel(appointment=appointment, by=admin_user)
    dispatch_due_notifications()
    for kind in (Kind.CANCELLATION, Kind.THERAPIST_CANCELLATION):
        for number, ics in enumerate(sent_calendars(kind)):
            files[f"{kind} #{number}"] = ics
    response = downloads.get(f"/appointments/{sessions[0].pk}/calendar.ics")
    assert response.status_code == 200 and b"METHOD:CANCEL" in response.content
    files["download of a cancelled session"] = response.content
    return files


def test_ical_js_reads_every_file_at_the_sessions_true_instants(
    sessions: list[Appointment], patient: User, therapist: Therapist, admin_user: User
) -> None:
    files = every_file(sessions, patient, therapist, admin_user)
    by_uid = {f"appointment-{appointment.pk}@127.0.0.1": appointment for appointment in sessions}
    methods = {name: icalendar.Calendar.from_ical(ics).get("METHOD") for name, ics in files.items()}
    assert {"REQUEST", "CANCEL"} <= set(methods.values())
    # 2 invitations per session (patient, therapist), 2 per cancelled one, a download each, one more, the feed.
    assert len(files) == 2 * len(SESSIONS) + 2 * len(SESSIONS[::2]) + len(SESSIONS) + 1 + 1

    read = {name: read_with_ical_js(ics) for name, ics in files.items()}
    for name, events in read.items():
        assert events, name
        for event in events:
            appointment = by_uid[event["uid"]]
            assert (event["start"], event["end"]) == (zulu(appointment.start), zulu(appointment.end)), name
    # The example: 09:00 EDT on 2028-03-15 is 13:00Z, not 14:00Z.
    assert {event["start"] for event in read["download of 2028-03-15"]} == {"2028-03-15T13:00:00Z"}
    # Built in December, the feed holds the sessions up to the March change and the day after it.
    assert [event["start"] for event in read["feed"]] == ["2027-03-13T15:00:00Z", "2027-03-15T13:00:00Z"]


def test_every_file_carries_the_same_zone_written_as_clients_expect(
    sessions: list[Appointment], patient: User, therapist: Therapist, admin_user: User
) -> None:
    files = every_file(sessions, patient, therapist, admin_user)

    texts = {vtimezone_text(ics) for ics in files.values()}
    assert len(texts) == 1, texts
    (text,) = texts
    assert not [line for line in text.splitlines() if line.startswith("RDATE") and "," in line]
    zone = icalendar.Calendar.from_ical(files["feed"]).walk("VTIMEZONE")[0]
    assert str(zone["TZID"]) == "America/New_York"
    (daylight,) = zone.walk("DAYLIGHT")
    (standard,) = zone.walk("STANDARD")
    # The spring change happens at 02:00 on the clock before it (EST), as RFC 5545 writes DTSTART.
    assert daylight.decoded("DTSTART") == datetime(1970, 3, 8, 2, 0)
    assert daylight["RRULE"] == {"FREQ": ["YEARLY"], "BYMONTH": [3], "BYDAY": ["2SU"]}
    assert (daylight.decoded("TZOFFSETFROM"), daylight.decoded("TZOFFSETTO")) == (
        -timedelta(hours=5),
        -timedelta(hours=4),
    )
    assert standard.decoded("DTSTART") == datetime(1970, 11, 1, 2, 0)
    assert standard["RRULE"] == {"FREQ": ["YEARLY"], "BYMONTH": [11], "BYDAY": ["1SU"]}
    assert (standard.decoded("TZOFFSETFROM"), standard.decoded("TZOFFSETTO")) == (
        -timedelta(hours=4),
        -timedelta(hours=5),
    )


def test_the_feed_built_at_any_time_of_year_reads_right_across_each_change(
    sessions: list[Appointment], therapist: Therapist, december: Any
) -> None:
    seen: set[str] = set()
    for built_at in FEED_BUILT_AT:
        december.move_to(built_at)
        response = Client().get(f"/therapist/feed/{therapist.calendar_token}.ics")
        events = read_with_ical_js(response.content)
        expected = [
            (zulu(appointment.start), zulu(appointment.end))
            for appointment in sessions
            # In UTC: aware arithmetic in the clinic's zone would add wall-clock days across the change.
            if built_at.astimezone(UTC) - timedelta(days=30)
            <= appointment.start
            < built_at.astimezone(UTC) + timedelta(days=90)
        ]
        assert len(expected) >= 2
        assert [(event["start"], event["end"]) for event in events] == expected
        seen.update(event["uid"] for event in events)
    assert len(seen) == len(SESSIONS)


def test_the_therapists_invitation_names_the_patient_and_the_patients_names_the_therapist(
    december: Any, admin_user: User, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    services.book(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=SESSIONS[1],
        intake=RED_FLAG_INTAKE,
        by=admin_user,
    )
    dispatch_due_notifications()

    ((patients,),) = [sent_calendars(Kind.CONFIRMATION)]
    ((therapists,),) = [sent_calendars(Kind.THERAPIST_NEW)]
    assert [event["summary"] for event in read_with_ical_js(patients)] == ["Deep tissue with Carol Chen"]
    assert [event["summary"] for event in read_with_ical_js(therapists)] == ["Deep tissue \u2014 Alice Archer"]
    for ics in (patients, therapists):
        text = unfolded(ics)
        for health in ("Herniated", "Lower back", "numbness", "Numbness", "6175550100"):
            assert health not in text


def events_at(zone: ZoneInfo, moments: list[datetime]) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//tests//EN")
    calendar.add("version", "2.0")
    calendar.add_component(vtimezone(zone, year=2026))
    for number, moment in enumerate(moments):
        event = icalendar.Event()
        event.add("uid", f"moment-{number}")
        event.add("dtstamp", DECEMBER)
        event.add("dtstart", moment.astimezone(zone))
        event.add("dtend", (moment + timedelta(hours=1)).astimezone(zone))
        calendar.add_component(event)
    return calendar.to_ical()


@pytest.mark.parametrize(
    "key",
    [
        "America/New_York",
        "Europe/Berlin",
        "Europe/Dublin",  # tzdata's negative DST: winter is the "daylight" part of its table
        "Australia/Sydney",  # DST across the new year
        "Pacific/Chatham",  # quarter-hour offsets
        "Asia/Tokyo",  # no DST: one STANDARD
        "America/Sao_Paulo",  # DST abolished in 2019
        "America/Santiago",  # the Sunday after the first Saturday: RDATEs, one a line
        "Africa/Casablanca",  # Ramadan: RDATEs, one a line
    ],
)
def test_ical_js_reads_any_zones_definition_as_zoneinfo_does(key: str) -> None:
    zone = ZoneInfo(key)
    # Every 25 hours for three years: every hour of the day, near every change of offset.
    moments = [datetime(2026, 12, 15, tzinfo=UTC) + timedelta(hours=25 * step) for step in range(1100)]
    # An hour the clock repeats is ambiguous in any TZID (RFC 5545 takes the first, ical.js the second): left out.
    moments = [m for m in moments if len({m.astimezone(zone).replace(fold=fold).utcoffset() for fold in (0, 1)}) == 1]
    ics = events_at(zone, moments)
    assert not [line for line in unfolded(ics).splitlines() if line.startswith("RDATE") and "," in line]
    read = read_with_ical_js(ics)
    assert [event["start"] for event in read] == [zulu(moment) for moment in moments]


LONDON = ZoneInfo("Europe/London")
# London's sessions, on the clock there: before and between the two cities' spring changes
# (New York 2027-03-14, London 2027-03-28, when they are four hours apart, not five) and after both.
LONDON_SESSIONS = [
    datetime(2027, 1, 11, 10, 0, tzinfo=LONDON),
    datetime(2027, 3, 15, 10, 0, tzinfo=LONDON),
    datetime(2027, 3, 29, 10, 0, tzinfo=LONDON),
]
HOME_SESSION = datetime(2027, 3, 15, 9, 0, tzinfo=CLINIC_ZONE)


@pytest.fixture
def two_cities(
    december: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> tuple[list[Appointment], Appointment]:
    """Carol's sessions in London and one at home, written straight to the table, with what booking owes."""
    home = default_location()  # the clinic's own, first: London comes second
    london = LocationFactory(
        name="London Marylebone", address="1 Baker Street, London NW1 6XE", time_zone="Europe/London"
    )
    room = RoomFactory(location=london, name="Garden room")
    away = [
        AppointmentFactory(patient=patient, therapist=therapist, massage_type=massage_type, room=room, start=start)
        for start in LONDON_SESSIONS
    ]
    at_home = AppointmentFactory(patient=patient, therapist=therapist, massage_type=massage_type, start=HOME_SESSION)
    assert at_home.location == home
    for appointment in [*away, at_home]:
        outbox.record_booked(appointment, now=timezone.now())
    return away, at_home


def zones_of(ics: bytes) -> list[str]:
    return [str(zone["TZID"]) for zone in icalendar.Calendar.from_ical(ics).walk("VTIMEZONE")]


def test_a_session_in_another_zone_reads_back_at_its_instant_in_ical_js(
    two_cities: tuple[list[Appointment], Appointment], patient: User, therapist: Therapist
) -> None:
    away, at_home = two_cities
    by_uid = {f"appointment-{appointment.pk}@127.0.0.1": appointment for appointment in [*away, at_home]}
    dispatch_due_notifications()
    invitations = sent_calendars(Kind.CONFIRMATION) + sent_calendars(Kind.THERAPIST_NEW)
    assert len(invitations) == 2 * len(by_uid)
    downloads = Client()
    downloads.force_login(patient)
    files = [downloads.get(f"/appointments/{appointment.pk}/calendar.ics").content for appointment in by_uid.values()]

    for ics in [*invitations, *files]:
        (event,) = read_with_ical_js(ics)
        appointment = by_uid[event["uid"]]
        assert (event["start"], event["end"]) == (zulu(appointment.start), zulu(appointment.end))
        # Each file defines its one zone: the session's location's.
        assert event["tzid"] == appointment.zone.key
        assert zones_of(ics) == [appointment.zone.key]
    # 10:00 in London on 15 March 2027 is 10:00Z (still GMT), while New York is on EDT already.
    london_files = [ics for ics in files if b"London Marylebone" in ics]
    assert [read_with_ical_js(ics)[0]["start"] for ics in london_files] == [
        "2027-01-11T10:00:00Z",
        "2027-03-15T10:00:00Z",
        "2027-03-29T09:00:00Z",  # BST
    ]
    assert "LOCATION:London Marylebone\\, 1 Baker Street\\, London NW1 6XE" in unfolded(london_files[0])


def test_a_feed_of_sessions_in_two_zones_carries_both_and_reads_right_in_ical_js(
    two_cities: tuple[list[Appointment], Appointment], patient: User, therapist: Therapist
) -> None:
    away, at_home = two_cities
    feed = Client().get(f"/therapist/feed/{therapist.calendar_token}.ics").content
    # The clinic's zone (the feed's X-WR-TIMEZONE) first, then London.
    assert zones_of(feed) == ["America/New_York", "Europe/London"]
    events = read_with_ical_js(feed)
    # Built on 15 December, the feed reaches 90 days ahead: up to 15 March, not the 29th.
    expected = sorted([*away[:2], at_home], key=lambda appointment: appointment.start)
    assert [(event["start"], event["tzid"]) for event in events] == [
        (zulu(appointment.start), appointment.zone.key) for appointment in expected
    ]
    assert [event["start"] for event in events] == [
        "2027-01-11T10:00:00Z",
        "2027-03-15T10:00:00Z",
        "2027-03-15T13:00:00Z",
    ]
    # London's definition is the invitation's, word for word.
    dispatch_due_notifications()
    invitation = next(ics for ics in sent_calendars(Kind.CONFIRMATION) if b"TZID=Europe/London" in ics)
    london_zone = re.search(r"BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n.*?END:VTIMEZONE\r\n", unfolded(feed), re.DOTALL)
    assert london_zone is not None
    assert vtimezone_text(invitation) == london_zone.group(0)
