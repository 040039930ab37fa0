"""Stripe's webhooks: each signed event is stored once by its id and moves the ledger in the same transaction.

Stripe delivers an event at least once, perhaps twice at the same moment, perhaps after our
worker already settled the row. The unique event id makes a redelivery change nothing; the
settlement is the worker's own conditional one (payments.sending), so a webhook racing the
worker or the sweep settles a row once. Payloads may carry a patient's e-mail: only event
ids and types are logged.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from clinic.errors import error_body
from payments import gateway, policy
from payments.models import Charge, ChargeState, WebhookEvent
from payments.sending import settle_charge, settle_refund

logger = logging.getLogger(__name__)

INTENT_EVENTS = {
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.processing",
    "payment_intent.canceled",
}
REFUND_EVENTS = {"refund.created", "refund.updated", "refund.failed", "charge.refund.updated"}


def _number(metadata: Any, key: str) -> int | None:
    value = metadata.get(key) if isinstance(metadata, dict) else None
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _settle_intent(intent: dict[str, Any], *, now: datetime) -> str:
    metadata = intent.get("metadata") or {}
    charge_id, attempt = _number(metadata, "charge"), _number(metadata, "attempt")
    if charge_id is None or attempt is None:
        return "not one of our charges"
    if not Charge.objects.filter(pk=charge_id).exists():
        return f"charge {charge_id} unknown here"
    status = str(intent.get("status") or "")
    error = intent.get("last_payment_error") or {}
    message = str(error.get("message") or "") if isinstance(error, dict) else ""
    provider_id = str(intent.get("id") or "")
    if settle_charge(charge_id, attempt=attempt, status=status, provider_id=provider_id, message=message, now=now):
        return f"charge {charge_id} attempt {attempt} settled: {status}"
    charge = Charge.objects.get(pk=charge_id)
    if status == "succeeded" and not (charge.state == ChargeState.SUCCEEDED and charge.provider_id == provider_id):
        # Stripe took money our row does not show as taken: a person must look (never settled blindly).
        logger.error(
            "Stripe reports charge %s attempt %s paid by %s; the row is %s (attempt %s).",
            charge_id,
            attempt,
            provider_id,
            charge.state,
            charge.attempts,
        )
        return f"charge {charge_id} attempt {attempt} paid at Stripe, row {charge.state}: to check"
    return f"charge {charge_id} attempt {attempt} already settled"


def _settle_refund(refund: dict[str, Any], *, now: datetime) -> str:
    refund_id = _number(refund.get("metadata") or {}, "refund")
    if refund_id is None:
        return "not one of our refunds"
    status = str(refund.get("status") or "")
    if settle_refund(refund_id, attempt=None, status=status, provider_id=str(refund.get("id") or ""), now=now):
        return f"refund {refund_id} settled: {status}"
    return f"refund {refund_id} unchanged"


def _apply(kind: str, obj: dict[str, Any], *, now: datetime) -> str:
    if kind in INTENT_EVENTS:
        return _settle_intent(obj, now=now)
    if kind in REFUND_EVENTS:
        return _settle_refund(obj, now=now)
    if kind == "charge.refunded":
        # A charge object: its refunds (in the API versions that list them) name our rows.
        listed = (obj.get("refunds") or {}).get("data") or []
        outcomes = [_settle_refund(item, now=now) for item in listed if isinstance(item, dict)]
        return "; ".join(outcomes)[:200] or "no refund listed"
    if kind == "setup_intent.succeeded":
        return "recorded (the card is saved when the patient comes back from Stripe's field)"
    return "ignored"


@transaction.atomic
def receive(event: dict[str, Any], *, now: datetime | None = None) -> tuple[WebhookEvent, bool]:
    """Store a verified event once and apply it to the ledger; return its row and whether it was new."""
    now = now or timezone.now()
    obj = (event.get("data") or {}).get("object") or {}
    if not isinstance(obj, dict):
        obj = {}
    row, created = WebhookEvent.objects.get_or_create(
        event_id=str(event["id"])[:64],
        defaults={
            "type": str(event.get("type") or "")[:64],
            "object_id": str(obj.get("id") or "")[:64],
            "received_at": now,
        },
    )
    if not created:
        logger.info("Webhook %s (%s) delivered again; nothing changed.", row.event_id, row.type)
        return row, False
    row.outcome = _apply(row.type, obj, now=now)[:200]
    row.save(update_fields=["outcome"])
    logger.info("Webhook %s (%s): %s", row.event_id, row.type, row.outcome)
    return row, True


def _refused(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status)


@csrf_exempt
def webhook(request: HttpRequest) -> JsonResponse:
    """Take an event from Stripe (anyone may call; only Stripe's signature with our secret is accepted)."""
    if not (policy.online_payments_on() and settings.STRIPE_WEBHOOK_SECRET):
        return _refused(404, "not_found", "Not found.")
    if request.method != "POST":
        return _refused(405, "method_not_allowed", "Stripe posts its events here.")
    try:
        event = gateway.verified_event(payload=request.body, signature=request.headers.get("Stripe-Signature", ""))
    except gateway.BadSignature:
        logger.warning("Webhook refused: no valid signature within the tolerance.")
        return _refused(400, "bad_signature", "The Stripe-Signature header does not match, or it is too old.")
    except ValueError:
        logger.warning("Webhook refused: the signed body is not a JSON object.")
        return _refused(400, "malformed_json", "The request body is not valid JSON.")
    if not event.get("id") or not event.get("type"):
        return _refused(400, "invalid", "An event has an id and a type.")
    _, created = receive(event)
    return JsonResponse({"received": True, "duplicate": not created})
