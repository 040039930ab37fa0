"""The dashboard's place inside the admin (its look and its sign-in)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, path

from website.views.dashboard import dashboard_view

urlpatterns: list[URLPattern] = [path("", admin.site.admin_view(dashboard_view), name="admin_dashboard")]
