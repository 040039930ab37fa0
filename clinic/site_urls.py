"""The patient's site: guidance, catalogue, therapists, booking flow and accounts."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
