"""How the payment e-mails read: the receipt of a paid charge, and the notice of one declined with a pay-now link."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse

from booking.models import Notification, NotificationKind
from notifications.notice_kinds import PatientNotice, register
from payments import services
from payments.models import Charge, ChargeState
from payments.policy import money


def _charge(notification: Notification) -> Charge:
    assert notification.subject_id is not None
    return Charge.objects.select_related("appointment").get(pk=notification.subject_id)


def receipt_context(notification: Notification, now: datetime) -> dict[str, Any]:
    """Return what a receipt shows: the clinic, the service, the amounts and the card's last four digits."""
    charge = _charge(notification)
    return {
        "charge": charge,
        "charge_kind": charge.get_kind_display(),
        "amount": money(charge.amount, charge.currency),
        "tip": money(charge.tip, charge.currency) if charge.tip else "",
        "total": money(charge.total, charge.currency),
        "method": charge.get_method_display(),
        "card_last4": charge.card_last4,
        "receipt_url": settings.SITE_URL + reverse("payments:receipt", args=[charge.pk]),
        "balance_left": money(services.balance_due(charge.appointment), charge.currency),
    }


def payment_due_context(notification: Notification, now: datetime) -> dict[str, Any]:
    """Return what the pay-now notice shows: the fee, why the card failed, and the link to pay."""
    charge = _charge(notification)
    return {
        "charge": charge,
        "charge_kind": charge.get_kind_display(),
        "total": money(charge.total, charge.currency),
        "failure_message": charge.failure_message,
        "pay_url": settings.SITE_URL + reverse("payments:pay", args=[charge.pk]),
    }


def payment_due_obsolete(notification: Notification, now: datetime) -> str:
    """A fee paid or waived since needs no pay-now e-mail."""
    assert notification.subject_id is not None
    state = Charge.objects.filter(pk=notification.subject_id).values_list("state", flat=True).first()
    if state in (ChargeState.SUCCEEDED, ChargeState.WAIVED):
        return "The charge was settled since."
    return ""


register(
    NotificationKind.RECEIPT,
    PatientNotice(
        template="receipt",
        subject=lambda c: f"Receipt: {c['charge_kind']}, {c['total']}, {c['clinic_name']}",
        context=receipt_context,
    ),
)
register(
    NotificationKind.PAYMENT_DUE,
    PatientNotice(
        template="payment_due",
        subject=lambda c: f"Payment needed: {c['charge_kind']} of {c['total']}",
        context=payment_due_context,
        obsolete=payment_due_obsolete,
    ),
)
