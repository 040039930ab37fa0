"""The write side of payments: what a booking owes, desk payments, fees, waivers and refunds.

Each function runs in one transaction and writes its ledger rows with the change that owes
them (booking's signals call the first three inside booking's own transaction). Sending a
row to Stripe happens after commit (payments.sending), never here.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from audit import log as history
from audit.models import Kind
from booking import checks, locks
from booking.exceptions import CancellationTooLate, InvalidBooking, InvalidTransition, NotAllowed, PolicyRefused
from booking.models import Appointment, Status
from booking.policy import window_hours
from clinic.models import User
from payments import policy
from payments.models import (
    OWED_STATES,
    Card,
    Charge,
    ChargeKind,
    ChargeState,
    Method,
    Refund,
    RefundState,
    Terms,
)

ZERO = Decimal("0.00")
# What the front desk may take the balance by.
DESK_METHODS = (Method.CASH, Method.TERMINAL, Method.SAVED_CARD)
# Methods whose money moved outside Stripe: a refund of them is handed back at the desk.
OFFLINE_METHODS = (Method.CASH, Method.TERMINAL)


def _event(
    kind: Kind, appointment: Appointment, *, by: User | None, summary: str, now: datetime, **data: object
) -> None:
    history.record(
        kind,
        summary=summary,
        by=by,
        appointment_id=appointment.pk,
        patient_id=appointment.patient_id,
        therapist_id=appointment.therapist_id,
        data=data,
        at=now,
    )


def _send_after_commit(kind: str, row_id: int) -> None:
    from payments import sending

    transaction.on_commit(lambda: sending.enqueue(kind, row_id))


def _card_to_charge(appointment: Appointment, card: Card | None = None) -> tuple[str, Card | None, str]:
    """Return the state, card and failure message of a charge to the saved card."""
    card = card or policy.saved_card(appointment.patient_id)
    if card is None or not policy.online_payments_on():
        # Never forgotten: owed, for the front desk to collect or the patient to pay online.
        return ChargeState.FAILED, card, "No card on file."
    return ChargeState.PENDING, card, ""


def _new_charge(
    *,
    appointment: Appointment,
    kind: str,
    amount: Decimal,
    by: User | None,
    now: datetime,
    state: str = ChargeState.PENDING,
    method: str = Method.SAVED_CARD,
    tip: Decimal = ZERO,
    card: Card | None = None,
    failure_message: str = "",
) -> Charge:
    """Write a charge the appointment owes; hand a card charge to the sender after commit."""
    if method == Method.SAVED_CARD and state == ChargeState.PENDING:
        state, card, failure_message = _card_to_charge(appointment, card)
    charge = Charge.objects.create(
        appointment=appointment,
        kind=kind,
        amount=amount,
        tip=tip,
        currency=settings.CURRENCY,
        state=state,
        method=method,
        card=card,
        card_last4=card.last4 if card else "",
        failure_message=failure_message,
        created_by=by,
        created_at=now,
        settled_at=now if state == ChargeState.SUCCEEDED else None,
    )
    if state == ChargeState.PENDING:
        _send_after_commit("charge", charge.pk)
    _event(
        Kind.CHARGE_PAID if state == ChargeState.SUCCEEDED else Kind.CHARGE_OWED,
        appointment,
        by=by,
        summary=f"{policy.describe(charge)}: {charge.get_state_display()}",
        now=now,
        charge=charge.pk,
        amount=str(charge.total),
        state=state,
    )
    return charge


def record_terms(*, appointment: Appointment, by: User, staff: bool, now: datetime) -> Terms | None:
    """Keep the policy the appointment is booked under, and record its deposit (booking's transaction).

    With online payments off there is nothing to keep: no card, no deposit, no fee.
    """
    if not policy.online_payments_on():
        return None
    quote = policy.quote(appointment.massage_type)
    card = policy.saved_card(appointment.patient_id)
    if not staff and quote.asks_for_card and card is None:
        raise PolicyRefused(
            "Please save a card to book: " + " ".join(quote.sentences()),
            code="card_required",
            fields={"card": "Save a card first."},
        )
    # A session booked by the clinic for a patient without a card takes no deposit.
    deposit = quote.deposit if card is not None else ZERO
    terms = Terms.objects.create(
        appointment=appointment,
        currency=quote.currency,
        price=appointment.price,
        card_required=quote.card_required,
        deposit=min(deposit, appointment.price),
        late_cancel_fee_percent=quote.late_cancel_fee_percent,
        late_cancel_fee=min(quote.late_cancel_fee, appointment.price),
        no_show_fee_percent=quote.no_show_fee_percent,
        no_show_fee=min(quote.no_show_fee, appointment.price),
        no_show_needs_approval=quote.no_show_needs_approval,
        created_at=now,
    )
    if terms.deposit > 0:
        _new_charge(appointment=appointment, kind=ChargeKind.DEPOSIT, amount=terms.deposit, by=by, now=now, card=card)
    return terms


def _deposit(appointment: Appointment) -> Charge | None:
    return (
        Charge.objects.filter(appointment=appointment, kind=ChargeKind.DEPOSIT)
        .exclude(state=ChargeState.WAIVED)
        .first()
    )


def _fee_after_deposit(appointment: Appointment, fee: Decimal, *, by: User, now: datetime) -> Decimal:
    """Return what is left of the fee once the deposit counts toward it; give back a deposit above it."""
    deposit = _deposit(appointment)
    if deposit is None:
        return fee
    if deposit.amount <= fee:
        return fee - deposit.amount
    surplus = deposit.amount - fee
    if deposit.state == ChargeState.SUCCEEDED:
        # What is left of it above the fee: a session marked no-show again finds the surplus given back.
        surplus = refundable(deposit) - fee
        if surplus > 0:
            _new_refund(charge=deposit, amount=surplus, reason="Deposit above the fee", by=by, now=now)
    elif deposit.state in (ChargeState.PENDING, ChargeState.FAILED, ChargeState.AWAITING_APPROVAL):
        # Not taken yet: it is lowered to the fee (a claimed one is being charged as it is).
        Charge.objects.filter(pk=deposit.pk, state=deposit.state).update(amount=fee, updated_at=now)
    return ZERO


def on_cancelled(*, appointment: Appointment, by: User, late: bool, now: datetime) -> None:
    """Charge the late-cancellation fee the patient accepted, or give back the deposit (booking's transaction)."""
    terms = policy.terms_of(appointment)
    if late:
        offer = policy.late_cancellation(_as_confirmed(appointment), now=now)
        if offer is None or terms is None:
            raise CancellationTooLate(
                f"Appointments can be cancelled online until {window_hours()} hours before the start. "
                f"Please call the clinic on {settings.CLINIC_PHONE}."
            )
        due = _fee_after_deposit(appointment, terms.late_cancel_fee, by=by, now=now)
        if due > 0:
            _new_charge(appointment=appointment, kind=ChargeKind.LATE_CANCEL_FEE, amount=due, by=by, now=now)
        return
    deposit = _deposit(appointment)
    if deposit is None:
        return
    if deposit.state == ChargeState.SUCCEEDED:
        _new_refund(charge=deposit, amount=deposit.amount, reason="Cancelled in time", by=by, now=now)
    elif deposit.state != ChargeState.SENDING:
        _waive(deposit, by=by, reason="Cancelled in time", now=now)
    # One being charged right now (or claimed by a worker since it was read, which the waiver's
    # conditional update then misses) is given back once it settles: payments.sending.settle_charge.


def _as_confirmed(appointment: Appointment) -> Appointment:
    """The appointment as it was before this cancellation (the offer is judged on that)."""
    before = Appointment(**{f.attname: getattr(appointment, f.attname) for f in Appointment._meta.concrete_fields})
    before.status = Status.CONFIRMED
    return before


def record_no_show_fee(*, appointment: Appointment, by: User, now: datetime) -> Charge | None:
    """Record the no-show fee the appointment was booked under (booking's transaction)."""
    terms = policy.terms_of(appointment)
    if terms is None or terms.no_show_fee <= 0:
        return None
    existing = Charge.objects.filter(appointment=appointment, kind=ChargeKind.NO_SHOW_FEE).first()
    reinstating = existing is not None and existing.state == ChargeState.WAIVED and existing.waived_as_not_a_no_show
    if existing is not None and not reinstating:
        return existing  # marked no-show again: the fee exists once, paid, owed, or waived by the staff
    due = _fee_after_deposit(appointment, terms.no_show_fee, by=by, now=now)
    if due <= 0:
        return existing
    state = ChargeState.AWAITING_APPROVAL if terms.no_show_needs_approval else ChargeState.PENDING
    if existing is not None:
        return _reinstate_no_show_fee(existing, amount=due, state=state, by=by, now=now)
    return _new_charge(appointment=appointment, kind=ChargeKind.NO_SHOW_FEE, amount=due, by=by, now=now, state=state)


def _reinstate_no_show_fee(charge: Charge, *, amount: Decimal, state: str, by: User, now: datetime) -> Charge:
    """Make the fee waived as "Not a no-show" due again: the same row (one per appointment and kind)."""
    card, failure_message = None, ""
    if state == ChargeState.PENDING:
        state, card, failure_message = _card_to_charge(charge.appointment)
    updated = Charge.objects.filter(pk=charge.pk, state=ChargeState.WAIVED, waived_as_not_a_no_show=True).update(
        state=state,
        amount=amount,
        method=Method.SAVED_CARD,
        card=card,
        card_last4=card.last4 if card else "",
        failure_message=failure_message,
        claimed_at=None,
        waived_as_not_a_no_show=False,
        updated_at=now,
    )
    charge.refresh_from_db()
    if not updated:
        return charge
    if state == ChargeState.PENDING:
        _send_after_commit("charge", charge.pk)
    _event(
        Kind.CHARGE_OWED,
        charge.appointment,
        by=by,
        summary=f"{policy.describe(charge)} due again (marked no-show again): {charge.get_state_display()}",
        now=now,
        charge=charge.pk,
        amount=str(charge.total),
        state=state,
    )
    return charge


def waive_unsent_fee(*, appointment: Appointment, by: User, now: datetime) -> None:
    """Waive a no-show fee not yet charged (the session was not a no-show after all)."""
    for charge in Charge.objects.filter(appointment=appointment, kind=ChargeKind.NO_SHOW_FEE):
        if charge.state in (ChargeState.AWAITING_APPROVAL, ChargeState.PENDING, ChargeState.FAILED):
            _waive(charge, by=by, reason="Not a no-show", now=now, as_not_a_no_show=True)


def _waive(charge: Charge, *, by: User | None, reason: str, now: datetime, as_not_a_no_show: bool = False) -> bool:
    updated = Charge.objects.filter(pk=charge.pk, state=charge.state).update(
        state=ChargeState.WAIVED, waived_as_not_a_no_show=as_not_a_no_show, updated_at=now
    )
    if updated:
        _event(
            Kind.CHARGE_WAIVED,
            charge.appointment,
            by=by,
            summary=f"{policy.describe(charge)} waived: {reason[:80]}",
            now=now,
            charge=charge.pk,
        )
    return bool(updated)


def _lock_charge(charge_id: int) -> Charge:
    """Lock the charge's appointment, then the charge (booking.locks' order: the appointment row last of booking's)."""
    appointment_id = Charge.objects.values_list("appointment_id", flat=True).get(pk=charge_id)
    locks.lock_appointment(appointment_id)
    return Charge.objects.select_for_update(of=("self",)).select_related("appointment").get(pk=charge_id)


@transaction.atomic
def approve_fee(*, charge: Charge, by: User, now: datetime | None = None) -> Charge:
    """Send a fee waiting for the front desk's approval to the saved card."""
    now = now or timezone.now()
    if not checks.is_staff(by):
        raise NotAllowed("Only the clinic's staff can approve a fee.")
    locked = _lock_charge(charge.pk)
    if locked.state != ChargeState.AWAITING_APPROVAL:
        raise InvalidTransition("This fee is not waiting for approval.")
    card = policy.saved_card(locked.appointment.patient_id)
    if card is None or not policy.online_payments_on():
        locked.state, locked.failure_message = ChargeState.FAILED, "No card on file."
        locked.save(update_fields=["state", "failure_message", "updated_at"])
    else:
        locked.state, locked.card, locked.card_last4 = ChargeState.PENDING, card, card.last4
        locked.save(update_fields=["state", "card", "card_last4", "updated_at"])
        _send_after_commit("charge", locked.pk)
    _event(
        Kind.CHARGE_OWED,
        locked.appointment,
        by=by,
        summary=f"{locked.get_kind_display()} approved",
        now=now,
        charge=locked.pk,
    )
    return locked


@transaction.atomic
def waive_fee(*, charge: Charge, by: User, reason: str, now: datetime | None = None) -> Charge:
    """Let the patient off a fee not yet paid (staff, with a reason)."""
    now = now or timezone.now()
    if not checks.is_staff(by):
        raise NotAllowed("Only the clinic's staff can waive a fee.")
    if not reason.strip():
        raise InvalidBooking("Say why the fee is waived.", fields={"reason": "Give a reason."})
    locked = _lock_charge(charge.pk)
    if locked.state not in (ChargeState.AWAITING_APPROVAL, ChargeState.PENDING, ChargeState.FAILED):
        raise InvalidTransition("Only a fee not yet paid (nor being charged) can be waived.")
    _waive(locked, by=by, reason=reason, now=now)
    locked.refresh_from_db()
    return locked


def balance_due(appointment: Appointment) -> Decimal:
    """Return what is left to pay for the session: its price less the deposit and what was paid at the desk."""
    # A deposit counts once it is paid or being charged; a declined one is collected with the balance.
    paid_towards = (
        Charge.objects.filter(appointment=appointment, kind__in=(ChargeKind.DEPOSIT, ChargeKind.BALANCE))
        .filter(state__in=(ChargeState.SUCCEEDED, ChargeState.PENDING, ChargeState.SENDING))
        .aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    return max(appointment.price - paid_towards, ZERO)


@transaction.atomic
def take_desk_payment(
    *, appointment: Appointment, by: User, method: str, tip: Decimal = ZERO, now: datetime | None = None
) -> Charge:
    """Record the balance paid at the desk by cash or terminal, or charge it to the saved card, with an optional tip."""
    now = now or timezone.now()
    if not checks.is_staff(by):
        raise NotAllowed("Only the clinic's staff can take a payment at the desk.")
    if method not in DESK_METHODS:
        raise InvalidBooking("Choose how the patient pays.", fields={"method": f"One of: {', '.join(DESK_METHODS)}."})
    if tip < 0 or tip != tip.quantize(Decimal("0.01")):
        raise InvalidBooking("The tip is an amount in cents.", fields={"tip": "Enter an amount like 10.00."})
    locked = locks.lock_appointment(appointment.pk)
    if locked.status == Status.CANCELLED:
        raise InvalidTransition("A cancelled session has no balance to pay.")
    if Charge.objects.filter(appointment=locked, kind=ChargeKind.BALANCE).exists():
        raise InvalidTransition("The balance of this session has already been taken.")
    declined_deposit = Charge.objects.filter(
        appointment=locked, kind=ChargeKind.DEPOSIT, state__in=(ChargeState.FAILED, ChargeState.AWAITING_APPROVAL)
    ).first()
    due = balance_due(locked)
    if due <= 0 and tip <= 0:
        raise InvalidTransition("Nothing is left to pay for this session.")
    card = None
    if method == Method.SAVED_CARD:
        card = policy.saved_card(locked.patient_id)
        if card is None or not policy.online_payments_on():
            raise InvalidBooking("The patient has no saved card.", fields={"method": "Take cash or the terminal."})
    if declined_deposit is not None:
        _waive(declined_deposit, by=by, reason="Collected with the balance", now=now)
    state = ChargeState.PENDING if method == Method.SAVED_CARD else ChargeState.SUCCEEDED
    charge = _new_charge(
        appointment=locked,
        kind=ChargeKind.BALANCE,
        amount=due,
        tip=tip,
        by=by,
        now=now,
        state=state,
        method=method,
        card=card,
    )
    if state == ChargeState.SUCCEEDED:
        from payments import notices

        notices.record_receipt(charge, now=now)
    return charge


def refundable(charge: Charge) -> Decimal:
    """Return how much of a paid charge can still be given back."""
    if charge.state != ChargeState.SUCCEEDED:
        return ZERO
    given = (
        Refund.objects.filter(charge=charge).exclude(state=RefundState.FAILED).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )
    return max(charge.total - given, ZERO)


def _new_refund(*, charge: Charge, amount: Decimal, reason: str, by: User, now: datetime) -> Refund:
    offline = charge.method in OFFLINE_METHODS
    refund = Refund.objects.create(
        charge=charge,
        amount=amount,
        reason=reason[:300],
        state=RefundState.SUCCEEDED if offline else RefundState.PENDING,
        created_by=by,
        created_at=now,
        settled_at=now if offline else None,
    )
    if not offline:
        _send_after_commit("refund", refund.pk)
    _event(
        Kind.REFUNDED,
        charge.appointment,
        by=by,
        summary=f"Refund of {policy.money(amount, charge.currency)} on the {charge.get_kind_display().lower()}",
        now=now,
        charge=charge.pk,
        refund=refund.pk,
        amount=str(amount),
    )
    return refund


@transaction.atomic
def refund(
    *, charge: Charge, by: User, amount: Decimal | None = None, reason: str, now: datetime | None = None
) -> Refund:
    """Give back all or part of a paid charge (staff, with a reason)."""
    now = now or timezone.now()
    if not checks.is_staff(by):
        raise NotAllowed("Only the clinic's staff can refund.")
    if not reason.strip():
        raise InvalidBooking("Say why the money is given back.", fields={"reason": "Give a reason."})
    locked = _lock_charge(charge.pk)
    left = refundable(locked)
    if left <= 0:
        raise InvalidTransition("Nothing of this charge is left to refund.")
    amount = left if amount is None else amount
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")) or amount > left:
        raise InvalidBooking(
            "Check the amount to refund.",
            fields={"amount": f"Enter an amount from 0.01 to {left} ({policy.money(left, locked.currency)} is left)."},
        )
    return _new_refund(charge=locked, amount=amount, reason=reason.strip(), by=by, now=now)


def owed(user_id: int) -> list[Charge]:
    """Return the patient's charges still owed (declined, or waiting), oldest first."""
    return list(Charge.objects.for_patient(user_id).filter(state__in=OWED_STATES).order_by("created_at", "pk"))
