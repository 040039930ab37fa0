"""The portal's part in courses of care: a session's back-pain measures and home plan, and the week's progress marks.

Every page is for the session's own therapist (another therapist's session answers 404);
writes go through `courses.records`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from booking.exceptions import BookingError
from booking.models import Appointment, Status
from booking.policy import has_started
from courses import chart, records
from courses.forms import QUESTIONS, HomePlanForm, MeasuresForm
from courses.models import HomePlan, Measure
from courses.progress import Trend, progress_rows, trend, trends_by_series
from portal.permissions import therapist_required
from therapists.models import Therapist


def mark_progress(sessions: Iterable[Appointment]) -> None:
    """Attach each course session's trend (improving or not) for the schedule's cards (one query)."""
    listed = list(sessions)
    trends = trends_by_series(session.series for session in listed)
    for session in listed:
        course_trend = trends.get(session.series) if session.series else None
        session.course_trend = course_trend  # type: ignore[attr-defined]
        session.course_trend_label = Trend.LABELS.get(course_trend or "", "")  # type: ignore[attr-defined]


def course_panels(session: Appointment) -> dict[str, Any]:
    """Return what the session page shows of courses: the measures, the home plan and the course's chart."""
    started = has_started(session, now=timezone.now())
    open_for_records = started and session.status != Status.CANCELLED
    measure = Measure.objects.filter(appointment=session).first()
    plan = HomePlan.objects.filter(appointment=session).prefetch_related("items").first()
    context: dict[str, Any] = {
        "measure": measure,
        "measure_questions": QUESTIONS,
        "home_plan": plan,
        "can_record_course": open_for_records,
        "measures_form": None,
        "home_plan_form": None,
    }
    if open_for_records:
        initial = (
            {
                "pain_now": measure.pain_now,
                "pain_worst_week": measure.pain_worst_week,
                "interference": measure.interference,
            }
            if measure
            else None
        )
        context["measures_form"] = MeasuresForm(initial=initial, prefix="measures")
        plan_initial = (
            {
                "items": list(plan.items.all()),
                "note": plan.note,
                "recommend_interval_weeks": plan.recommend_interval_weeks,
                "recommend_sessions": plan.recommend_sessions,
            }
            if plan
            else None
        )
        context["home_plan_form"] = HomePlanForm(initial=plan_initial, prefix="plan")
    course = records.course_of(session)
    if course is not None:
        rows = progress_rows(course)
        course_trend = trend(rows)
        context.update(
            course=course,
            rows=rows,
            chart=chart.draw(rows, ident=f"course-{course.pk}", title="The patient's back pain over the course"),
            trend_label=Trend.LABELS[course_trend],
        )
    return context


def _own_session(therapist: Therapist, pk: int) -> Appointment:
    return get_object_or_404(Appointment.objects.for_therapist(therapist), pk=pk)


@require_POST
@therapist_required
def session_measures(request: HttpRequest, therapist: Therapist, pk: int) -> HttpResponse:
    """Record the session's measures as the patient gives them at the session."""
    session = _own_session(therapist, pk)
    form = MeasuresForm(request.POST, prefix="measures")
    if not form.is_valid():
        messages.error(request, "Choose a number from 0 to 10 for each question.")
    else:
        try:
            records.record_measures(appointment=session, by=therapist.user, scores=form.scores())
        except BookingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Measures saved.")
    return redirect(reverse("therapists:session", kwargs={"pk": session.pk}) + "#measures")


@require_POST
@therapist_required
def session_home_plan(request: HttpRequest, therapist: Therapist, pk: int) -> HttpResponse:
    """Set the home-care plan the patient sees in their account and in the follow-up e-mail."""
    session = _own_session(therapist, pk)
    form = HomePlanForm(request.POST, prefix="plan")
    if not form.is_valid():
        problems = "; ".join(str(error) for errors in form.errors.values() for error in errors)
        messages.error(request, f"Please check the home plan: {problems}")
    else:
        try:
            records.set_home_plan(appointment=session, by=therapist.user, data=form.plan_data())
        except BookingError as exc:
            messages.error(request, exc.message + "".join(f" {message}" for message in exc.fields.values()))
        else:
            messages.success(request, "Home plan saved; the patient sees it in their account and gets it by e-mail.")
    return redirect(reverse("therapists:session", kwargs={"pk": session.pk}) + "#home-plan")
