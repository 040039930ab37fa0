"""The "add to calendar" file of an appointment, for its patient only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET

from booking.models import Appointment, Status
from notifications import calendar


@login_required
@require_GET
def appointment_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """Download the appointment as an .ics file (the e-mailed invitation's twin); another person's is 404."""
    appointment = get_object_or_404(
        Appointment.objects.sessions()
        .for_patient(request.user)
        .select_related("massage_type", "therapist", "patient", "room__location"),
        pk=pk,
    )
    cancelled = appointment.status == Status.CANCELLED
    ics = calendar.invitation(
        appointment,
        # The same UID and SEQUENCE as the e-mailed invitations (a cancellation is one version
        # past the last booking, as booking.outbox numbers it), so a calendar keeps one event.
        method=calendar.CANCEL if cancelled else calendar.REQUEST,
        sequence=appointment.sequence + 1 if cancelled else appointment.sequence,
        attendee_email=appointment.patient.email,
        attendee_name=appointment.patient.get_full_name() or appointment.patient.email,
        now=timezone.now(),
    )
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="massage-appointment-{appointment.pk}.ics"'
    return response
