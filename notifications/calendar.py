"""Calendar invitations (.ics) for an appointment: one UID per appointment, SEQUENCE per version."""

from __future__ import annotations

import calendar as gregorian
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.mime.base import MIMEBase
from email.mime.text import MIMEText
from email.utils import parseaddr
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress, vText

from booking.models import Appointment
from locations.models import Location

PRODID = "-//Back & Balance//Clinic booking//EN"
REQUEST = "REQUEST"
CANCEL = "CANCEL"

# A zone's current rules are read from its transitions over a full 28-year solar cycle, so
# every weekday falls on every date of the month at least once and a rule shows its true shape.
RULE_YEARS = 28
# A zone whose rules a yearly RRULE cannot express lists its transitions one by one, this
# many years either side of the year the file is made.
LISTED_YEARS_BEFORE, LISTED_YEARS_AFTER = 1, 5
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


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
    for_therapist: bool = False,
) -> bytes:
    """Return the iCalendar file that adds (REQUEST) or removes (CANCEL) the session in a calendar."""
    location = appointment.location
    zone = location.zone
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add_component(vtimezone(zone, year=now.astimezone(zone).year))

    event = Event()
    event.add("uid", event_uid(appointment))
    event.add("sequence", sequence)
    event.add("dtstamp", now.astimezone(UTC))
    # Wall-clock times with the location's TZID (and its VTIMEZONE above): calendars then keep
    # the session at 09:00 local even if they apply DST rules differently from UTC offsets.
    add_times(event, appointment)
    # Names and the massage only: the intake (health data) never goes into a calendar.
    if for_therapist:
        patient = appointment.patient.get_full_name() or "Patient"
        event.add("summary", f"{appointment.massage_type.name} \u2014 {patient}")
        event.add("description", f"Your session: {session_url(appointment)}\nRoom: {appointment.room.name}")
        event.add("url", session_url(appointment))
    else:
        event.add("summary", f"{appointment.massage_type.name} with {appointment.therapist.display_name}")
        event.add("description", f"Manage your booking: {manage_url()}\nPhone: {location.phone_number}")
        event.add("url", manage_url())
    event.add("location", location_line(location))
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
    return calendar.to_ical()


def add_times(event: Event, appointment: Appointment) -> None:
    """Give the event the session's start and end on the wall clock of its location (TZID of its zone)."""
    zone = appointment.zone
    event.add("dtstart", appointment.start.astimezone(zone))
    event.add("dtend", appointment.end.astimezone(zone))


def location_line(location: Location) -> str:
    """Return the event's LOCATION: "<location name>, <address>"."""
    return f"{location.name}, {location.address}"


def vtimezones(zones: Iterable[ZoneInfo], *, now: datetime) -> list[Timezone]:
    """Return one VTIMEZONE per distinct zone, in the order first given, each written as `vtimezone` writes it."""
    unique = {zone.key: zone for zone in zones}
    return [vtimezone(zone, year=now.astimezone(zone).year) for zone in unique.values()]


@dataclass(frozen=True)
class Transition:
    """One change of a zone's offset: the wall-clock time it happens at (before it), from and to."""

    local: datetime  # naive, in the offset before the change, as VTIMEZONE's DTSTART is written
    offset_from: timedelta
    offset_to: timedelta
    name: str
    daylight: bool


@dataclass(frozen=True)
class YearlyRule:
    """A change that happens every year on the nth (or last, -1) weekday of a month at one wall-clock time."""

    first: Transition  # its first occurrence in 1970, the DTSTART calendar clients expect
    month: int
    nth: int
    weekday: int


def vtimezone(zone: ZoneInfo, *, year: int) -> Timezone:
    """Return the zone's VTIMEZONE with yearly RRULEs, as calendar clients read it (RDATEs one per line if need be)."""
    component = Timezone()
    component.add("tzid", zone.key)
    rules = yearly_rules(zone, year)
    if rules is not None:
        for rule in rules:
            part = _part(rule.first)
            nth = "-1" if rule.nth == -1 else str(rule.nth)
            part.add("rrule", {"freq": "yearly", "bymonth": rule.month, "byday": nth + WEEKDAYS[rule.weekday]})
            component.add_component(part)
        if not rules:
            # No change at all: one STANDARD with the zone's only offset.
            offset = _offset(zone, datetime(year, 1, 1, tzinfo=UTC))
            still = Transition(datetime(1970, 1, 1), offset, offset, _name(zone, year), daylight=False)
            component.add_component(_part(still))
        return component
    # Rules no yearly RRULE expresses (a moving feast, a change of rules ahead): list the
    # transitions. Each RDATE on its own line, and the DTSTART listed again, because ical.js
    # and vobject read only the first date of an RDATE line and ical.js skips a DTSTART that
    # has RDATEs beside it.
    start = datetime(year - LISTED_YEARS_BEFORE, 1, 1, tzinfo=UTC)
    offset = _offset(zone, start)
    opening = Transition(start.replace(tzinfo=None) + offset, offset, offset, _name(zone, year - 1), daylight=False)
    component.add_component(_part(opening))
    groups: dict[tuple[timedelta, timedelta, str, bool], list[Transition]] = {}
    for change in transitions(zone, year - LISTED_YEARS_BEFORE, year + LISTED_YEARS_AFTER):
        groups.setdefault((change.offset_from, change.offset_to, change.name, change.daylight), []).append(change)
    for changes in groups.values():
        part = _part(changes[0])
        for change in changes:
            part.add("rdate", change.local)
        component.add_component(part)
    return component


def yearly_rules(zone: ZoneInfo, year: int) -> tuple[YearlyRule, ...] | None:
    """Return the zone's changes from `year` on as yearly rules (none without DST), or None if not yearly."""
    return _yearly_rules(zone.key, year)


@lru_cache(maxsize=64)
def _yearly_rules(key: str, year: int) -> tuple[YearlyRule, ...] | None:
    zone = ZoneInfo(key)
    changes = transitions(zone, year, year + RULE_YEARS)
    groups: dict[tuple[timedelta, timedelta, str, bool], list[Transition]] = {}
    for change in changes:
        groups.setdefault((change.offset_from, change.offset_to, change.name, change.daylight), []).append(change)
    rules = []
    for group in groups.values():
        # Exactly once a year, every year, or it is not a yearly rule.
        if [change.local.year for change in group] != list(range(year, year + RULE_YEARS)):
            return None
        rule = _as_yearly(group)
        if rule is None:
            return None
        rules.append(rule)
    return tuple(sorted(rules, key=lambda rule: rule.first.local))


def transitions(zone: ZoneInfo, first_year: int, last_year: int) -> list[Transition]:
    """Return the zone's offset changes from 1 January of first_year up to (not including) last_year, in order."""
    found = []
    moment, end = datetime(first_year, 1, 1, tzinfo=UTC), datetime(last_year, 1, 1, tzinfo=UTC)
    offset = _offset(zone, moment)
    while moment < end:
        later = moment + timedelta(days=1)
        if _offset(zone, later) != offset:
            # Narrow the day down to the second the new offset begins.
            low, high = moment, later
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (low, middle) if _offset(zone, middle) != offset else (middle, high)
            new = _offset(zone, high)
            # DAYLIGHT is the part of the year on the later clock, as clients expect (tzdata
            # calls Dublin's summer time standard and its winter a negative DST).
            name = high.astimezone(zone).tzname() or ""
            found.append(Transition(high.replace(tzinfo=None) + offset, offset, new, name, daylight=new > offset))
            offset = new
        moment = later
    return [change for change in found if change.local.year < last_year]


def _as_yearly(group: list[Transition]) -> YearlyRule | None:
    first = group[0].local
    if any(
        (change.local.month, change.local.time(), change.local.weekday())
        != (first.month, first.time(), first.weekday())
        for change in group
    ):
        return None
    for nth in ((first.day - 1) // 7 + 1, -1):
        if all(_nth_of(change.local, last=nth == -1) == nth for change in group):
            day = _nth_weekday(1970, first.month, first.weekday(), nth)
            start = datetime.combine(day, first.time())
            return YearlyRule(
                Transition(start, group[0].offset_from, group[0].offset_to, group[0].name, group[0].daylight),
                first.month,
                nth,
                first.weekday(),
            )
    return None


def _nth_of(moment: datetime, *, last: bool) -> int:
    if last:
        return -1 if moment.day + 7 > gregorian.monthrange(moment.year, moment.month)[1] else 0
    return (moment.day - 1) // 7 + 1


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    days = [
        day for day in range(1, gregorian.monthrange(year, month)[1] + 1) if date(year, month, day).weekday() == weekday
    ]
    return date(year, month, days[nth] if nth == -1 else days[nth - 1])


def _part(change: Transition) -> TimezoneStandard | TimezoneDaylight:
    part = TimezoneDaylight() if change.daylight else TimezoneStandard()
    part.add("dtstart", change.local)
    part.add("tzoffsetfrom", change.offset_from)
    part.add("tzoffsetto", change.offset_to)
    if change.name:
        part.add("tzname", change.name)
    return part


def _offset(zone: ZoneInfo, moment: datetime) -> timedelta:
    return moment.astimezone(zone).utcoffset() or timedelta(0)


def _name(zone: ZoneInfo, year: int) -> str:
    return datetime(year, 1, 1, 12, tzinfo=zone).tzname() or ""


def as_attachment(ics: bytes, *, method: str) -> MIMEBase:
    """Return the .ics as a MIME part that mail clients offer to add to the calendar."""
    part = MIMEText(ics.decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="cancel.ics" if method == CANCEL else "invite.ics")
    return part


def manage_url() -> str:
    """Return the page where patients see, cancel and move their appointments."""
    return settings.SITE_URL.rstrip("/") + "/appointments/"


def session_url(appointment: Appointment) -> str:
    """Return the therapist portal's page of the session (its intake stays behind sign-in there)."""
    return settings.SITE_URL.rstrip("/") + reverse("therapists:session", kwargs={"pk": appointment.pk})
