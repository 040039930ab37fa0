"""The patient's payment API under /api/v1/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from payments import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("payment-methods/setup/", api.PaymentMethodSetupView.as_view(), name="api-payment-methods-setup"),
    path("payment-methods/", api.PaymentMethodListView.as_view(), name="api-payment-methods"),
    path("payment-methods/<int:pk>/", api.PaymentMethodDetailView.as_view(), name="api-payment-method"),
    path("payments/", api.ChargeListView.as_view(), name="api-payments"),
    path("payments/<int:pk>/pay/", api.PayNowView.as_view(), name="api-payment-pay"),
    path("payments/<int:pk>/pay/finish/", api.PayNowFinishView.as_view(), name="api-payment-pay-finish"),
]
