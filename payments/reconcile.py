"""The sweep: what a dead worker left in flight is settled from Stripe's record, and lost hand-offs are sent.

A row still `sending` after PAYMENTS_CLAIM_TIMEOUT belongs to a worker that died or lost
Stripe's answer. Stripe is asked for that very attempt by its metadata (charge, attempt):
when Stripe has it, the row is settled from Stripe's record and nothing is sent again;
when Stripe never got it, the row goes back to `pending` and is sent as a new attempt.
Every step is a conditional update on (state, attempt), so two sweeps at once, or a sweep
racing a late worker or a webhook, change a row once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from payments import gateway
from payments.gateway import Intent
from payments.models import Charge, ChargeState, Refund, RefundState
from payments.sending import enqueue, settle_charge, settle_refund

logger = logging.getLogger(__name__)


def reconcile(*, now: datetime | None = None) -> dict[str, int]:
    """Settle what a dead worker left in flight, and send what was never handed over; return the counts."""
    now = now or timezone.now()
    stale = now - settings.PAYMENTS_CLAIM_TIMEOUT
    counts = {"charges_settled": 0, "charges_resent": 0, "refunds_settled": 0, "refunds_resent": 0, "handed": 0}
    resent: set[tuple[str, int]] = set()
    for charge in Charge.objects.filter(state=ChargeState.SENDING, claimed_at__lt=stale).order_by("pk"):
        try:
            outcome = _reconcile_charge(charge)
        except gateway.StripeError:
            logger.warning("Stripe unavailable; charge %s waits for the next sweep.", charge.pk)
            continue
        if outcome in counts:
            counts[outcome] += 1
        if outcome == "charges_resent":
            resent.add(("charge", charge.pk))
    for refund in Refund.objects.filter(state=RefundState.SENDING, claimed_at__lt=stale).select_related("charge"):
        try:
            outcome = _reconcile_refund(refund)
        except gateway.StripeError:
            logger.warning("Stripe unavailable; refund %s waits for the next sweep.", refund.pk)
            continue
        if outcome in counts:
            counts[outcome] += 1
        if outcome == "refunds_resent":
            resent.add(("refund", refund.pk))
    # Rows whose hand-off after commit was lost (the broker was down), never claimed since.
    handed_before = now - (settings.PAYMENTS_CLAIM_TIMEOUT / 2)
    charges = Charge.objects.filter(state=ChargeState.PENDING, created_at__lt=handed_before)
    refunds = Refund.objects.filter(state=RefundState.PENDING, created_at__lt=handed_before)
    waiting = [("charge", pk) for pk in charges.values_list("pk", flat=True)]
    waiting += [("refund", pk) for pk in refunds.values_list("pk", flat=True)]
    for kind, row_id in waiting:
        if (kind, row_id) not in resent:
            enqueue(kind, row_id)
            counts["handed"] += 1
    return counts


def _reconcile_charge(charge: Charge) -> str:
    intent = _intent_of(charge)
    if intent is None:
        # Stripe never got this attempt: it is sent again, as a new attempt with a new key.
        put_back = Charge.objects.filter(pk=charge.pk, state=ChargeState.SENDING, attempts=charge.attempts).update(
            state=ChargeState.PENDING, claimed_at=None
        )
        if not put_back:
            return "none"
        logger.info("Charge %s attempt %s never reached Stripe; sent again.", charge.pk, charge.attempts)
        enqueue("charge", charge.pk)
        return "charges_resent"
    unfinished = intent.status in ("requires_confirmation", "requires_action") or (
        intent.status == "requires_payment_method" and not intent.failure_message
    )
    if unfinished and charge.provider_id == intent.provider_id:
        # A pay-now the patient left unfinished (never declined): owed again.
        settled = settle_charge(
            charge.pk, attempt=charge.attempts, status="requires_payment_method", message="Payment not completed."
        )
    else:
        settled = settle_charge(
            charge.pk,
            attempt=charge.attempts,
            status=intent.status,
            provider_id=intent.provider_id,
            message=intent.failure_message,
        )
    return "charges_settled" if settled else "none"


def _intent_of(charge: Charge) -> Intent | None:
    if charge.provider_id:
        return gateway.retrieve_intent(charge.provider_id)
    return gateway.find_intent(charge_id=charge.pk, attempt=charge.attempts, since=charge.created_at)


def _reconcile_refund(refund: Refund) -> str:
    found = gateway.find_refund(payment_intent=refund.charge.provider_id or "", refund_id=refund.pk)
    if found is None:
        put_back = Refund.objects.filter(pk=refund.pk, state=RefundState.SENDING, attempts=refund.attempts).update(
            state=RefundState.PENDING, claimed_at=None
        )
        if not put_back:
            return "none"
        logger.info("Refund %s attempt %s never reached Stripe; sent again.", refund.pk, refund.attempts)
        enqueue("refund", refund.pk)
        return "refunds_resent"
    provider_id, status = found
    settled = settle_refund(refund.pk, attempt=refund.attempts, status=status, provider_id=provider_id)
    return "refunds_settled" if settled else "none"
