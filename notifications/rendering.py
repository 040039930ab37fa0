"""E-mail notices: turn an outbox row into a message (text, HTML and .ics) and deliver it once."""

from __future__ import annotations

import logging
import smtplib
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from booking import outbox
from booking.models import Appointment, Notification, NotificationKind, NotificationStatus, Status
from booking.policy import change_policy, late_change_advice
from clinic import dates
from clinic.accounts import site_message_id
from clinic.models import User
from locations.models import Location
from notifications import calendar, course_notices, payment_notices, waitlist_notices  # noqa: F401  (registers their kinds)
from notifications.notice_kinds import REGISTERED
from payments import policy as payment_policy

logger = logging.getLogger(__name__)

Kind = NotificationKind
# Worth another try later: the mail server or the network is having a bad moment.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (smtplib.SMTPException, OSError)
PATIENT_KINDS = (Kind.CONFIRMATION, Kind.CONFIRMATION_RESEND, Kind.REMINDER, Kind.CANCELLATION, Kind.RESCHEDULE)
CANCEL_KINDS = (Kind.CANCELLATION, Kind.THERAPIST_CANCELLATION)
TEMPLATES: dict[str, str] = {
    Kind.CONFIRMATION: "confirmation",
    Kind.CONFIRMATION_RESEND: "confirmation",
    Kind.THERAPIST_NEW: "therapist_new",
    Kind.REMINDER: "reminder",
    Kind.CANCELLATION: "cancellation",
    Kind.THERAPIST_CANCELLATION: "therapist_cancellation",
    Kind.RESCHEDULE: "reschedule",
    Kind.THERAPIST_RESCHEDULE: "therapist_reschedule",
    Kind.AGENDA: "agenda",
}
SUBJECTS: dict[str, Callable[[dict[str, Any]], str]] = {
    Kind.CONFIRMATION: lambda c: f"Booking confirmed: {c['massage_type']} on {c['when_short']}",
    Kind.CONFIRMATION_RESEND: lambda c: f"Booking confirmed (copy): {c['massage_type']} on {c['when_short']}",
    Kind.THERAPIST_NEW: lambda c: f"New booking: {c['patient_short']}, {c['massage_type']}, {c['when_short']}",
    Kind.REMINDER: lambda c: f"Reminder: your {c['massage_type']} session on {c['when_short']}",
    Kind.CANCELLATION: lambda c: f"Cancelled: your {c['massage_type']} session on {c['when_short']}",
    Kind.THERAPIST_CANCELLATION: lambda c: f"Session off your schedule: {c['patient_short']}, {c['off_when_short']}",
    Kind.RESCHEDULE: lambda c: f"Moved: your {c['massage_type']} session is now on {c['when_short']}",
    Kind.THERAPIST_RESCHEDULE: lambda c: f"Moved: {c['patient_short']}'s session is now on {c['when_short']}",
    Kind.AGENDA: lambda c: f"Your sessions on {c['day']}: {len(c['sessions'])}",
}


@dataclass(frozen=True)
class Outcome:
    """What one delivery run did: sent, void, skipped (not this run's), failed, or retry after a pause."""

    status: str
    retry_in: float | None = None
    error: BaseException | None = None


def deliver(notification_id: int, *, handoff: str = "", now: datetime | None = None) -> Outcome:
    """Claim the row, send its e-mail and record the outcome; a row already claimed or settled is left alone."""
    now = now or timezone.now()
    token = outbox.claim(notification_id, handoff=handoff, now=now)
    if token is None:
        return Outcome("skipped")
    notification = outbox.claimed([notification_id], token=token).get()
    return send_claimed(notification, token=token, now=now)


def send_claimed(
    notification: Notification, *, token: str, now: datetime, connection: BaseEmailBackend | None = None
) -> Outcome:
    """Send the e-mail of a row this run holds (over the given connection, else a new one) and record the outcome."""
    notification_id = notification.pk
    reason = obsolete_reason(notification, now=now)
    if reason:
        outbox.mark_void(notification_id, token=token, reason=reason)
        return Outcome("void")
    try:
        message = build_message(notification, now=now)
        message.message()  # the headers and MIME parts, checked here rather than halfway through SMTP
    except Exception as exc:
        # The row's data cannot make an e-mail (a bug, or an old row with a line break in a
        # name): every retry would fail the same way, whatever the exception's class.
        return _fail_for_good(notification_id, token=token, exc=exc, what="could not be rendered")
    message.connection = connection
    try:
        message.send()
    except TRANSIENT_ERRORS as exc:
        pause = outbox.release_for_retry(notification_id, token=token, error=_describe(exc), now=now)
        if pause is None:
            return Outcome("failed", error=exc)
        return Outcome("retry", retry_in=pause, error=exc)
    except Exception as exc:
        return _fail_for_good(notification_id, token=token, exc=exc, what="could not be sent")
    outbox.mark_sent(notification_id, token=token, now=now)
    return Outcome("sent")


def _fail_for_good(notification_id: int, *, token: str, exc: Exception, what: str) -> Outcome:
    """Mark the row failed with a reason that names the error but quotes none of its text."""
    # An exception's message may quote what it choked on (a subject, a template's context,
    # the intake): neither the row, shown in admin, nor the log gets it.
    reason = f"The notice {what} and will not be retried: {type(exc).__name__} in {_where(exc)}."
    outbox.mark_failed(notification_id, token=token, error=reason)
    logger.error("Notification %s failed for good: %s", notification_id, reason)
    return Outcome("failed", error=exc)


def _where(exc: BaseException) -> str:
    """Return the module, function and line that raised the exception."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "an unknown place"
    frame = frames[-1]
    module = frame.filename.rsplit("site-packages/", 1)[-1].removeprefix(str(settings.BASE_DIR) + "/")
    return f"{module}:{frame.lineno} ({frame.name})"


def obsolete_reason(notification: Notification, *, now: datetime) -> str:
    """Return why the row must not be sent any more (the appointment changed since), or ''."""
    appointment = notification.appointment
    if appointment is None:
        if not _agenda_sessions(notification):
            return "No sessions left that day."
        return ""
    if notification.kind in REGISTERED:
        return REGISTERED[notification.kind].obsolete(notification, now)
    if notification.kind in CANCEL_KINDS:
        return ""
    if appointment.status == Status.CANCELLED:
        return "The appointment was cancelled."
    if notification.kind in outbox.SUPERSEDED_BY_RESCHEDULE and notification.sequence < appointment.sequence:
        return "The appointment was rescheduled since."
    if notification.kind not in PATIENT_KINDS and notification.therapist_id != appointment.therapist_id:
        return "The session moved to another therapist."
    if notification.kind == Kind.REMINDER:
        if appointment.start <= now:
            return "Too late: the session has started."
        if _later_reminder_due(notification, now=now):
            return "A later reminder is due already: one reminder is enough."
    return ""


def _later_reminder_due(notification: Notification, *, now: datetime) -> bool:
    # After an outage the scan finds several reminders due at once; the 24 h one is stale by then.
    appointment = notification.appointment
    assert appointment is not None
    later_dues = [appointment.start - offset for offset in settings.REMINDER_OFFSETS]
    if not any(notification.due_at < due <= now for due in later_dues):
        return False  # the usual case, decided without a query
    return (
        Notification.objects.filter(
            appointment=appointment,
            kind=Kind.REMINDER,
            sequence=notification.sequence,
            due_at__gt=notification.due_at,
            due_at__lte=now,
        )
        .exclude(status=NotificationStatus.VOID)
        .exists()
    )


def build_message(notification: Notification, *, now: datetime) -> EmailMultiAlternatives:
    """Return the e-mail for the row: plain text, HTML and, for a session, its calendar file."""
    context = notice_context(notification, now=now)
    registered = REGISTERED.get(notification.kind)
    template = registered.template if registered else TEMPLATES[notification.kind]
    subject = registered.subject if registered else SUBJECTS[notification.kind]
    # Anything a template formats itself is in the zone the notice speaks in, too.
    with timezone.override(context["zone"]):
        body = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject(context),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient],
        headers={
            "X-Clinic-Notification": str(notification.pk),
            "Auto-Submitted": "auto-generated",
            "Message-ID": site_message_id(),
        },
    )
    message.attach_alternative(html, "text/html")
    attach_calendar = registered.calendar if registered else notification.kind != Kind.REMINDER
    if notification.appointment is not None and attach_calendar:
        message.attach(_calendar_part(notification, now=now))
    return message


def notice_context(notification: Notification, *, now: datetime) -> dict[str, Any]:
    """Return what the templates show: the session in its location's zone, the location and the clinic's policy."""
    context: dict[str, Any] = {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_address": settings.CLINIC_ADDRESS,
        "clinic_phone": settings.CLINIC_PHONE,
        "manage_url": calendar.manage_url(),
        "cancellation_window": format_span(settings.CANCELLATION_WINDOW),
        "late_change_advice": late_change_advice(),
        "zone": _clinic_zone(),
        "time_zone": _clinic_zone().key,
        "kind": notification.kind,
        "for_therapist": not is_patient_kind(notification.kind),
    }
    appointment = notification.appointment
    if appointment is None:
        context.update(_agenda_context(notification))
        return context
    location = appointment.location
    zone = location.zone
    context.update(_location_context(location))
    patient = appointment.patient
    recipient = notification.therapist if not is_patient_kind(notification.kind) else None
    context.update(
        recipient_name=first_name(recipient.user if recipient else patient),
        patient_short=short_name(patient),
        therapist_name=appointment.therapist.display_name,
        massage_type=appointment.massage_type.name,
        room_name=appointment.room.name,
        duration_minutes=int((appointment.end - appointment.start).total_seconds() // 60),
        when=format_when(appointment.start, zone=zone),
        when_short=format_when_short(appointment.start, zone=zone),
        ends=dates.clock(appointment.end, zone),
        previous_when=format_when(notification.previous_start, zone=zone) if notification.previous_start else "",
        cancelled=appointment.status == Status.CANCELLED,
        reassigned=notification.kind == Kind.THERAPIST_CANCELLATION and appointment.status != Status.CANCELLED,
    )
    # The old therapist of a moved session is told about the time they no longer hold.
    off = notification.previous_start if context["reassigned"] and notification.previous_start else appointment.start
    context["off_when"] = format_when(off, zone=zone)
    context["off_when_short"] = format_when_short(off, zone=zone)
    if recipient is not None:
        # Therapists manage sessions in the portal; the patients' page would show them nothing.
        # A session moved to someone else is no longer theirs to open: their day view is.
        context["manage_url"] = (
            portal_day_url(timezone.localdate(off, zone))
            if context["reassigned"]
            else calendar.session_url(appointment)
        )
        told_cancelled = notification.kind == Kind.THERAPIST_CANCELLATION and context["cancelled"]
        context["cancellation_reason"] = appointment.cancellation_reason if told_cancelled else ""
        context["cancelled_by"] = (
            cancelled_by(appointment, therapist_user_id=recipient.user_id) if told_cancelled else ""
        )
    elif notification.kind not in CANCEL_KINDS:
        # The policy as the patient's pages state it: never a deadline that has already passed.
        policy = change_policy(appointment, now=now)
        context["can_change"] = policy.can_change
        context["change_deadline"] = format_when(policy.deadline, zone=zone) if policy.deadline else ""
    if notification.kind in (Kind.CONFIRMATION, Kind.CONFIRMATION_RESEND):
        # The payment policy the session was booked under (deposit, fees), whatever the policy is now.
        terms = payment_policy.terms_of(appointment)
        context["payment_policy"] = payment_policy.quote_of(terms).sentences() if terms else []
    if notification.kind == Kind.REMINDER:
        context["lead"] = format_span(appointment.start - notification.due_at)
    if notification.kind in REGISTERED:
        context.update(REGISTERED[notification.kind].context(notification, now))
    return context


def is_patient_kind(kind: str) -> bool:
    """Return whether notices of this kind go to the patient (else to a therapist)."""
    return kind in PATIENT_KINDS or kind in REGISTERED


def _location_context(location: Location) -> dict[str, Any]:
    """Return where a notice's session happens: the location's name, address, phone and zone."""
    return {
        "location_name": location.name,
        "clinic_address": location.address,
        "clinic_phone": location.phone_number,
        "zone": location.zone,
        "time_zone": location.time_zone,
    }


def _agenda_context(notification: Notification) -> dict[str, Any]:
    therapist = notification.therapist
    day = notification.agenda_date
    assert therapist is not None and day is not None
    sessions = _agenda_sessions(notification)
    locations = {session.location.pk: session.location for session in sessions}
    zones = {session.zone.key: session.zone for session in sessions}
    context: dict[str, Any] = {
        "recipient_name": first_name(therapist.user),
        "day": dates.long_day(day),
        "sessions": [_agenda_line(item, day=day, several_zones=len(zones) > 1) for item in sessions],
        "manage_url": portal_day_url(day),
        "several_locations": len(locations) > 1,
    }
    if len(locations) == 1:
        # A day at one address: the footer and the "Where" line name it.
        (location,) = locations.values()
        context.update(_location_context(location))
    if len(zones) > 1:
        context["day_zone"] = "each location's own time"
    else:
        zone = next(iter(zones.values()), _clinic_zone())
        context["day_zone"] = _zone_label(datetime.combine(day, time(12), tzinfo=zone))
        context.update(zone=zone, time_zone=zone.key)
    return context


def portal_day_url(day: date) -> str:
    """Return the therapist portal's day view of the date."""
    return f"{settings.SITE_URL.rstrip('/')}{reverse('therapists:day')}?date={day.isoformat()}"


def format_when(moment: datetime, *, zone_key: bool = True, zone: ZoneInfo | None = None) -> str:
    """Return e.g. 'Monday, March 9, 2026 at 9:00 AM (America/New_York, EDT)' in the zone (the clinic's by default)."""
    local = moment.astimezone(zone or _clinic_zone())
    label = _zone_label(local) if zone_key else local.tzname()
    return f"{dates.moment(local, local.tzinfo)} ({label})"


def format_when_short(moment: datetime, *, zone: ZoneInfo | None = None) -> str:
    """Return e.g. 'Mon, Mar 9, 9:00 AM EDT', for subjects: the zone (the clinic's by default) as an abbreviation."""
    local = moment.astimezone(zone or _clinic_zone())
    return f"{dates.short_moment(local, local.tzinfo)} {dates.zone_abbreviation(local, local.tzinfo)}"


def format_span(span: timedelta) -> str:
    """Return a policy span in words: '24 hours', '90 minutes', '2 days'."""
    minutes = round(span.total_seconds() / 60)
    if minutes % (24 * 60) == 0 and minutes >= 48 * 60:
        return f"{minutes // (24 * 60)} days"
    if minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"


def first_name(user: User) -> str:
    """Return the name a notice greets the person by: the first name alone, or '' ('Hello,')."""
    return user.first_name.strip()


def cancelled_by(appointment: Appointment, *, therapist_user_id: int) -> str:
    """Return who cancelled the session, as its therapist is told: 'the patient', 'you' or 'the clinic'."""
    if appointment.cancelled_by_id is None:
        return ""
    if appointment.cancelled_by_id == appointment.patient_id:
        return "the patient"
    if appointment.cancelled_by_id == therapist_user_id:
        return "you"
    return "the clinic"


def short_name(user: User) -> str:
    """Return 'Alice A.': enough for a therapist's schedule, no more."""
    # The rule for patient names in therapist e-mails: e-mail travels through outside mail
    # servers, so a therapist's notice names the patient by first name and last initial only,
    # and links to the portal's session page, where the full name is. The initial ends in a
    # period: templates never put this name at the end of a sentence ("Alex R..").
    initial = f" {user.last_name[:1]}." if user.last_name else ""
    return f"{user.first_name or 'Patient'}{initial}"


def _clinic_zone() -> ZoneInfo:
    zone = timezone.get_default_timezone()
    assert isinstance(zone, ZoneInfo)
    return zone


def _zone_label(local: datetime) -> str:
    """Return 'America/New_York, EDT' for an aware datetime in a ZoneInfo zone."""
    zone = local.tzinfo
    key = zone.key if isinstance(zone, ZoneInfo) else str(zone)
    return f"{key}, {local.tzname()}"


def _agenda_sessions(notification: Notification) -> list[Appointment]:
    # The clinic's day, as booking.outbox.plan_agendas plans it: a session is never left out
    # of every agenda. Each line then shows the session's own local time.
    day: date | None = notification.agenda_date
    if day is None:
        return []
    zone = _clinic_zone()
    return list(
        Appointment.objects.filter(
            therapist=notification.therapist,
            status=Status.CONFIRMED,
            start__gte=datetime.combine(day, time.min, tzinfo=zone),
            start__lt=datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone),
        )
        .select_related("patient", "massage_type", "room__location")
        .order_by("start")
    )


def _agenda_line(appointment: Appointment, *, day: date, several_zones: bool) -> dict[str, str]:
    # Names and types only: the intake (health data) stays in the portal, out of e-mail.
    zone = appointment.zone
    start, end = appointment.start.astimezone(zone), appointment.end.astimezone(zone)
    # Far from the clinic a session of the clinic's day may fall on the day before or after.
    on = "" if start.date() == day else f"{dates.short_day(start, zone)}, "
    return {
        "time": f"{on}{dates.clock_span(start, end, zone)}",
        "start": f"{on}{dates.clock(start, zone)}",
        "end": dates.clock(end, zone),
        "zone": f" {start.tzname()}" if several_zones else "",
        "patient": short_name(appointment.patient),
        "massage_type": appointment.massage_type.name,
        "location": appointment.location.name,
        "room": appointment.room.name,
    }


def _calendar_part(notification: Notification, *, now: datetime) -> Any:
    appointment = notification.appointment
    assert appointment is not None
    if notification.kind in CANCEL_KINDS:
        method, sequence = calendar.CANCEL, notification.sequence
    else:
        # The body shows the session as it is now, so the invitation carries its current version.
        method, sequence = calendar.REQUEST, appointment.sequence
    if is_patient_kind(notification.kind):
        name = appointment.patient.get_full_name() or appointment.patient.email
    else:
        assert notification.therapist is not None
        name = notification.therapist.display_name
    ics = calendar.invitation(
        appointment,
        method=method,
        sequence=sequence,
        attendee_email=notification.recipient,
        attendee_name=name,
        now=now,
        for_therapist=not is_patient_kind(notification.kind),
    )
    return calendar.as_attachment(ics, method=method)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]
