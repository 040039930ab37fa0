"""The therapist portal's pages: schedule, session (intake, outcome, notes), working hours, time off, calendar feed.

Every page is for the signed-in therapist only (`therapist_required`); another therapist's
session or time off answers 404. Writes go through `portal.services`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import Event
from booking.exceptions import BookingError
from booking.models import Appointment
from booking.policy import has_started
from clinic import dates
from locations.models import Location
from portal import services
from portal.course_views import course_panels, mark_progress
from portal.feed import build_feed
from portal.forms import (
    OutcomeForm,
    SessionNoteForm,
    TimeOffForm,
    WorkingHoursFormSet,
    submit_time_off,
)
from portal.permissions import therapist_required
from portal.schedule import (
    group_by_day,
    red_flags_of,
    requested_date,
    sessions_between,
    sessions_outside_hours,
    week_of,
    zones_of,
)
from therapists.models import SessionNote, Therapist, TimeOff


def _own_session(therapist: Therapist, pk: int) -> Appointment:
    return get_object_or_404(
        Appointment.objects.sessions()
        .for_therapist(therapist)
        .select_related("patient", "massage_type", "room__location"),
        pk=pk,
    )


def _annotate(sessions: Any) -> list[Appointment]:
    """Attach the red-flag wording to each session for the templates."""
    result = list(sessions)
    for session in result:
        session.red_flag_items = red_flags_of(session)
    mark_progress(result)
    return result


@require_GET
@therapist_required
def day(request: HttpRequest, therapist: Therapist) -> HttpResponse:
    """Show the therapist's sessions of one day with each patient's intake."""
    shown = requested_date(request.GET.get("date"))
    sessions = _annotate(sessions_between(therapist, shown, shown))
    return render(
        request,
        "therapists/day.html",
        {
            "therapist": therapist,
            "day": shown,
            "today": timezone.localdate(),
            "previous": shown - timedelta(days=1),
            "next": shown + timedelta(days=1),
            "sessions": sessions,
            "zones": zones_of(sessions),
            "section": "day",
        },
    )


@require_GET
@therapist_required
def week(request: HttpRequest, therapist: Therapist) -> HttpResponse:
    """Show the therapist's sessions of one week, Monday to Sunday."""
    shown = requested_date(request.GET.get("date"))
    days = week_of(shown)
    sessions = _annotate(sessions_between(therapist, days[0], days[-1]))
    return render(
        request,
        "therapists/week.html",
        {
            "therapist": therapist,
            "days": group_by_day(sessions, days),
            "zones": zones_of(sessions),
            "first": days[0],
            "last": days[-1],
            "today": timezone.localdate(),
            "previous": days[0] - timedelta(days=7),
            "next": days[0] + timedelta(days=7),
            "section": "week",
        },
    )


def _render_session(
    request: HttpRequest, therapist: Therapist, session: Appointment, note_form: SessionNoteForm | None = None
) -> HttpResponse:
    note = SessionNote.objects.filter(appointment=session).select_related("updated_by").first()
    revisions = list(note.revisions.select_related("author")) if note else []
    if note_form is None:
        initial: dict[str, Any] = {"revision": note.revision if note else 0}
        if note:
            initial.update(
                subjective=note.subjective,
                objective=note.objective,
                assessment=note.assessment,
                plan=note.plan,
                pain_after=note.pain_after,
            )
        note_form = SessionNoteForm(initial=initial)
    session.red_flag_items = red_flags_of(session)  # type: ignore[attr-defined]
    started = has_started(session, now=timezone.now())
    return render(
        request,
        "therapists/session.html",
        {
            "therapist": therapist,
            "session": session,
            "zones": [session.zone.key],
            "note": note,
            "revisions": revisions,
            "history": Event.objects.for_appointment(session.pk),
            "note_form": note_form,
            "started": started,
            # The outcome and the note are offered only when booking.services would accept them.
            "can_record_outcome": started and session.status != "cancelled",
            "can_write_note": started and session.status != "cancelled",
            "section": "day",
            **course_panels(session),
        },
        status=400 if note_form.errors else 200,
    )


@require_GET
@therapist_required
def session_detail(request: HttpRequest, therapist: Therapist, pk: int) -> HttpResponse:
    """Show one session: the intake, the outcome buttons and the treatment note with its history."""
    return _render_session(request, therapist, _own_session(therapist, pk))


@require_POST
@therapist_required
def session_outcome(request: HttpRequest, therapist: Therapist, pk: int) -> HttpResponse:
    """Mark the session completed or no-show (only once it has started)."""
    session = _own_session(therapist, pk)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose completed or no-show.")
    else:
        try:
            updated = services.record_outcome(
                appointment=session, by=therapist.user, outcome=form.cleaned_data["outcome"]
            )
        except BookingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Session marked {updated.get_status_display().lower()}.")
    return redirect("therapists:session", pk=session.pk)


@require_POST
@therapist_required
def session_note(request: HttpRequest, therapist: Therapist, pk: int) -> HttpResponse:
    """Save the session's treatment note as a new revision."""
    session = _own_session(therapist, pk)
    form = SessionNoteForm(request.POST)
    if not form.is_valid():
        return _render_session(request, therapist, session, form)
    try:
        services.save_session_note(
            appointment=session,
            by=therapist.user,
            data=form.note_data(),
            expected_revision=form.cleaned_data["revision"],
        )
    except BookingError as exc:
        for name, message in exc.fields.items():
            form.add_error(name if name in form.fields else None, message)
        if not exc.fields:
            form.add_error(None, exc.message)
        return _render_session(request, therapist, session, form)
    messages.success(request, "Treatment note saved.")
    return redirect(reverse("therapists:session", kwargs={"pk": session.pk}) + "#note")


@require_http_methods(["GET", "POST"])
@therapist_required
def working_hours(request: HttpRequest, therapist: Therapist) -> HttpResponse:
    """Edit the weekly working hours, each span at a location; several spans a day make breaks."""
    locations = list(Location.objects.active())
    if request.method == "POST":
        formset = WorkingHoursFormSet(request.POST, locations=locations)
        if formset.is_valid():
            try:
                spans = formset.spans()
                services.set_working_hours(therapist=therapist, spans=spans, by=therapist.user)
            except BookingError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "Working hours saved. Patients can book the new hours right away.")
                outside = sessions_outside_hours(therapist, timezone.now())
                if outside:
                    first = timezone.localtime(outside[0].start, outside[0].zone)
                    # Changing hours never cancels anyone: say so, and point to time off for that.
                    messages.warning(
                        request,
                        f"{len(outside)} booked session(s) now fall outside your hours and stay booked, "
                        f"the first on {dates.moment(first, first.tzinfo)}. "
                        "To cancel them, add time off over them.",
                    )
                return redirect("therapists:working_hours")
    else:
        initial = [
            {"weekday": span.weekday, "start": span.start, "end": span.end, "location": span.location_id}
            for span in therapist.working_hours.all()
        ]
        formset = WorkingHoursFormSet(initial=initial, locations=locations)
    return render(
        request,
        "therapists/working_hours.html",
        {
            "therapist": therapist,
            "formset": formset,
            "locations": locations,
            "asks_location": len(locations) > 1,
            "section": "hours",
        },
        status=400 if request.method == "POST" else 200,
    )


def _time_off_page(
    request: HttpRequest,
    therapist: Therapist,
    form: TimeOffForm,
    conflicts: list[Appointment] | None = None,
    choice_missing: bool = False,
) -> HttpResponse:
    upcoming = TimeOff.objects.filter(therapist=therapist, end__gt=timezone.now()).order_by("start")
    return render(
        request,
        "therapists/time_off.html",
        {
            "therapist": therapist,
            "form": form,
            "conflicts": conflicts or [],
            "choice_missing": choice_missing,
            "time_off": upcoming,
            "section": "time_off",
        },
        status=200 if request.method == "GET" else (409 if conflicts else 400),
    )


@require_http_methods(["GET", "POST"])
@therapist_required
def time_off(request: HttpRequest, therapist: Therapist) -> HttpResponse:
    """List and add time off; a range covering booked sessions asks first whether to keep or cancel them."""
    if request.method == "GET":
        return _time_off_page(request, therapist, TimeOffForm())
    form = TimeOffForm(request.POST)
    if not form.is_valid():
        return _time_off_page(request, therapist, form)
    answer = submit_time_off(form, therapist=therapist, by=therapist.user)
    if answer.question is not None:
        return _time_off_page(
            request, therapist, answer.question, conflicts=answer.conflicts, choice_missing=answer.choice_missing
        )
    result = answer.result
    if result is None:
        return _time_off_page(request, therapist, form)
    if result.cancelled:
        messages.success(
            request, f"Time off added; {len(result.cancelled)} session(s) cancelled and the patients notified."
        )
    elif result.kept:
        messages.success(request, f"Time off added; you kept {len(result.kept)} session(s) in it.")
    else:
        messages.success(request, "Time off added.")
    return redirect("therapists:time_off")


@require_POST
@therapist_required
def time_off_delete(request: HttpRequest, therapist: Therapist, pk: int) -> HttpResponse:
    """Remove one of the therapist's time off ranges."""
    entry = get_object_or_404(TimeOff, pk=pk, therapist=therapist)
    services.remove_time_off(time_off=entry, by=therapist.user)
    messages.success(request, "Time off removed; those hours are bookable again.")
    return redirect("therapists:time_off")


@require_GET
@therapist_required
def calendar(request: HttpRequest, therapist: Therapist) -> HttpResponse:
    """Show the therapist's personal calendar subscription URL."""
    feed_url = request.build_absolute_uri(reverse("therapists:feed", kwargs={"token": therapist.calendar_token}))
    return render(
        request, "therapists/calendar.html", {"therapist": therapist, "feed_url": feed_url, "section": "calendar"}
    )


@require_POST
@therapist_required
def calendar_regenerate(request: HttpRequest, therapist: Therapist) -> HttpResponse:
    """Replace the feed token: the old subscription URL stops working."""
    services.regenerate_calendar_token(therapist=therapist)
    messages.success(request, "New calendar link made; the old link no longer works. Update your calendar app.")
    return redirect("therapists:calendar")


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """Serve the iCalendar feed of the therapist whose secret token is in the URL (no sign-in; 404 if unknown)."""
    therapist = Therapist.objects.filter(calendar_token=token, is_active=True).first()
    if therapist is None:
        raise Http404("No such calendar.")
    response = HttpResponse(build_feed(therapist), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="sessions.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
