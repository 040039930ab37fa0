"""The therapist portal's API under /api/v1/therapist/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from portal import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("schedule/", api.ScheduleView.as_view(), name="therapist-schedule"),
    path("working-hours/", api.WorkingHoursView.as_view(), name="therapist-working-hours"),
    path("time-off/", api.TimeOffListView.as_view(), name="therapist-time-off"),
    path("time-off/<int:pk>/", api.TimeOffDetailView.as_view(), name="therapist-time-off-detail"),
    path("sessions/<int:pk>/complete/", api.SessionCompleteView.as_view(), name="therapist-session-complete"),
    path("sessions/<int:pk>/no-show/", api.SessionNoShowView.as_view(), name="therapist-session-no-show"),
    path("sessions/<int:pk>/notes/", api.SessionNoteView.as_view(), name="therapist-session-notes"),
]
