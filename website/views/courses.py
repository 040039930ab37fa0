"""The patient's course pages: plan and book a course, see it (sessions, progress, home plan), cancel it.

Signed-in patients only; another person's course or session answers 404. Planning and
booking go through `courses.planning` and `courses.services`, the measures through
`courses.records`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from booking.exceptions import BookingError
from booking.intake import PROVIDER_CONSULTED_MESSAGE, RED_FLAGS, IntakeData, red_flag_labels
from booking.models import Appointment, Status
from clinic.models import User
from courses import chart, records, services
from courses.exceptions import CourseSessionRefused
from courses.forms import CourseRequestForm, MeasuresForm
from courses.models import Course, CourseStatus, HomePlan, reviewed
from courses.planning import CoursePlan, CourseRequest, Kind, plan_course
from courses.progress import Trend, progress_rows, trend
from courses.rebook import course_for_token, planner_values
from notifications.course_calendar import course_calendar
from therapists.models import Therapist
from website import guidance

OPTION_WORDS = {
    Kind.ASKED: "As asked",
    Kind.OTHER_TIME: "Another time that day",
    Kind.OTHER_THERAPIST: "Another therapist that day",
    Kind.OTHER_DAY: "Another day",
}
SKIP = "skip"


def _zone() -> ZoneInfo:
    zone = timezone.get_default_timezone()
    assert isinstance(zone, ZoneInfo)
    return zone


def _patient(request: HttpRequest) -> User:
    """Return the signed-in patient (login_required has turned anyone else away)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _own_course(request: HttpRequest, pk: int) -> Course:
    return get_object_or_404(
        Course.objects.select_related("massage_type", "therapist"), pk=pk, patient=_patient(request)
    )


def _option_value(start: datetime, therapist_id: int) -> str:
    return f"{start.isoformat()}|{therapist_id}"


def _plan_rows(course_plan: CoursePlan, therapists: dict[int, Therapist]) -> list[dict[str, Any]]:
    """Return each date of the plan with its options as the page's radio buttons show them."""
    rows = []
    for session in course_plan.sessions:
        options = [
            {
                "value": _option_value(option.start, option.therapist_id),
                "start": option.start.astimezone(course_plan.zone),
                "end": option.end.astimezone(course_plan.zone),
                "therapist": therapists.get(option.therapist_id),
                "words": OPTION_WORDS[option.kind],
                "proposed": option == session.proposal,
            }
            for option in session.options
        ]
        rows.append({"session": session, "options": options})
    return rows


def _intake(data: QueryDict) -> IntakeData:
    return IntakeData(
        red_flags=[key for key in data.getlist("red_flags") if key in RED_FLAGS],
        provider_consulted=data.get("provider_consulted") == "on",
    )


def _planner(
    request: HttpRequest,
    form: CourseRequestForm,
    *,
    error: str = "",
    status: int = 200,
    intake: IntakeData | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {
        "form": form,
        "error": error,
        "red_flags": list(RED_FLAGS.items()),
        "provider_consulted_message": PROVIDER_CONSULTED_MESSAGE,
        "intake": intake or IntakeData(),
        "doctor_first": red_flag_labels(list(intake.red_flags)) if intake else [],
        "guidance_reviewed": guidance.LAST_REVIEWED,
    }
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        course_request = CourseRequest(
            massage_type=data["type"],
            therapist=data["therapist"],
            weekday=data["weekday"],
            clock=data["time"],
            interval_weeks=data["every"],
            sessions=data["sessions"],
        )
        try:
            course_plan = plan_course(course_request, now=timezone.now(), zone=_zone(), patient_id=_patient(request).pk)
        except BookingError as exc:
            for name, message in exc.fields.items():
                form.add_error(name if name in form.fields else None, message)
            status = 400
        else:
            ids = {option.therapist_id for session in course_plan.sessions for option in session.options}
            therapists = {t.pk: t for t in Therapist.objects.filter(pk__in=ids)}
            context.update(plan=course_plan, rows=_plan_rows(course_plan, therapists), zone=course_plan.zone)
    return render(request, "site/courses/plan.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def course_plan(request: HttpRequest) -> HttpResponse:
    """Show every date of the asked course with alternatives where needed; on POST, book the accepted dates."""
    if request.method == "GET":
        values: dict[str, Any] = request.GET.dict()
        token = values.pop("rebook", "")
        if token:
            course = course_for_token(token, patient_id=_patient(request).pk)
            if course is None:
                messages.error(request, "That link has ended or is not yours; please choose the course again.")
            else:
                values = {**planner_values(course), **values}
        asked = {"type", "weekday", "time"} <= set(values)
        form = CourseRequestForm(values if asked else None, initial=values)
        return _planner(request, form)
    form = CourseRequestForm(request.POST)
    intake = _intake(request.POST)
    if not form.is_valid():
        return _planner(request, form, status=400, intake=intake)
    if intake.errors():
        # A red flag without a provider's word: see a doctor first, and nothing is booked.
        return _planner(request, form, error=PROVIDER_CONSULTED_MESSAGE, status=400, intake=intake)
    chosen = []
    for key in request.POST:
        value = request.POST.get(key, "")
        if not key.startswith("session-") or value == SKIP:
            continue
        start_text, _, therapist_text = value.partition("|")
        start = parse_datetime(start_text)
        if start is None or not therapist_text.isdigit():
            return _planner(request, form, error="Please choose an option for each date.", status=400, intake=intake)
        chosen.append(services.ChosenSession(start=start, therapist_id=int(therapist_text)))
    data = form.cleaned_data
    try:
        course = services.book_course(
            patient=_patient(request),
            massage_type=data["type"],
            therapist=data["therapist"],
            weekday=data["weekday"],
            clock=data["time"],
            time_zone=_zone().key,
            interval_weeks=data["every"],
            sessions=chosen,
            intake=intake,
        )
    except CourseSessionRefused as exc:
        # The plan is recomputed from what is free now: the lost date shows its alternatives.
        message = f"{exc.message} Here is your plan again with what is free now."
        return _planner(request, form, error=message, status=exc.status, intake=intake)
    except BookingError as exc:
        return _planner(request, form, error=exc.message, status=exc.status, intake=intake)
    messages.success(request, f"Your course of {course.sessions_planned} sessions is booked.")
    return redirect("course_detail", pk=course.pk)


def _progress_context(course: Course) -> dict[str, Any]:
    rows = progress_rows(course)
    course_trend = trend(rows)
    return {
        "rows": rows,
        "chart": chart.draw(rows, ident=f"course-{course.pk}"),
        "trend": course_trend,
        "trend_label": Trend.LABELS[course_trend],
    }


@login_required
@require_GET
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the patient's course: its sessions, the progress chart with its table, home plans, and cancel."""
    course = _own_course(request, pk)
    now = timezone.now()
    sessions = list(course.sessions().select_related("therapist", "room__location", "measure"))
    upcoming = [s for s in sessions if s.status == Status.CONFIRMED and s.start > now]
    next_session = upcoming[0] if upcoming else None
    plans = list(
        HomePlan.objects.filter(appointment__series=course.series)
        .select_related("appointment", "updated_by")
        .prefetch_related("items")
        .order_by("-appointment__start")
    )
    items = [item for plan in plans for item in plan.items.all()]
    measure = getattr(next_session, "measure", None) if next_session else None
    initial = (
        {"pain_now": measure.pain_now, "pain_worst_week": measure.pain_worst_week, "interference": measure.interference}
        if measure
        else None
    )
    context = {
        "course": course,
        "sessions": sessions,
        "next_session": next_session,
        "measures_form": MeasuresForm(initial=initial) if next_session else None,
        "plans": plans,
        "guidance_reviewed": reviewed(items) or guidance.LAST_REVIEWED,
        "doctor_first": red_flag_labels(sorted({flag for s in sessions for flag in s.red_flags})),
        "can_cancel": course.status == CourseStatus.BOOKED and bool(upcoming),
        **_progress_context(course),
    }
    return render(request, "site/courses/detail.html", context)


@login_required
@require_POST
def session_measures(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the patient's answers before one of their course's sessions."""
    session = get_object_or_404(Appointment.objects.for_patient(_patient(request)).filter(series__isnull=False), pk=pk)
    course = get_object_or_404(Course, series=session.series, patient=_patient(request))
    form = MeasuresForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please answer the three questions with a number from 0 to 10.")
    else:
        try:
            records.record_measures(appointment=session, by=_patient(request), scores=form.scores())
        except BookingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Thank you: your answers are saved for your therapist.")
    return redirect("course_detail", pk=course.pk)


@login_required
@require_POST
def course_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel the sessions of the course not yet held, each under the cancellation policy."""
    course = _own_course(request, pk)
    try:
        result = services.cancel_course(course=course, by=_patient(request))
    except BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Course cancelled: {len(result.cancelled)} session(s) cancelled.")
        for appointment, reason in result.kept:
            messages.warning(request, f"Kept: the session of {timezone.localtime(appointment.start):%b %d}. {reason}")
    return redirect("course_detail", pk=course.pk)


@login_required
@require_GET
def course_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """Download every session of the course as one .ics file (one event each)."""
    course = _own_course(request, pk)
    sessions = list(course.sessions().select_related("massage_type", "therapist", "room__location"))
    response = HttpResponse(course_calendar(sessions, now=timezone.now()), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="massage-course-{course.pk}.ics"'
    return response


@login_required
@require_GET
def my_courses(request: HttpRequest) -> HttpResponse:
    """List the patient's courses, their latest home-care plan and any course their therapist recommends."""
    patient = _patient(request)
    courses = list(Course.objects.filter(patient=patient).select_related("massage_type", "therapist"))
    plan = (
        HomePlan.objects.filter(appointment__patient=patient)
        .select_related("appointment__massage_type", "appointment__therapist", "appointment__room__location")
        .prefetch_related("items")
        .order_by("-appointment__start")
        .first()
    )
    items = list(plan.items.all()) if plan else []
    context = {
        "courses": courses,
        "plan": plan,
        "recommended_url": recommended_url(plan) if plan and plan.recommends_course else "",
        "guidance_reviewed": reviewed(items) or guidance.LAST_REVIEWED,
    }
    return render(request, "site/courses/list.html", context)


def recommended_url(plan: HomePlan) -> str:
    """Return the planner's address filled in with the therapist's recommended course, at the session's day and time."""
    session = plan.appointment
    local = session.start.astimezone(session.zone)
    values = {
        "type": session.massage_type.slug,
        "therapist": session.therapist_id,
        "weekday": local.weekday(),
        "time": f"{local:%H:%M}",
        "every": plan.recommend_interval_weeks,
        "sessions": plan.recommend_sessions,
    }
    return reverse("course_plan") + "?" + urlencode(values)
