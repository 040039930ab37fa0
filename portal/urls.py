"""The therapist portal's pages under /therapist/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from portal import course_views, views

app_name = "therapists"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.day, name="day"),
    path("week/", views.week, name="week"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/outcome/", views.session_outcome, name="session_outcome"),
    path("sessions/<int:pk>/note/", views.session_note, name="session_note"),
    path("sessions/<int:pk>/measures/", course_views.session_measures, name="session_measures"),
    path("sessions/<int:pk>/home-plan/", course_views.session_home_plan, name="session_home_plan"),
    path("hours/", views.working_hours, name="working_hours"),
    path("time-off/", views.time_off, name="time_off"),
    path("time-off/<int:pk>/delete/", views.time_off_delete, name="time_off_delete"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/regenerate/", views.calendar_regenerate, name="calendar_regenerate"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
]
