"""How the course e-mails read: the home-care plan after a session, and progress with the next course at its end."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from booking.intake import red_flag_labels
from booking.models import Notification, NotificationKind
from courses import chart
from courses.models import FollowUp, FollowUpKind, HomePlan
from courses.progress import Trend, progress_rows, trend
from courses.rebook import planner_values, rebook_token
from notifications.notice_kinds import PatientNotice, register


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def follow_up_context(notification: Notification, now: datetime) -> dict[str, Any]:
    """Return what a follow-up shows: the plan's items and note, or the course's progress and the links to go on."""
    assert notification.subject_id is not None
    follow_up = FollowUp.objects.select_related("appointment__massage_type", "course__massage_type").get(
        pk=notification.subject_id
    )
    appointment = follow_up.appointment
    context: dict[str, Any] = {
        "follow_up_kind": follow_up.kind,
        "account_url": _site(reverse("my_courses")),
        "see_doctor": red_flag_labels(list(appointment.red_flags)),
        "single_url": _site(reverse("book") + "?" + urlencode({"type": appointment.massage_type.slug})),
    }
    plan = HomePlan.objects.filter(appointment=appointment).prefetch_related("items").first()
    if plan is not None:
        context.update(plan=plan, items=list(plan.items.all()))
        if plan.recommends_course:
            values = {
                "type": appointment.massage_type.slug,
                "therapist": appointment.therapist_id,
                "every": plan.recommend_interval_weeks,
                "sessions": plan.recommend_sessions,
            }
            context["recommended_url"] = _site(reverse("course_plan") + "?" + urlencode(values))
    course = follow_up.course
    if follow_up.kind == FollowUpKind.COURSE_END and course is not None:
        rows = progress_rows(course)
        course_trend = trend(rows)
        context.update(
            course=course,
            rows=rows,
            chart=chart.draw(rows, ident=f"course-{course.pk}"),
            chart_summary=chart.describe(rows),
            trend=course_trend,
            trend_label=Trend.LABELS[course_trend],
            course_url=_site(reverse("course_detail", args=[course.pk])),
            rebook_url=_site(reverse("course_plan") + "?" + urlencode({"rebook": rebook_token(course)})),
            rebook_values=planner_values(course),
        )
    return context


def _subject(context: dict[str, Any]) -> str:
    if context["follow_up_kind"] == FollowUpKind.COURSE_END:
        return f"Your course of {context['massage_type']}: your progress and what comes next"
    return f"Your home-care plan after your {context['massage_type']} session"


register(
    NotificationKind.COURSE_FOLLOW_UP,
    PatientNotice(template="course_follow_up", subject=_subject, context=follow_up_context),
)
