"""Charges and refunds on their way to Stripe: claimed, sent once, and settled once.

A row is claimed with a conditional update (pending -> sending, attempt + 1) before the
call, so two workers, a retried task or two beats never send it twice. The call carries
the idempotency key and metadata of (row, attempt). Settling is conditional on (sending,
attempt) too, so the worker, a webhook and the sweep settle a row once between them. If the
worker dies between Stripe's answer and our commit, the row stays `sending` and
payments.reconcile settles it from what Stripe says of that attempt.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from decimal import Decimal

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError

from audit import log as history
from audit.models import Kind
from booking import locks
from booking.models import Appointment, Status
from booking.policy import cancel_deadline
from payments import gateway, policy
from payments.models import Charge, ChargeKind, ChargeState, Customer, Refund, RefundState

logger = logging.getLogger(__name__)

CHARGE_TASK = "payments.tasks.send_charge"
REFUND_TASK = "payments.tasks.send_refund"
# What Stripe's refund statuses mean for our row; any other (pending, requires_action) waits.
REFUND_OUTCOMES = {"succeeded": RefundState.SUCCEEDED, "failed": RefundState.FAILED, "canceled": RefundState.FAILED}


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


def _too_late_to_call(claimed: float) -> bool:
    """Whether the claim is so old that the sweep could take it over while the call is on its way."""
    budget = settings.PAYMENTS_CLAIM_TIMEOUT.total_seconds() - gateway.CALL_TIMEOUT_SECONDS
    return time.monotonic() - claimed > budget


def send_charge(charge_id: int, *, now: datetime | None = None) -> str:
    """Charge the saved card for the row, once; return what happened."""
    now = now or timezone.now()
    charge = _claim_charge(charge_id, now=now)
    if charge is None:
        return "skipped"
    claimed = time.monotonic()
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
    if _too_late_to_call(claimed):
        # Stalled since the claim: Stripe has not been asked, and the sweep will find that out.
        logger.warning("Charge %s attempt %s stalled before its call; left for the sweep.", charge.pk, charge.attempts)
        return "unknown"
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


def _failure_message(status: str, message: str) -> str:
    if message:
        return message[:300]
    if status == "requires_action":
        return "The bank asks the patient to confirm this payment."
    if status == "canceled":
        return "The payment was cancelled before it was paid."
    return "The card was declined."


@transaction.atomic
def settle_charge(
    charge_id: int, *, attempt: int, status: str, provider_id: str = "", message: str = "", now: datetime | None = None
) -> bool:
    """Move a charge being sent to what Stripe says of the attempt; return whether it changed (once only)."""
    now = now or timezone.now()
    appointment_id = Charge.objects.values_list("appointment_id", flat=True).get(pk=charge_id)
    # booking.locks' order: the appointment before its charges. A cancellation or an outcome
    # (which read and change the charges) and this settlement then never interleave.
    appointment = locks.lock_appointment(appointment_id)
    if status == "processing":
        Charge.objects.filter(pk=charge_id, state=ChargeState.SENDING, attempts=attempt).update(
            provider_id=provider_id or None, claimed_at=now
        )
        return False
    succeeded = status == "succeeded"
    new_state = ChargeState.SUCCEEDED if succeeded else ChargeState.FAILED
    changes: dict[str, object] = {"state": new_state, "updated_at": now, "claimed_at": None}
    if provider_id:
        changes["provider_id"] = provider_id
    if succeeded:
        changes["settled_at"] = now
        changes["failure_message"] = ""
    else:
        changes["failure_message"] = _failure_message(status, message)
    updated = Charge.objects.filter(pk=charge_id, state=ChargeState.SENDING, attempts=attempt).update(**changes)
    if not updated:
        return False
    charge = Charge.objects.select_related("appointment").get(pk=charge_id)
    from payments import notices

    history.record(
        Kind.CHARGE_PAID if succeeded else Kind.CHARGE_FAILED,
        summary=f"{policy.describe(charge)}: {charge.get_state_display()}",
        by=None,
        appointment_id=appointment.pk,
        patient_id=appointment.patient_id,
        therapist_id=appointment.therapist_id,
        data={"charge": charge.pk, "attempt": attempt},
        at=now,
    )
    owed_back = _deposit_owed_back(charge, appointment)
    if succeeded:
        notices.record_receipt(charge, now=now)
        if owed_back > 0:
            from payments import services

            by = appointment.cancelled_by or appointment.patient
            services._new_refund(charge=charge, amount=owed_back, reason="Cancelled in time", by=by, now=now)
    elif owed_back >= charge.amount:
        # The deposit of a session cancelled in time meanwhile: there is nothing to ask the patient for.
        Charge.objects.filter(pk=charge.pk, state=ChargeState.FAILED).update(state=ChargeState.WAIVED, updated_at=now)
        history.record(
            Kind.CHARGE_WAIVED,
            summary=f"{policy.describe(charge)} waived: the session was cancelled in time",
            by=None,
            appointment_id=appointment.pk,
            patient_id=appointment.patient_id,
            therapist_id=appointment.therapist_id,
            data={"charge": charge.pk},
            at=now,
        )
    else:
        # After a late cancellation the declined deposit is owed as the fee's share it was to pay.
        Charge.objects.filter(pk=charge.pk).update(amount=charge.amount - owed_back, updated_at=now)
        notices.record_payment_due(charge, now=now)
    return True


def _deposit_owed_back(charge: Charge, appointment: Appointment) -> Decimal:
    """Return how much of a deposit that settled after its session was cancelled goes back to the patient.

    The cancellation saw the deposit being charged and left it to this settlement: all of it
    goes back for a cancellation in time; after a late one it counted towards the fee, and
    only what it paid above the fee goes back.
    """
    zero = Decimal("0.00")
    if charge.kind != ChargeKind.DEPOSIT or appointment.status != Status.CANCELLED:
        return zero
    if Refund.objects.filter(charge=charge).exists():
        return zero
    cancelled_at = appointment.cancelled_at or appointment.updated_at
    late = appointment.cancelled_by_id == appointment.patient_id and cancelled_at > cancel_deadline(appointment)
    if not late:
        return charge.amount
    terms = policy.terms_of(appointment)
    fee = terms.late_cancel_fee if terms is not None else zero
    return max(charge.amount - fee, zero)


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
    """Move a refund being sent to what Stripe says of it; return whether it changed (once only).

    Without an attempt (a webhook names the refund, not the attempt) any attempt in flight matches.
    """
    now = now or timezone.now()
    new_state = REFUND_OUTCOMES.get(status)
    rows = Refund.objects.filter(pk=refund_id, state=RefundState.SENDING)
    if attempt is not None:
        rows = rows.filter(attempts=attempt)
    if new_state is None:
        if provider_id:
            rows.update(provider_id=provider_id)
        return False
    changes: dict[str, object] = {"state": new_state, "claimed_at": None}
    if provider_id:
        changes["provider_id"] = provider_id
    if new_state == RefundState.SUCCEEDED:
        changes["settled_at"] = now
    else:
        changes["failure_message"] = (message or "Stripe refused the refund.")[:300]
    return bool(rows.update(**changes))
