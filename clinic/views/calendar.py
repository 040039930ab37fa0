"""The "add to calendar" file of an appointment, for its patient only."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event

from booking.models import Appointment, Status


def appointment_ics(appointment: Appointment) -> bytes:
    """Return an iCalendar file with the appointment as one event (no health details in it)."""
    host = urlsplit(settings.SITE_URL).hostname or "clinic.local"
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.CLINIC_NAME}//Bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"appointment-{appointment.pk}@{host}")
    # SEQUENCE grows on each reschedule so calendars replace the old time instead of adding one.
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("summary", f"{appointment.massage_type.name} with {appointment.therapist.display_name}")
    event.add("location", f"{settings.CLINIC_NAME}, {settings.CLINIC_ADDRESS}")
    event.add(
        "description",
        f"Your {appointment.massage_type.duration_minutes}-minute session at {settings.CLINIC_NAME}. "
        f"To change it, visit {settings.SITE_URL.rstrip('/')}{reverse('my_appointments')} "
        f"or call {settings.CLINIC_PHONE}.",
    )
    event.add("status", "CANCELLED" if appointment.status == Status.CANCELLED else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()


@login_required
@require_GET
def appointment_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """Download the appointment as an .ics file; another person's appointment is 404."""
    appointment = get_object_or_404(
        Appointment.objects.for_patient(request.user).select_related("massage_type", "therapist"), pk=pk
    )
    response = HttpResponse(appointment_ics(appointment), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="massage-appointment-{appointment.pk}.ics"'
    return response
