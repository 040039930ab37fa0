"""The front desk's calendar, mounted at /admin/calendar/ by clinic.urls (inside the admin's look and gate)."""

from __future__ import annotations

from django.urls import URLPattern, path

from frontdesk import api, payments, views

app_name = "frontdesk"

urlpatterns: list[URLPattern] = [
    path("", views.day_view, name="day"),
    path("week/", views.week_view, name="week"),
    path("version/", views.version_view, name="version"),
    path("sessions/<int:pk>/history/", views.history_view, name="history"),
    path("api/patients/", api.patients, name="patients"),
    path("api/options/", api.options, name="options"),
    path("api/next-free/", api.next_free, name="next_free"),
    path("api/book/", api.book, name="book"),
    path("api/move/", api.move, name="move"),
    path("api/cancel/", api.cancel, name="cancel"),
    path("api/mark/", api.mark, name="mark"),
    path("api/payments/", payments.ledger, name="payments"),
    path("api/pay/", payments.pay, name="pay"),
    path("api/refund/", payments.refund, name="refund"),
    path("api/approve-fee/", payments.approve_fee, name="approve_fee"),
    path("api/waive-fee/", payments.waive_fee, name="waive_fee"),
]
