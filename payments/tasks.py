"""Celery tasks of payments: thin, ids in, idempotent (the row's claim is the guard, not the broker)."""

from __future__ import annotations

from celery import shared_task

from clinic.periodic import one_at_a_time
from payments import reconcile, sending


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_charge(charge_id: int) -> str:
    """Charge the row's saved card once; a redelivered or duplicate task finds it claimed and does nothing."""
    return sending.send_charge(charge_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_refund(refund_id: int) -> str:
    """Send the row's refund to Stripe once."""
    return sending.send_refund(refund_id)


@shared_task(acks_late=True, ignore_result=True)
def sweep_payments() -> dict[str, int]:
    """Reconcile what a dead worker left in flight and hand over what was never sent (beat, every minute)."""
    with one_at_a_time("sweep-payments") as mine:
        return reconcile.reconcile() if mine else {}
