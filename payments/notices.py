"""The patient's e-mails about money: a receipt for each paid charge, and a pay-now notice for one declined."""

from __future__ import annotations

from datetime import datetime

from booking import outbox
from booking.models import NotificationKind
from payments.models import Charge


def record_receipt(charge: Charge, *, now: datetime) -> None:
    """Record the receipt of a paid charge (once per charge), in the caller's transaction."""
    outbox.record_patient_notice(charge.appointment, NotificationKind.RECEIPT, subject_id=charge.pk, now=now)


def record_payment_due(charge: Charge, *, now: datetime) -> None:
    """Record the notice that a charge was declined and is owed, with the link to pay it (once per charge)."""
    outbox.record_patient_notice(charge.appointment, NotificationKind.PAYMENT_DUE, subject_id=charge.pk, now=now)
