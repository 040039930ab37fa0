"""The patient's payment pages under /payments/ (the Stripe webhook's route sits beside them)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from payments import views, webhooks

app_name = "payments"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<int:pk>/pay/", views.pay, name="pay"),
    path("<int:pk>/receipt/", views.receipt, name="receipt"),
    path("webhook/", webhooks.webhook, name="webhook"),
]
