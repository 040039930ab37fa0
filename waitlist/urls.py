"""The waitlist's pages under /waitlist/: join, leave, and an offer's one-click confirm page."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from waitlist import views

app_name = "waitlist"

urlpatterns: list[URLPattern | URLResolver] = [
    path("join/", views.join, name="join"),
    path("entries/<int:pk>/leave/", views.leave, name="leave"),
    path("offers/<str:token>/", views.offer_page, name="offer"),
    path("offers/<str:token>/accept/", views.accept, name="accept"),
    path("offers/<str:token>/decline/", views.decline, name="decline"),
]
