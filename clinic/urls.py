"""The clinic's URL map: pages, the therapist portal, the REST API v1 and Django admin."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from clinic.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/dashboard/", include("website.dashboard_urls")),
    path("admin/calendar/", include("frontdesk.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/therapist/", include("portal.api_urls")),
    path("api/v1/courses/", include("courses.api_urls")),
    path("api/v1/", include("booking.api.urls")),
    path("api/v1/", include("payments.api_urls")),
    path("api/v1/", include("waitlist.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    path("therapist/", include("portal.urls")),
    path("payments/", include("payments.urls")),
    path("waitlist/", include("waitlist.urls")),
    path("", include("website.urls")),
]

# Django's own 404 and 500 answer JSON in the API's error shape under /api/, pages elsewhere.
handler404 = "booking.api.errors.page_not_found"
handler500 = "booking.api.errors.server_error"
