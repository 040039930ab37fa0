"""The calendar's money endpoints (staff only): what a session has paid and owes, a desk payment, a refund, a fee.

Each change is one call of a payments service; a refusal answers in the API's one error
shape. Who may call which: calendar staff (appointment view and change) holding the
payments permission it names, which the front desk and the owner hold
(payments.0002_staff_permissions).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from booking.exceptions import BookingError
from booking.models import Appointment
from clinic import dates
from clinic.errors import error_body
from frontdesk.access import desk_api
from frontdesk.api import BadRequest, _appointment, _body, _id, _json_view, _staff
from payments import policy, selectors, services
from payments.models import Charge, ChargeState, Method

VIEW, TAKE, REFUND, DECIDE = (
    "payments.view_charge",
    "payments.take_desk_payment",
    "payments.refund_charge",
    "payments.decide_fee",
)
METHODS = {Method.CASH: "Cash", Method.TERMINAL: "Card terminal", Method.SAVED_CARD: "Saved card"}


def calendar_urls(user: Any) -> dict[str, str]:
    """Return the money endpoints the calendar's page may call for this member of staff (none without the view)."""
    if not user.has_perm(VIEW):
        return {}
    return {name: reverse(f"frontdesk:{name}") for name in ("payments", "pay", "refund", "approve_fee", "waive_fee")}


def receipt_url(charge: Charge) -> str | None:
    """Return the printable receipt of a paid charge (None until it is paid)."""
    if charge.state != ChargeState.SUCCEEDED:
        return None
    return reverse("payments:receipt", args=[charge.pk])


def _amount(data: dict[str, Any], name: str, *, required: bool) -> Decimal | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise BadRequest("Please check the highlighted fields.", {name: "This field is required."})
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadRequest("Please check the highlighted fields.", {name: "An amount like 10.00."})
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise BadRequest("Please check the highlighted fields.", {name: "An amount like 10.00."}) from None
    if not amount.is_finite():
        raise BadRequest("Please check the highlighted fields.", {name: "An amount like 10.00."})
    return amount


def _charge(data: dict[str, Any]) -> Charge:
    pk = _id(data, "charge")
    assert pk is not None  # required
    charge = Charge.objects.select_related("appointment").filter(pk=pk).first()
    if charge is None:
        raise BadRequest("Not found.", code="not_found", status=404)
    return charge


def _refused(exc: BookingError) -> JsonResponse:
    return JsonResponse(error_body(exc.code, exc.message, dict(exc.fields)), status=exc.status)


def _line(line: selectors.ChargeLine) -> dict[str, Any]:
    charge = line.charge
    currency = charge.currency
    return {
        "id": charge.pk,
        "kind": charge.kind,
        "label": charge.get_kind_display(),
        "amount": str(charge.amount),
        "tip": str(charge.tip),
        "total": str(charge.total),
        "total_text": policy.money(charge.total, currency),
        "tip_text": policy.money(charge.tip, currency) if charge.tip else "",
        "state": charge.state,
        "state_label": charge.get_state_display(),
        "method": charge.method,
        "method_label": charge.get_method_display(),
        "last4": charge.card_last4,
        "when": dates.short_moment(charge.created_at),
        "refunded": str(line.refunded),
        "refunded_text": policy.money(line.refunded, currency) if line.refunded else "",
        "refundable": str(line.refundable),
        "refundable_text": policy.money(line.refundable, currency),
        "can_refund": line.can_refund,
        "can_approve": line.can_approve,
        "can_waive": line.can_waive,
        "receipt_url": receipt_url(charge),
    }


def ledger_answer(request: HttpRequest, appointment: Appointment, *, status: int = 200, **extra: Any) -> JsonResponse:
    """Answer what the session has paid and owes, and what this member of staff may do about it."""
    ledger = selectors.ledger_of(appointment)
    money = {name: getattr(ledger, name) for name in ("paid", "owed", "refunded", "balance_due")} | {
        "price": appointment.price
    }
    user = request.user
    return JsonResponse(
        {
            "appointment": appointment.pk,
            "currency": ledger.currency.upper(),
            **{name: str(value) for name, value in money.items()},
            "text": {name: policy.money(value, ledger.currency) for name, value in money.items()},
            "card": f"{ledger.card_brand or 'Card'} ending {ledger.card_last4}" if ledger.card_last4 else None,
            "can_pay": ledger.can_pay,
            "methods": [
                {"value": value, "label": label}
                for value, label in METHODS.items()
                if value != Method.SAVED_CARD or ledger.can_pay_by_card
            ],
            "charges": [_line(line) for line in ledger.lines],
            "may": {"pay": user.has_perm(TAKE), "refund": user.has_perm(REFUND), "decide": user.has_perm(DECIDE)},
            **extra,
        },
        status=status,
    )


@require_GET
@desk_api(VIEW)
@_json_view
def ledger(request: HttpRequest) -> HttpResponse:
    """Return what the session has paid and owes: its charges, the balance left, the card on file (calendar staff)."""
    return ledger_answer(request, _appointment(dict(request.GET.items())))


@require_POST
@desk_api(VIEW, TAKE)
@_json_view
def pay(request: HttpRequest) -> HttpResponse:
    """Take the balance at the desk by cash, the card terminal or the saved card, with an optional tip."""
    data = _body(request)
    appointment = _appointment(data)
    method = data.get("method")
    if method not in METHODS:
        raise BadRequest("Please check the highlighted fields.", {"method": "cash, terminal or saved_card."})
    tip = _amount(data, "tip", required=False) or Decimal("0")
    try:
        charge = services.take_desk_payment(appointment=appointment, by=_staff(request), method=method, tip=tip)
    except BookingError as exc:
        return _refused(exc)
    return ledger_answer(request, appointment, status=201, charge=charge.pk, receipt_url=receipt_url(charge))


@require_POST
@desk_api(VIEW, REFUND)
@_json_view
def refund(request: HttpRequest) -> HttpResponse:
    """Give back all that is left of a paid charge, or the amount given, with a reason."""
    data = _body(request)
    charge = _charge(data)
    amount = _amount(data, "amount", required=False)
    reason = str(data.get("reason") or "").strip()
    if not reason:
        raise BadRequest("Please check the highlighted fields.", {"reason": "Say why the money is given back."})
    try:
        made = services.refund(charge=charge, by=_staff(request), amount=amount, reason=reason[:300])
    except BookingError as exc:
        return _refused(exc)
    return ledger_answer(request, charge.appointment, status=201, refund=made.pk)


@require_POST
@desk_api(VIEW, DECIDE)
@_json_view
def approve_fee(request: HttpRequest) -> HttpResponse:
    """Send a fee waiting for the front desk's approval to the saved card."""
    charge = _charge(_body(request))
    try:
        services.approve_fee(charge=charge, by=_staff(request))
    except BookingError as exc:
        return _refused(exc)
    return ledger_answer(request, charge.appointment)


@require_POST
@desk_api(VIEW, DECIDE)
@_json_view
def waive_fee(request: HttpRequest) -> HttpResponse:
    """Let the patient off a fee not yet paid, with a reason."""
    data = _body(request)
    charge = _charge(data)
    reason = str(data.get("reason") or "").strip()
    if not reason:
        raise BadRequest("Please check the highlighted fields.", {"reason": "Say why the fee is waived."})
    try:
        services.waive_fee(charge=charge, by=_staff(request), reason=reason[:300])
    except BookingError as exc:
        return _refused(exc)
    return ledger_answer(request, charge.appointment)
