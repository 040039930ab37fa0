"""The two-factor pages under /accounts/two-factor/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from clinic.two_factor import views

app_name = "two_factor"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.enrol, name="enrol"),
    path("verify/", views.verify, name="verify"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
]
