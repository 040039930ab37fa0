"""The calendar file of a whole course: one VEVENT per session, each with its own UID (a moved one moves alone)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from django.conf import settings
from icalendar import Calendar, Event

from booking.models import Appointment, Status
from notifications.calendar import PRODID, add_times, event_uid, location_line, manage_url, vtimezones


def course_calendar(sessions: Sequence[Appointment], *, now: datetime) -> bytes:
    """Return one VCALENDAR with every session of the course (a cancelled one as CANCELLED, one version on)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{settings.CLINIC_NAME}: your course")
    for component in vtimezones([session.zone for session in sessions], now=now):
        calendar.add_component(component)
    for session in sessions:
        cancelled = session.status == Status.CANCELLED
        event = Event()
        # The UID and SEQUENCE of the session's own invitations: a calendar keeps one event per session.
        event.add("uid", event_uid(session))
        event.add("sequence", session.sequence + 1 if cancelled else session.sequence)
        event.add("dtstamp", now.astimezone(UTC))
        add_times(event, session)
        # Names and the massage only: the intake and the measures never go into a calendar.
        event.add("summary", f"{session.massage_type.name} with {session.therapist.display_name}")
        event.add("description", f"Manage your booking: {manage_url()}\nPhone: {session.location.phone_number}")
        event.add("url", manage_url())
        event.add("location", location_line(session.location))
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()
