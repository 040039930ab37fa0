"""Calendar invitations (.ics) for an appointment: one UID per appointment, SEQUENCE per version."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.mime.base import MIMEBase
from email.mime.text import MIMEText
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from booking.models import Appointment

PRODID = "-//Back & Balance//Clinic booking//EN"
REQUEST = "REQUEST"
CANCEL = "CANCEL"


def event_uid(appointment: Appointment) -> str:
    """Return the UID every invitation of this appointment carries, so calendars update one event."""
    domain = urlsplit(settings.SITE_URL).hostname or "clinic.invalid"
    return f"appointment-{appointment.pk}@{domain}"


def invitation(
    appointment: Appointment,
    *,
    method: str,
    sequence: int,
    attendee_email: str,
    attendee_name: str,
    now: datetime,
) -> bytes:
    """Return the iCalendar file that adds (REQUEST) or removes (CANCEL) the session in a calendar."""
    zone = timezone.get_default_timezone()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)

    event = Event()
    event.add("uid", event_uid(appointment))
    event.add("sequence", sequence)
    event.add("dtstamp", now.astimezone(UTC))
    # Wall-clock times with the clinic's TZID (and its VTIMEZONE below): calendars then keep
    # the session at 09:00 local even if they apply DST rules differently from UTC offsets.
    event.add("dtstart", appointment.start.astimezone(zone))
    event.add("dtend", appointment.end.astimezone(zone))
    event.add("summary", f"{appointment.massage_type.name} with {appointment.therapist.display_name}")
    event.add("location", settings.CLINIC_ADDRESS)
    event.add("description", f"Manage your booking: {manage_url()}\nPhone: {settings.CLINIC_PHONE}")
    event.add("url", manage_url())
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    event.add("transp", "OPAQUE")

    _, organizer_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = vText(settings.CLINIC_NAME)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{attendee_email}")
    attendee.params["cn"] = vText(attendee_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("ACCEPTED")
    event.add("attendee", attendee)

    calendar.add_component(event)
    # Only the transitions around the session: the full 1970-2038 table is kilobytes of RDATEs.
    local_start = appointment.start.astimezone(zone)
    calendar.add_missing_timezones(
        first_date=date(local_start.year - 1, 1, 1), last_date=date(local_start.year + 2, 1, 1)
    )
    return calendar.to_ical()


def as_attachment(ics: bytes, *, method: str) -> MIMEBase:
    """Return the .ics as a MIME part that mail clients offer to add to the calendar."""
    part = MIMEText(ics.decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="cancel.ics" if method == CANCEL else "invite.ics")
    return part


def manage_url() -> str:
    """Return the page where patients see, cancel and move their appointments."""
    return settings.SITE_URL.rstrip("/") + "/appointments/"
