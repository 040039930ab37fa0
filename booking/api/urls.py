"""REST API v1 routes."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import SimpleRouter

from booking.api import views

router = SimpleRouter()
router.register("massage-types", views.MassageTypeViewSet, basename="massage-type")
router.register("therapists", views.TherapistViewSet, basename="therapist")
router.register("locations", views.LocationViewSet, basename="location")
router.register("appointments", views.AppointmentViewSet, basename="appointment")
router.register("auth/tokens", views.ApiTokenViewSet, basename="api-token-entry")

urlpatterns: list[URLPattern | URLResolver] = [
    path("auth/register/", views.RegisterView.as_view(), name="api-register"),
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="api-logout"),
    path("auth/logout-all/", views.LogoutAllView.as_view(), name="api-logout-all"),
    path("availability/", views.AvailabilityView.as_view(), name="api-availability"),
    path("", include(router.urls)),
]
