"""The calendar's small JSON endpoints (staff only): find a patient, what fits a cell, and the changes.

Every change is one call of a booking service; a refusal answers in the API's one error
shape with the reason and the nearest free times. Bodies are JSON.
"""

from __future__ import annotations

import json
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from booking import services
from booking.availability import find_slots
from booking.exceptions import BookingError
from booking.intake import IntakeData
from booking.models import Appointment, MassageType
from booking.slot_reads import suitable_rooms
from clinic import dates
from clinic.errors import error_body
from clinic.models import User, normalize_phone
from frontdesk.access import desk_api
from frontdesk.calendar import card, first_visit
from frontdesk.callers import NewCallerForm, create_caller
from frontdesk.refusals import explain, staff_horizon
from locations.models import Location, Room
from therapists.models import Therapist

SEARCH_LIMIT = 10
NEXT_FREE_DAYS = 28


class BadRequest(Exception):
    """The request itself is wrong: answer 400 (or another status) in the error shape."""

    def __init__(self, message: str, fields: dict[str, str] | None = None, *, code: str = "invalid", status: int = 400):
        super().__init__(message)
        self.message, self.fields, self.code, self.status = message, fields or {}, code, status


def _error(exc: BadRequest) -> JsonResponse:
    return JsonResponse(error_body(exc.code, exc.message, exc.fields), status=exc.status)


def _body(request: HttpRequest) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise BadRequest(
            "Send the request body as JSON, with the header Content-Type: application/json.",
            code="unsupported_media_type",
            status=415,
        )
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The request body is not valid JSON.", code="malformed_json") from None
    if not isinstance(data, dict):
        raise BadRequest("The request body is a JSON object.", code="malformed_json")
    return data


def _id(data: Any, name: str, *, required: bool = True) -> int | None:
    value: Any = data.get(name)
    if value is None or value == "":
        if required:
            raise BadRequest("Please check the highlighted fields.", {name: "This field is required."})
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadRequest("Please check the highlighted fields.", {name: "A whole number is required."})
    try:
        return int(value)
    except ValueError:
        raise BadRequest("Please check the highlighted fields.", {name: "A whole number is required."}) from None


def _start(data: Any, name: str = "start") -> datetime:
    value = data.get(name)
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None or timezone.is_naive(moment):
        raise BadRequest(
            "Please check the highlighted fields.", {name: "Give an ISO 8601 date and time with its offset."}
        )
    return moment


def _get(model: type[Model], pk: int | None, name: str) -> Any:
    found = model._default_manager.filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise BadRequest("Please check the highlighted fields.", {name: "Not found."})
    return found


def _appointment(data: dict[str, Any]) -> Appointment:
    pk = _id(data, "appointment")
    assert pk is not None  # required
    found = Appointment.objects.select_related("massage_type", "therapist", "room__location", "patient").filter(pk=pk)
    appointment = found.first()
    if appointment is None:
        raise BadRequest("Not found.", code="not_found", status=404)
    return appointment


def _staff(request: HttpRequest) -> User:
    return cast(User, request.user)


def _refused(exc: BookingError, **context: Any) -> JsonResponse:
    message, _ = explain(exc, **context)
    body = error_body(exc.code, message, dict(exc.fields))
    return JsonResponse(body, status=exc.status)


def _answer(appointment: Appointment, *, now: datetime, status: int = 200) -> JsonResponse:
    related = ("patient", "massage_type", "therapist", "room__location")
    fresh = Appointment.objects.select_related(*related).annotate(first_visit=first_visit()).get(pk=appointment.pk)
    return JsonResponse({"appointment": card(fresh, now=now, zone=fresh.room.location.zone)}, status=status)


def _json_view(view: Any) -> Any:
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return cast(HttpResponse, view(request, *args, **kwargs))
        except BadRequest as exc:
            return _error(exc)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@require_GET
@desk_api()
@_json_view
def patients(request: HttpRequest) -> HttpResponse:
    """Return up to ten patients whose name, e-mail or phone matches `q` (staff with appointment rights)."""
    query = (request.GET.get("q") or "").strip()
    if len(query) < 2:
        raise BadRequest("Please check the highlighted fields.", {"q": "Type at least two characters."})
    match = Q()
    for word in query.split()[:4]:
        match &= Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(digits) >= 3:
        match |= Q(phone__contains=digits)
        with suppress(ValidationError):  # not a whole phone number: the digits still match
            match |= Q(phone=normalize_phone(query))
    found = User.objects.filter(match, is_active=True, is_staff=False).order_by("last_name", "first_name", "email")
    return JsonResponse(
        {
            "patients": [
                {"id": user.pk, "name": user.get_full_name() or user.email, "email": user.email, "phone": user.phone}
                for user in found[:SEARCH_LIMIT]
            ]
        }
    )


@require_GET
@desk_api()
@_json_view
def options(request: HttpRequest) -> HttpResponse:
    """Return the massages the therapist offers that fit the free time at `start` (in the room, if one is given)."""
    therapist: Therapist = _get(Therapist, _id(request.GET, "therapist"), "therapist")
    location: Location = _get(Location, _id(request.GET, "location"), "location")
    room_id = _id(request.GET, "room", required=False)
    start = _start(request.GET)
    now = timezone.now()
    day = start.astimezone(location.zone).date()
    fitting = []
    for massage_type in therapist.massage_types.active().order_by("display_order", "name"):
        slots = find_slots(
            massage_type,
            day,
            day,
            [therapist],
            location=location,
            now=now,
            min_notice=timedelta(0),
            horizon=staff_horizon(start, now),
        )
        if not any(slot.start == start for slot in slots):
            continue
        if room_id is not None and not suitable_rooms(massage_type, location).filter(pk=room_id).exists():
            continue
        fitting.append(
            {
                "id": massage_type.pk,
                "name": massage_type.name,
                "duration_minutes": massage_type.duration_minutes,
                "price": str(massage_type.price),
            }
        )
    return JsonResponse({"massage_types": fitting})


@require_GET
@desk_api()
@_json_view
def next_free(request: HttpRequest) -> HttpResponse:
    """Return the first free start for the massage at the location (with one therapist, or any) from `after`."""
    massage_type: MassageType = _get(MassageType, _id(request.GET, "massage_type"), "massage_type")
    location: Location = _get(Location, _id(request.GET, "location"), "location")
    therapist_id = _id(request.GET, "therapist", required=False)
    therapists = [_get(Therapist, therapist_id, "therapist")] if therapist_id is not None else None
    now = timezone.now()
    after = _start(request.GET, "after") if request.GET.get("after") else now
    first_day = max(after, now).astimezone(location.zone).date()
    slots = find_slots(
        massage_type,
        first_day,
        first_day + timedelta(days=NEXT_FREE_DAYS),
        therapists,
        location=location,
        now=now,
        min_notice=timedelta(0),
        horizon=timedelta(days=NEXT_FREE_DAYS + 2) + (first_day - now.date()),
    )
    slot = next((slot for slot in slots if slot.start >= after), None)
    if slot is None:
        raise BadRequest(
            f"No free time for {massage_type} in the next {NEXT_FREE_DAYS} days.", code="no_free_time", status=404
        )
    start = slot.start.astimezone(location.zone)
    therapist = Therapist.objects.get(pk=slot.therapist_id)
    return JsonResponse(
        {
            "start": start.isoformat(),
            "date": start.date().isoformat(),
            "time": dates.clock(start.time()),
            "therapist_id": slot.therapist_id,
            "therapist": str(therapist),
            "massage_type": massage_type.pk,
        }
    )


def _intake(data: dict[str, Any]) -> IntakeData:
    given = data.get("intake") or {}
    if not isinstance(given, dict):
        raise BadRequest("Please check the highlighted fields.", {"intake": "An object of intake answers."})
    pain = given.get("pain_level")
    if pain is None or pain == "":
        pain_level = None
    else:
        try:
            pain_level = int(str(pain))
        except ValueError:
            raise BadRequest("Please check the intake answers.", {"pain_level": "A number from 0 to 10."}) from None
    return IntakeData(
        focus_areas=str(given.get("focus_areas") or "")[:300],
        pain_level=pain_level,
        pressure=str(given.get("pressure") or ""),
        health_notes=str(given.get("health_notes") or ""),
    )


@require_POST
@desk_api("booking.add_appointment")
@_json_view
def book(request: HttpRequest) -> HttpResponse:
    """Book a session taken by phone, for a known patient or a new caller (calendar staff who may add appointments)."""
    data = _body(request)
    therapist: Therapist = _get(Therapist, _id(data, "therapist"), "therapist")
    massage_type: MassageType = _get(MassageType, _id(data, "massage_type"), "massage_type")
    location: Location = _get(Location, _id(data, "location"), "location")
    room_id = _id(data, "room", required=False)
    room: Room | None = _get(Room, room_id, "room") if room_id is not None else None
    start = _start(data)
    intake = _intake(data)
    caller = None
    patient_id = _id(data, "patient", required=False)
    if patient_id is None:
        if not request.user.has_perm("clinic.add_user"):
            raise BadRequest(
                "Only staff who may add people can add a new caller.", code="permission_denied", status=403
            )
        caller = NewCallerForm(data.get("new_patient") or {})
        if not caller.is_valid():
            fields = {name: str(errors[0]) for name, errors in caller.errors.items()}
            raise BadRequest("Please check the new caller's details.", fields)
    now = timezone.now()
    try:
        with transaction.atomic():
            patient = create_caller(caller) if caller is not None else _get(User, patient_id, "patient")
            appointment = services.book(
                patient=patient,
                therapist=therapist,
                massage_type=massage_type,
                start=start,
                intake=intake,
                by=_staff(request),
                room=room,
                now=now,
            )
    except BookingError as exc:
        return _refused(exc, therapist=therapist, massage_type=massage_type, start=start, location=location, now=now)
    return _answer(appointment, now=now, status=201)


@require_POST
@desk_api()
@_json_view
def move(request: HttpRequest) -> HttpResponse:
    """Move a session to another start, therapist or room (calendar staff)."""
    data = _body(request)
    appointment = _appointment(data)
    start = _start(data)
    therapist_id = _id(data, "therapist", required=False)
    therapist: Therapist | None = _get(Therapist, therapist_id, "therapist") if therapist_id is not None else None
    room_id = _id(data, "room", required=False)
    room: Room | None = _get(Room, room_id, "room") if room_id is not None else None
    now = timezone.now()
    try:
        moved = services.reschedule(
            appointment=appointment, by=_staff(request), start=start, therapist=therapist, room=room, now=now
        )
    except BookingError as exc:
        return _refused(
            exc,
            therapist=therapist or appointment.therapist,
            massage_type=appointment.massage_type,
            start=start,
            location=room.location if room is not None else appointment.room.location,
            now=now,
            ignoring=appointment.pk,
        )
    return _answer(moved, now=now)


@require_POST
@desk_api()
@_json_view
def cancel(request: HttpRequest) -> HttpResponse:
    """Cancel a session with a reason, telling the patient or not (calendar staff)."""
    data = _body(request)
    appointment = _appointment(data)
    reason = str(data.get("reason") or "").strip()
    if not reason:
        raise BadRequest("Please check the highlighted fields.", {"reason": "Say why the session is cancelled."})
    notify = data.get("notify", True)
    if not isinstance(notify, bool):
        raise BadRequest("Please check the highlighted fields.", {"notify": "true or false."})
    now = timezone.now()
    try:
        cancelled = services.cancel(
            appointment=appointment, by=_staff(request), reason=reason, notify_patient=notify, now=now
        )
    except BookingError as exc:
        return JsonResponse(error_body(exc.code, exc.message, dict(exc.fields)), status=exc.status)
    return _answer(cancelled, now=now)


@require_POST
@desk_api()
@_json_view
def mark(request: HttpRequest) -> HttpResponse:
    """Record a session's outcome: completed or no-show (calendar staff)."""
    data = _body(request)
    appointment = _appointment(data)
    outcome = data.get("outcome")
    marks = {"completed": services.mark_completed, "no_show": services.mark_no_show}
    if outcome not in marks:
        raise BadRequest("Please check the highlighted fields.", {"outcome": "completed or no_show."})
    now = timezone.now()
    try:
        marked = marks[outcome](appointment=appointment, by=_staff(request), now=now)
    except BookingError as exc:
        return JsonResponse(error_body(exc.code, exc.message, dict(exc.fields)), status=exc.status)
    return _answer(marked, now=now)
