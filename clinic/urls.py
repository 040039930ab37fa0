"""The clinic's URL map: pages, the therapist portal, the REST API v1 and Django admin."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from clinic.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/therapist/", include("therapists.api_urls")),
    path("api/v1/", include("booking.api.urls")),
    path("therapist/", include("therapists.urls")),
    path("", include("clinic.site_urls")),
]
