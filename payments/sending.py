"""Charges and refunds on their way to Stripe: claimed, sent once, settled, and reconciled after a crash.

A row is claimed with a conditional update (pending -> sending, attempt + 1) before the
call, so two workers, a retried task or two beats never send it twice. The call carries
the idempotency key and metadata of (row, attempt). If the worker dies between Stripe's
answer and our commit, the row stays `sending`; after the claim timeout the sweep asks
Stripe for that attempt by its metadata and settles the row from what Stripe says, or,
when Stripe never got it, puts it back to be sent. Never a second attempt while the first
may have charged.
"""

from __future__ import annotations

import logging
from datetime import datetime

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError

from audit import log as history
from audit.models import Kind
from payments import gateway, policy
from payments.gateway import Intent
from payments.models import Charge, ChargeKind, ChargeState, Customer, Refund, RefundState

logger = logging.getLogger(__name__)

CHARGE_TASK = "payments.tasks.send_charge"
REFUND_TASK = "payments.tasks.send_refund"


def enqueue(kind: str, row_id: int) -> None:
    """Hand the row to a worker; if the broker is down, the sweep sends it later."""
    task = current_app.tasks[CHARGE_TASK if kind == "charge" else REFUND_TASK]
    try:
        task.delay(row_id)
    except (OperationalError, OSError):
        logger.warning("Broker unavailable; %s %s waits for the sweep.", kind, row_id)


def _metadata(charge: Charge) -> dict[str, str]:
    return {
        "charge": str(charge.pk),
        "attempt": str(charge.attempts),
        "appointment": str(charge.appointment_id),
        "kind": charge.kind,
    }


def _claim_charge(charge_id: int, *, now: datetime) -> Charge | None:
    claimed = Charge.objects.filter(pk=charge_id, state=ChargeState.PENDING).update(
        state=ChargeState.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
    )
    if not claimed:
        return None
    return Charge.objects.select_related("appointment", "card").get(pk=charge_id)


def send_charge(charge_id: int, *, now: datetime | None = None) -> str:
    """Charge the saved card for the row, once; return what happened."""
    now = now or timezone.now()
    charge = _claim_charge(charge_id, now=now)
    if charge is None:
        return "skipped"
    customer = Customer.objects.filter(user_id=charge.appointment.patient_id).first()
    if charge.card is None or charge.card.removed_at is not None or customer is None:
        card = policy.saved_card(charge.appointment.patient_id)
        if card is None or customer is None:
            settle_charge(
                charge.pk, attempt=charge.attempts, status="requires_payment_method", message="No card on file."
            )
            return "failed"
        Charge.objects.filter(pk=charge.pk).update(card=card, card_last4=card.last4)
        charge.card = card
    assert charge.card is not None
    try:
        intent = gateway.charge_off_session(
            amount=charge.total,
            currency=charge.currency,
            customer=customer.provider_id,
            card=charge.card.provider_id,
            metadata=_metadata(charge),
            idempotency_key=charge.idempotency_key,
        )
    except gateway.CardError as exc:
        settle_charge(
            charge.pk,
            attempt=charge.attempts,
            status="requires_payment_method",
            message=exc.user_message or "Declined.",
        )
        return "failed"
    except gateway.StripeError:
        # The answer was lost or Stripe is down: it may have charged. The sweep asks Stripe later.
        logger.warning("Charge %s attempt %s unanswered; left for reconciliation.", charge.pk, charge.attempts)
        return "unknown"
    settle_charge(
        charge.pk,
        attempt=charge.attempts,
        status=intent.status,
        provider_id=intent.provider_id,
        message=intent.failure_message,
    )
    return intent.status


@transaction.atomic
def settle_charge(
    charge_id: int, *, attempt: int, status: str, provider_id: str = "", message: str = "", now: datetime | None = None
) -> bool:
    """Move a charge being sent to what Stripe says of the attempt; return whether it changed (once only)."""
    now = now or timezone.now()
    if status == "processing":
        Charge.objects.filter(pk=charge_id, state=ChargeState.SENDING).update(
            provider_id=provider_id or None, claimed_at=now
        )
        return False
    new_state = ChargeState.SUCCEEDED if status == "succeeded" else ChargeState.FAILED
    changes: dict[str, object] = {"state": new_state, "updated_at": now, "claimed_at": None}
    if provider_id:
        changes["provider_id"] = provider_id
    if new_state == ChargeState.SUCCEEDED:
        changes["settled_at"] = now
        changes["failure_message"] = ""
    else:
        changes["failure_message"] = (message or "The card was declined.")[:300]
    updated = Charge.objects.filter(pk=charge_id, state=ChargeState.SENDING, attempts=attempt).update(**changes)
    if not updated:
        return False
    charge = Charge.objects.select_related("appointment").get(pk=charge_id)
    from payments import notices

    history.record(
        Kind.CHARGE_PAID if new_state == ChargeState.SUCCEEDED else Kind.CHARGE_FAILED,
        summary=f"{policy.describe(charge)}: {charge.get_state_display()}",
        by=None,
        appointment_id=charge.appointment_id,
        patient_id=charge.appointment.patient_id,
        therapist_id=charge.appointment.therapist_id,
        data={"charge": charge.pk, "attempt": attempt},
        at=now,
    )
    if new_state == ChargeState.SUCCEEDED:
        notices.record_receipt(charge, now=now)
        _give_back_deposit_of_cancelled(charge, now=now)
    else:
        notices.record_payment_due(charge, now=now)
    return True


def _give_back_deposit_of_cancelled(charge: Charge, *, now: datetime) -> None:
    """A deposit that settled after its session was cancelled in time goes back."""
    from booking.models import Status
    from payments import services

    if charge.kind != ChargeKind.DEPOSIT:
        return
    appointment = charge.appointment
    late_fee = Charge.objects.filter(appointment=appointment, kind=ChargeKind.LATE_CANCEL_FEE).exists()
    if appointment.status == Status.CANCELLED and not late_fee and not Refund.objects.filter(charge=charge).exists():
        by = appointment.cancelled_by or appointment.patient
        services._new_refund(charge=charge, amount=charge.amount, reason="Cancelled in time", by=by, now=now)


def send_refund(refund_id: int, *, now: datetime | None = None) -> str:
    """Send the refund to Stripe, once; return what happened."""
    now = now or timezone.now()
    claimed = Refund.objects.filter(pk=refund_id, state=RefundState.PENDING).update(
        state=RefundState.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"
    row = Refund.objects.select_related("charge").get(pk=refund_id)
    if not row.charge.provider_id:
        settle_refund(row.pk, attempt=row.attempts, status="failed", message="The payment is not known to Stripe.")
        return "failed"
    try:
        provider_id, status = gateway.refund(
            payment_intent=row.charge.provider_id,
            amount=row.amount,
            currency=row.charge.currency,
            refund_id=row.pk,
            idempotency_key=row.idempotency_key,
        )
    except gateway.StripeError as exc:
        if getattr(exc, "http_status", None) in (400, 402, 404):
            settle_refund(row.pk, attempt=row.attempts, status="failed", message=str(exc.user_message or "Refused."))
            return "failed"
        logger.warning("Refund %s attempt %s unanswered; left for reconciliation.", row.pk, row.attempts)
        return "unknown"
    settle_refund(row.pk, attempt=row.attempts, status=status, provider_id=provider_id)
    return status


@transaction.atomic
def settle_refund(
    refund_id: int,
    *,
    attempt: int | None,
    status: str,
    provider_id: str = "",
    message: str = "",
    now: datetime | None = None,
) -> bool:
    """Move a refund to what Stripe says of it; return whether it changed."""
    now = now or timezone.now()
    if status == "pending":
        Refund.objects.filter(pk=refund_id, state=RefundState.SENDING).update(provider_id=provider_id or None)
        return False
    new_state = RefundState.SUCCEEDED if status == "succeeded" else RefundState.FAILED
    rows = Refund.objects.filter(pk=refund_id, state__in=(RefundState.SENDING, RefundState.PENDING))
    if attempt is not None:
        rows = rows.filter(attempts=attempt)
    changes: dict[str, object] = {"state": new_state, "claimed_at": None}
    if provider_id:
        changes["provider_id"] = provider_id
    if new_state == RefundState.SUCCEEDED:
        changes["settled_at"] = now
    else:
        changes["failure_message"] = message[:300]
    return bool(rows.update(**changes))


def reconcile(*, now: datetime | None = None) -> dict[str, int]:
    """Settle what a dead worker left in flight, and send what was never handed over; return the counts."""
    now = now or timezone.now()
    stale = now - settings.PAYMENTS_CLAIM_TIMEOUT
    counts = {"charges_settled": 0, "charges_resent": 0, "refunds_settled": 0, "refunds_resent": 0, "handed": 0}
    for charge in Charge.objects.filter(state=ChargeState.SENDING, claimed_at__lt=stale):
        intent = _intent_of(charge)
        if intent is None:
            # Stripe never got this attempt: it is sent again, as a new attempt.
            if Charge.objects.filter(pk=charge.pk, state=ChargeState.SENDING, attempts=charge.attempts).update(
                state=ChargeState.PENDING, claimed_at=None
            ):
                enqueue("charge", charge.pk)
                counts["charges_resent"] += 1
        elif intent.status in ("requires_confirmation", "requires_action") and charge.provider_id == intent.provider_id:
            # A pay-now the patient left unfinished: owed again.
            counts["charges_settled"] += settle_charge(
                charge.pk, attempt=charge.attempts, status="requires_payment_method", message="Payment not completed."
            )
        else:
            counts["charges_settled"] += settle_charge(
                charge.pk,
                attempt=charge.attempts,
                status=intent.status,
                provider_id=intent.provider_id,
                message=intent.failure_message,
            )
    for refund in Refund.objects.filter(state=RefundState.SENDING, claimed_at__lt=stale).select_related("charge"):
        found = gateway.find_refund(payment_intent=refund.charge.provider_id or "", refund_id=refund.pk)
        if found is None:
            if Refund.objects.filter(pk=refund.pk, state=RefundState.SENDING, attempts=refund.attempts).update(
                state=RefundState.PENDING, claimed_at=None
            ):
                enqueue("refund", refund.pk)
                counts["refunds_resent"] += 1
        else:
            counts["refunds_settled"] += settle_refund(
                refund.pk, attempt=refund.attempts, status=found[1], provider_id=found[0]
            )
    # Rows whose hand-off after commit was lost (broker down): older than a minute, never claimed.
    handed_before = now - (settings.PAYMENTS_CLAIM_TIMEOUT / 2)
    for charge_id in Charge.objects.filter(state=ChargeState.PENDING, created_at__lt=handed_before).values_list(
        "pk", flat=True
    ):
        enqueue("charge", charge_id)
        counts["handed"] += 1
    for refund_id in Refund.objects.filter(state=RefundState.PENDING, created_at__lt=handed_before).values_list(
        "pk", flat=True
    ):
        enqueue("refund", refund_id)
        counts["handed"] += 1
    return counts


def _intent_of(charge: Charge) -> Intent | None:
    if charge.provider_id:
        return gateway.retrieve_intent(charge.provider_id)
    return gateway.find_intent(charge_id=charge.pk, attempt=charge.attempts)
