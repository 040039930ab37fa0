"""The patient's waitlist API under /api/v1/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from waitlist import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("waitlist/", api.WaitlistView.as_view(), name="api-waitlist"),
    path("waitlist/<int:pk>/", api.WaitlistEntryView.as_view(), name="api-waitlist-entry"),
    path("waitlist/offers/<int:pk>/accept/", api.OfferAcceptView.as_view(), name="api-waitlist-offer-accept"),
    path("waitlist/offers/<int:pk>/decline/", api.OfferDeclineView.as_view(), name="api-waitlist-offer-decline"),
]
