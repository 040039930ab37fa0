"""The clinic dashboard inside the admin: today's sessions, the week's utilisation, the month's rates."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from booking.availability import clinic_week
from website import dashboard


def dashboard_view(request: HttpRequest) -> HttpResponse:
    """Show today's sessions, this week's utilisation and the last 30 days' rates (staff who may view appointments)."""
    if not request.user.has_perm("booking.view_appointment"):
        raise PermissionDenied
    now = timezone.now()
    week_start, _ = clinic_week(now)
    context = {
        **admin.site.each_context(request),
        "title": "Clinic dashboard",
        "now": now,
        "today": timezone.localdate(now),
        "week_first": timezone.localdate(week_start),
        "week_last": timezone.localdate(week_start) + timedelta(days=6),
        "sessions": dashboard.sessions_today(now),
        "utilisation": dashboard.week_utilisation(now),
        "no_show": dashboard.no_show_rate(now),
        "late_cancellation": dashboard.late_cancellation_rate(now),
        "period_days": dashboard.RATE_PERIOD.days,
        "window_hours": f"{settings.CANCELLATION_WINDOW.total_seconds() / 3600:g}",
    }
    return TemplateResponse(request, "admin/clinic_dashboard.html", context)
