"""The clinic's URL map: pages, the therapist portal, the REST API v1 and Django admin."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
