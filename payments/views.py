"""The patient's payment pages: pay an owed charge now, and the printable receipt of a paid one.

Who may open them: pay now is the charge's patient's alone; a receipt is its patient's and
the clinic staff's who read the ledger (payments.view_charge). Anyone else gets 404, as for
a charge that does not exist. Paying goes through the API (payments.api) from the page.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from booking.policy import window_hours
from clinic.models import User
from payments import policy, services, stripe_js
from payments.models import OWED_STATES, Charge, ChargeState, Method, RefundState


@login_required
@require_GET
def pay(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the patient's owed charge with Stripe's card field to pay it now."""
    user = request.user
    assert isinstance(user, User)
    charge = get_object_or_404(
        Charge.objects.for_patient(user.pk).select_related(
            "appointment__massage_type", "appointment__therapist", "appointment__room__location"
        ),
        pk=pk,
    )
    if charge.state == ChargeState.SUCCEEDED:
        return redirect("payments:receipt", pk=charge.pk)
    if charge.state not in OWED_STATES:
        raise Http404("Nothing is owed on this charge.")
    online = policy.online_payments_on()
    # Declined, or paid here and not finished: the patient pays it here. The others are the clinic's to charge.
    resumed = charge.state == ChargeState.SENDING and charge.method == Method.ONLINE_CARD
    payable = online and (charge.state == ChargeState.FAILED or resumed)
    context = {
        "charge": charge,
        "appointment": charge.appointment,
        "total": policy.money(charge.total, charge.currency),
        "payable": payable,
        "online": online,
        "stripe_js_url": stripe_js.script_url() if payable else "",
        "config": {
            "api": "/api/v1/",
            "charge": charge.pk,
            "publishableKey": settings.STRIPE_PUBLISHABLE_KEY,
            "receiptUrl": reverse("payments:receipt", args=[charge.pk]),
            "total": policy.money(charge.total, charge.currency),
        },
    }
    response = render(request, "payments/pay.html", context)
    return stripe_js.allow(response) if payable else response


@login_required
@require_GET
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the printable receipt of a paid charge to its patient and to the clinic's staff."""
    user = request.user
    assert isinstance(user, User)
    visible = Q(appointment__patient_id=user.pk)
    if user.is_staff and user.has_perm("payments.view_charge"):
        visible = Q()
    charge = get_object_or_404(
        Charge.objects.filter(visible, state=ChargeState.SUCCEEDED).select_related(
            "appointment__massage_type", "appointment__therapist", "appointment__room__location", "appointment__patient"
        ),
        pk=pk,
    )
    appointment = charge.appointment
    refunds = [
        {"refund": refund, "amount": policy.money(refund.amount, charge.currency)}
        for refund in charge.refunds.filter(state=RefundState.SUCCEEDED).order_by("settled_at", "pk")
    ]
    context = {
        "charge": charge,
        "appointment": appointment,
        "patient": appointment.patient,
        "location": appointment.location,
        "clinic_name": settings.CLINIC_NAME,
        "amount": policy.money(charge.amount, charge.currency),
        "tip": policy.money(charge.tip, charge.currency) if charge.tip else "",
        "total": policy.money(charge.total, charge.currency),
        "refunds": refunds,
        "balance_left": policy.money(services.balance_due(appointment), charge.currency),
        "window_hours": window_hours(),
    }
    return render(request, "payments/receipt.html", context)
