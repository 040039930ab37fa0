"""A therapist's personal iCalendar feed: their active sessions, with nothing a lock screen should not show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from booking.models import Appointment
from notifications.calendar import add_times, event_uid, location_line, vtimezones
from therapists.models import Therapist

FEED_PAST = timedelta(days=30)
FEED_FUTURE = timedelta(days=90)


def feed_sessions(therapist: Therapist, now: datetime) -> QuerySet[Appointment]:
    """Return the therapist's active sessions from 30 days ago to 90 days ahead."""
    return (
        Appointment.objects.for_therapist(therapist)
        .booked()
        .filter(start__gte=now - FEED_PAST, start__lt=now + FEED_FUTURE)
        .select_related("patient", "massage_type", "room__location")
        .order_by("start")
    )


def patient_label(appointment: Appointment) -> str:
    """Return the patient's first name and last initial ("Alice A."), as much as a lock screen may show."""
    first = appointment.patient.first_name.strip() or "Patient"
    initial = appointment.patient.last_name.strip()[:1]
    return f"{first} {initial}." if initial else first


def build_feed(therapist: Therapist, *, now: datetime | None = None) -> bytes:
    """Return the therapist's calendar as iCalendar bytes: one VEVENT per active session, in its location's zone."""
    now = now or timezone.now()
    sessions = list(feed_sessions(therapist, now))
    clinic_zone = ZoneInfo(str(settings.TIME_ZONE))
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.CLINIC_NAME}//Therapist portal//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{settings.CLINIC_NAME}: {therapist.display_name}")
    calendar.add("x-wr-timezone", clinic_zone.key)
    # The invitations' VTIMEZONEs, word for word: a calendar that holds both sees one zone each.
    # The clinic's zone (the feed's X-WR-TIMEZONE) first, then each other zone a session is in.
    for component in vtimezones([clinic_zone, *(session.zone for session in sessions)], now=now):
        calendar.add_component(component)
    for appointment in sessions:
        event = Event()
        # The UID of the e-mailed invitations, SEQUENCE bumped by reschedules: calendars update in place.
        event.add("uid", event_uid(appointment))
        event.add("sequence", appointment.sequence)
        event.add("dtstamp", now.astimezone(UTC))
        add_times(event, appointment)
        event.add("summary", f"{appointment.massage_type.name} — {patient_label(appointment)}")
        event.add("location", location_line(appointment.location))
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()


def feed_url(therapist: Therapist) -> str:
    """Return the absolute address a calendar app subscribes to for the therapist's feed."""
    return settings.SITE_URL.rstrip("/") + reverse("therapists:feed", kwargs={"token": therapist.calendar_token})
