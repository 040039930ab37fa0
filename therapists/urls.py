"""The therapist portal's pages under /therapist/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "therapists"
urlpatterns: list[URLPattern | URLResolver] = []
