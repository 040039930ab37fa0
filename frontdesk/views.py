"""The calendar's pages (staff only): the location's day, one lane's week, the poll and a session's history."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from audit.display import history_table
from audit.models import Event
from booking.availability import monday_of
from booking.intake import Pressure
from booking.models import Appointment, MassageType
from clinic import dates
from frontdesk import calendar, markup, payments
from frontdesk.access import desk_page
from locations.models import Location, Room
from therapists.models import Therapist
from waitlist import selectors as waitlist_selectors

POLL_SECONDS = 10


def _location(request: HttpRequest, locations: list[Location]) -> Location:
    wanted = request.GET.get("location")
    if wanted:
        chosen = next((each for each in locations if str(each.pk) == wanted), None)
        if chosen is None:
            raise Http404("No such location.")
        return chosen
    if not locations:
        raise Http404("The clinic has no location yet.")
    return locations[0]


def _day(request: HttpRequest, location: Location) -> date:
    given = request.GET.get("date")
    if given:
        try:
            day = parse_date(given)
        except ValueError:
            day = None
        if day is None:
            raise Http404("Give the date as YYYY-MM-DD.")
        return day
    return timezone.now().astimezone(location.zone).date()


def _link(name: str, **params: Any) -> str:
    return f"{reverse(name)}?{urlencode({k: v for k, v in params.items() if v not in (None, '')})}"


def _context(request: HttpRequest, grid: calendar.Calendar, *, view: str, day: date, **extra: Any) -> dict[str, Any]:
    location = grid.location
    waiting = waitlist_selectors.waiting_rows(grid.days, location_id=location.pk)
    config = {
        "view": view,
        "location": location.pk,
        "date": day.isoformat(),
        "grid_minutes": grid.grid_minutes,
        "poll_seconds": getattr(settings, "FRONTDESK_POLL_SECONDS", POLL_SECONDS),
        "version": calendar.version(location, grid.days[0], grid.days[-1]),
        "version_url": _link(
            "frontdesk:version", location=location.pk, date=grid.days[0].isoformat(), days=len(grid.days)
        ),
        "sessions": {str(pk): data for pk, data in grid.sessions.items()},
        "therapists": [{"id": pk, "name": name} for pk, name in grid.therapists],
        "waiting": {row["day"].isoformat(): row for row in waiting},
        "urls": {
            "patients": reverse("frontdesk:patients"),
            "options": reverse("frontdesk:options"),
            "next_free": reverse("frontdesk:next_free"),
            "book": reverse("frontdesk:book"),
            "move": reverse("frontdesk:move"),
            "cancel": reverse("frontdesk:cancel"),
            "mark": reverse("frontdesk:mark"),
            "day": reverse("frontdesk:day"),
            **payments.calendar_urls(request.user),
        },
    }
    return {
        **admin.site.each_context(request),
        "title": "Calendar",
        "grid": grid,
        "rows": markup.rows_html(grid),
        "config": config,
        "pressures": Pressure.choices,
        "waiting": waiting,
        **extra,
    }


@require_GET
@desk_page
def day_view(request: HttpRequest) -> HttpResponse:
    """Show the location's day, a column per working therapist or per room (staff with appointment view and change)."""
    locations = list(Location.objects.active())
    location = _location(request, locations)
    day = _day(request, location)
    by = calendar.BY_ROOM if request.GET.get("by") == calendar.BY_ROOM else calendar.BY_THERAPIST
    grid = calendar.build(location=location, day_from=day, day_to=day, now=timezone.now(), by=by)
    here = {"location": location.pk if len(locations) > 1 else None, "by": by if by == calendar.BY_ROOM else None}
    context = _context(
        request,
        grid,
        view="day",
        day=day,
        by=by,
        day_label=dates.long_day(day),
        locations=locations,
        massage_types=list(MassageType.objects.active()),
        previous_url=_link("frontdesk:day", date=(day - timedelta(days=1)).isoformat(), **here),
        next_url=_link("frontdesk:day", date=(day + timedelta(days=1)).isoformat(), **here),
        today_url=_link("frontdesk:day", **here),
        by_therapist_url=_link("frontdesk:day", date=day.isoformat(), location=here["location"]),
        by_room_url=_link("frontdesk:day", date=day.isoformat(), location=here["location"], by=calendar.BY_ROOM),
    )
    return TemplateResponse(request, "frontdesk/calendar.html", context)


@require_GET
@desk_page
def week_view(request: HttpRequest) -> HttpResponse:
    """Show one therapist's or one room's week at the location (staff with appointment view and change)."""
    locations = list(Location.objects.active())
    location = _location(request, locations)
    monday = monday_of(_day(request, location))
    therapist = room = None
    if request.GET.get("room"):
        room = get_object_or_404(Room, pk=request.GET["room"], location=location)
    else:
        therapists = Therapist.objects.active().filter(working_hours__location=location).distinct()
        wanted = request.GET.get("therapist")
        therapist = get_object_or_404(therapists, pk=wanted) if wanted else therapists.order_by("display_name").first()
        if therapist is None:
            raise Http404("Nobody works at this location.")
    grid = calendar.build(
        location=location,
        day_from=monday,
        day_to=monday + timedelta(days=6),
        now=timezone.now(),
        therapist=therapist,
        room=room,
    )
    lane = {"therapist": therapist.pk if therapist else None, "room": room.pk if room else None}
    here = {"location": location.pk if len(locations) > 1 else None, **lane}
    context = _context(
        request,
        grid,
        view="week",
        day=monday,
        therapist=therapist,
        room=room,
        day_label=f"{therapist or room}, week of {dates.long_day(monday)}",
        locations=locations,
        lanes_therapists=list(Therapist.objects.active().filter(working_hours__location=location).distinct()),
        lanes_rooms=list(Room.objects.active().at(location)),
        previous_url=_link("frontdesk:week", date=(monday - timedelta(days=7)).isoformat(), **here),
        next_url=_link("frontdesk:week", date=(monday + timedelta(days=7)).isoformat(), **here),
        today_url=_link("frontdesk:week", **here),
        day_url=_link("frontdesk:day", date=monday.isoformat(), location=here["location"]),
    )
    return TemplateResponse(request, "frontdesk/calendar.html", context)


@require_GET
@desk_page
def version_view(request: HttpRequest) -> HttpResponse:
    """Answer the calendar's current version (304 when the If-None-Match tag is still current; staff only)."""
    locations = list(Location.objects.active())
    location = _location(request, locations)
    day = _day(request, location)
    try:
        days = min(max(int(request.GET.get("days", 1)), 1), 7)
    except ValueError:
        days = 1
    tag = f'W/"{calendar.version(location, day, day + timedelta(days=days - 1))}"'
    if tag in [value.strip() for value in request.headers.get("If-None-Match", "").split(",")]:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = JsonResponse({"version": tag})
    response["ETag"] = tag
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
@desk_page
def history_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Return the session's history (the audit log) as an HTML fragment (staff with appointment view and change)."""
    appointment = get_object_or_404(Appointment, pk=pk)
    return HttpResponse(history_table(Event.objects.for_appointment(appointment.pk).select_related("actor")))
