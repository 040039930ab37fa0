"""The booking flow's page, the patient's appointments and the confirmation page.

Booking, cancelling and rescheduling go through the REST API from the browser; these views
render the pages around it. Only the signed-in patient sees their own appointments.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from booking.api.serializers import LocationSerializer, MassageTypeSerializer
from booking.intake import INTAKE_FIELDS, PROVIDER_CONSULTED_MESSAGE, RED_FLAGS, Pressure
from booking.models import Appointment, MassageType, Status
from booking.policy import change_policy, late_change_advice, window_hours
from locations.models import Location
from payments import pages as payment_pages
from payments import stripe_js
from waitlist import selectors as waitlist_selectors
from website.questionnaire import Area

BOOKING_DAYS_PER_PAGE = 14
RESUME_PATH = "/book/?resume=1"
# The day grid's columns, Monday first (static/js/lib/tiles.js places each day in its column).
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _own_appointment(request: HttpRequest, pk: int) -> Appointment:
    """Return the signed-in patient's appointment, or 404 for anyone else's."""
    queryset = (
        Appointment.objects.sessions()
        .for_patient(request.user)
        .select_related("massage_type", "therapist", "room__location")
    )
    return get_object_or_404(queryset, pk=pk)


def _intake_rules() -> dict[str, object]:
    """Return the intake's fields, red-flag questions and rule message as the booking page's script reads them."""
    return {
        "fields": list(INTAKE_FIELDS),
        "redFlags": [{"key": key, "label": label} for key, label in RED_FLAGS.items()],
        "providerConsultedMessage": PROVIDER_CONSULTED_MESSAGE,
        "pressures": [{"value": value, "label": label} for value, label in Pressure.choices],
    }


def _change_rules() -> dict[str, object]:
    """Return what the booking page's script needs to warn that a slot is already inside the change window."""
    # The server's clock, so the page judges a slot by the same "now" as booking.policy.change_policy.
    return {
        "now": timezone.now().isoformat(),
        "windowMinutes": round(settings.CANCELLATION_WINDOW.total_seconds() / 60),
        "warning": (
            f"This time is less than {window_hours()} hours away, so once booked it cannot be cancelled "
            f"or moved online. {late_change_advice()}"
        ),
    }


def _preselected_type(massage_types: list[MassageType], wanted: str) -> int | None:
    """Return the id of the massage a link asked for (by slug or id), or None."""
    for massage_type in massage_types:
        if wanted and wanted in (massage_type.slug, str(massage_type.pk)):
            return massage_type.pk
    return None


def _last_booked_location(request: HttpRequest, locations: list[Location]) -> Location | None:
    """Return the open location of the signed-in patient's latest booking, or None."""
    if not request.user.is_authenticated or len(locations) < 2:
        return None
    latest = (
        Appointment.objects.for_patient(request.user).order_by("-created_at", "-pk").values("room__location").first()
    )
    wanted = latest["room__location"] if latest else None
    return next((location for location in locations if location.pk == wanted), None)


@require_GET
def book(request: HttpRequest) -> HttpResponse:
    """Render the booking flow; anyone may start it, an account is asked for before confirming."""
    resume = quote(RESUME_PATH, safe="/")
    # The catalogue is in the first paint (no shift when it loads) and in the script's configuration.
    massage_types = list(MassageType.objects.active())
    # With one open location nobody is asked where: the page is the one-address page it always was.
    locations = list(Location.objects.active())
    last_booked = _last_booked_location(request, locations)
    config = {
        "api": "/api/v1/",
        "today": timezone.localdate().isoformat(),
        "days": BOOKING_DAYS_PER_PAGE,
        "horizonDays": settings.BOOKING_HORIZON.days,
        "timeZone": settings.TIME_ZONE,
        "authenticated": request.user.is_authenticated,
        "loginUrl": f"{reverse('login')}?next={resume}",
        "signupUrl": f"{reverse('signup')}?next={resume}",
        "confirmedUrl": reverse("booking_confirmed", args=[0]),
        "preselect": {"type": request.GET.get("type", ""), "therapist": request.GET.get("therapist", "")},
        "intake": _intake_rules(),
        "changePolicy": _change_rules(),
        "massageTypes": MassageTypeSerializer(massage_types, many=True).data,
        "locations": LocationSerializer(locations, many=True).data,
        # The page's script prefers the choice remembered on this device, then this one.
        "lastLocation": last_booked.pk if last_booked else None,
        "clinic": {"name": settings.CLINIC_NAME, "address": settings.CLINIC_ADDRESS},
        # The policy of each massage, and whether a card is asked for (None: no cards online).
        "payments": payment_pages.booking_step(request.user, massage_types),
    }
    # Stripe.js only for a signed-in patient who may have to save a card here.
    card_field = payment_pages.needs_card_field(config["payments"], request.user)
    several = len(locations) > 1
    context = {
        "config": config,
        "locations": locations if several else [],
        "chosen_location": last_booked,
        "first_step": 2 if several else 1,
        "massage_types": massage_types,
        "preselected_type": _preselected_type(massage_types, request.GET.get("type", "")),
        "weekday_names": WEEKDAY_NAMES,
        # (questionnaire area, label): a link from the questionnaire ticks its area here.
        "focus_areas": [*Area.choices, ("hips", "Hips")],
        "pressures": Pressure.choices,
        "red_flags": list(RED_FLAGS.items()),
        "pain_levels": range(11),
        "window_hours": window_hours(),
        "stripe_js_url": stripe_js.script_url() if card_field else "",
    }
    response = render(request, "site/book.html", context)
    return stripe_js.allow(response) if card_field else response


@login_required
@require_GET
def my_appointments(request: HttpRequest) -> HttpResponse:
    """List the signed-in patient's upcoming and past appointments, with cancel and reschedule."""
    now = timezone.now()
    appointments = list(
        Appointment.objects.sessions()
        .for_patient(request.user)
        .select_related("massage_type", "therapist", "room__location")
        .order_by("start")
    )
    upcoming = [a for a in appointments if a.status == Status.CONFIRMED and a.start >= now]
    past = [a for a in reversed(appointments) if a not in upcoming]
    money = payment_pages.account(request.user, upcoming, now=now)  # type: ignore[arg-type]
    rows = [{"appointment": a, "policy": change_policy(a, now=now), "payment": money.sides.get(a.pk)} for a in upcoming]
    context = {
        "weekday_names": WEEKDAY_NAMES,
        "upcoming": rows,
        "payments": money,
        "past": past,
        "waitlist_entries": waitlist_selectors.entries_of(request.user),
        "window_hours": window_hours(),
        "config": {
            "api": "/api/v1/",
            "today": timezone.localdate().isoformat(),
            "days": BOOKING_DAYS_PER_PAGE,
            "horizonDays": settings.BOOKING_HORIZON.days,
            "timeZone": settings.TIME_ZONE,
        },
    }
    return render(request, "site/my_appointments.html", context)


@login_required
@require_GET
def booking_confirmed(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the booked appointment to its patient, with a calendar file to download."""
    appointment = _own_appointment(request, pk)
    context = {
        "appointment": appointment,
        "policy": change_policy(appointment, now=timezone.now()),
        "window_hours": window_hours(),
        "payment_policy": payment_pages.policy_of(appointment),
    }
    return render(request, "site/booking_confirmed.html", context)
