"""The ledger's pieces of admin beyond the model lists: its filters, the CSV of charges, and the money's words."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date

from booking.admin_views import BYTE_ORDER_MARK, spreadsheet_cell
from booking.availability import clinic_day_bounds
from clinic import dates
from payments.models import OWED_STATES, Charge, ChargeState, RefundState

OWED, DECLINED, REFUNDED = "owed", "failed", "refunded"
RECENT_DAYS = 7

CSV_COLUMNS = [
    "charge",
    "created",
    "settled",
    "appointment",
    "session start",
    "patient",
    "kind",
    "method",
    "card last4",
    "state",
    "amount",
    "tip",
    "total",
    "refunded",
    "currency",
]


class StandingFilter(admin.SimpleListFilter):
    """The charges to look at: still owed, declined, or with money given back."""

    title = "standing"
    parameter_name = "standing"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(OWED, "Owed (waiting, to be charged, declined)"), (DECLINED, "Declined"), (REFUNDED, "Refunded")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Charge]) -> QuerySet[Charge]:
        if self.value() == OWED:
            return queryset.filter(state__in=OWED_STATES)
        if self.value() == DECLINED:
            return queryset.filter(state=ChargeState.FAILED)
        if self.value() == REFUNDED:
            return queryset.filter(refunds__isnull=False).exclude(refunds__state=RefundState.FAILED).distinct()
        return queryset


class DayFilter(admin.SimpleListFilter):
    """One clinic day (YYYY-MM-DD) of the rows' creation, in the clinic's zone; the last week offered."""

    title = "day"
    parameter_name = "day"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        today = timezone.localdate()
        recent = [today - timedelta(days=back) for back in range(RECENT_DAYS)]
        chosen = self.day()
        if chosen is not None and chosen not in recent:
            recent.append(chosen)
        names = {today: "Today", today - timedelta(days=1): "Yesterday"}
        return [(day.isoformat(), names.get(day) or dates.short_day(day)) for day in recent]

    def day(self) -> date | None:
        try:
            return parse_date(self.value() or "")
        except ValueError:
            return None

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        day = self.day()
        if day is None:
            return queryset if not self.value() else queryset.none()
        start, end = clinic_day_bounds(day, day)
        return queryset.filter(created_at__gte=start, created_at__lt=end)


def _local(moment: Any) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def write_charges_csv(charges: Iterable[Charge], filename: str) -> HttpResponse:
    """Return the charges as a CSV download: exact decimal amounts, the patient's name, never health data."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(BYTE_ORDER_MARK)
    writer = csv.writer(response)
    zone = timezone.get_current_timezone_name()
    times = ("created", "settled", "session start")
    writer.writerow([f"{column} ({zone})" if column in times else column for column in CSV_COLUMNS])
    for charge in charges:
        appointment = charge.appointment
        patient = appointment.patient
        row = [
            charge.pk,
            _local(charge.created_at),
            _local(charge.settled_at),
            appointment.pk,
            _local(appointment.start),
            patient.get_full_name() or patient.email,
            charge.get_kind_display(),
            charge.get_method_display(),
            charge.card_last4,
            charge.get_state_display(),
            f"{charge.amount:.2f}",
            f"{charge.tip:.2f}",
            f"{charge.total:.2f}",
            f"{getattr(charge, 'refunded', 0):.2f}",
            charge.currency.upper(),
        ]
        writer.writerow([spreadsheet_cell(value) for value in row])
    return response
