"""The appointments' CSV export, beyond the admin's model lists."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils import timezone

from booking.models import Appointment

CSV_COLUMNS = [
    "booking",
    "start",
    "end",
    "therapist",
    "location",
    "room",
    "patient",
    "email",
    "phone",
    "massage_type",
    "status",
    "price",
]
# Spreadsheets read a CSV as UTF-8 (accents in names) only when it starts with a byte-order mark.
BYTE_ORDER_MARK = "\ufeff"
# A spreadsheet runs a cell that starts with one of these as a formula. A spreadsheet that
# splits on another separator (`;`, tab, `|`) or on line breaks starts a new cell after each
# of them, so a character that follows one inside our cell starts a cell too.
FORMULA_START = re.compile(r"(?:^|(?<=[,;\t|\r\n]))(?=[=+\-@\t\r])")


def spreadsheet_cell(value: object) -> str:
    """Return the value as text that no spreadsheet runs as a formula (a ' before each formula start)."""
    return FORMULA_START.sub("'", str(value))


def write_appointments_csv(appointments: Iterable[Appointment], filename: str) -> HttpResponse:
    """Return the appointments as a CSV download; health data (intake, notes) is left out."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(BYTE_ORDER_MARK)
    writer = csv.writer(response)
    # The times are wall-clock times in the clinic's zone, whatever the location's: one zone
    # per column, which the header names, so a spreadsheet can sort and subtract them.
    zone = timezone.get_current_timezone_name()
    writer.writerow([f"{column} ({zone})" if column in ("start", "end") else column for column in CSV_COLUMNS])
    for appointment in appointments:
        patient = appointment.patient
        row = [
            appointment.pk,
            f"{timezone.localtime(appointment.start):%Y-%m-%d %H:%M}",
            f"{timezone.localtime(appointment.end):%Y-%m-%d %H:%M}",
            appointment.therapist,
            appointment.room.location,
            appointment.room.name,
            patient.get_full_name(),
            patient.email,
            patient.phone,
            appointment.massage_type,
            appointment.get_status_display(),
            appointment.price,
        ]
        writer.writerow([spreadsheet_cell(value) for value in row])
    return response
