"""The course API's routes, under /api/v1/courses/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import SimpleRouter

from courses import api

router = SimpleRouter()
router.register("", api.CourseViewSet, basename="course")

urlpatterns: list[URLPattern | URLResolver] = [path("", include(router.urls))]
