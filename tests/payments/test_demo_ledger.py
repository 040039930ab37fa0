"""`manage.py seed_demo` records a day's ledger (online payments off): desk payments, a tip, a refund, once."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from clinic.models import User
from payments.models import Charge, ChargeKind, Policy, Refund


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_demo_has_a_day_of_desk_payments_with_a_tip_and_a_refund_made_once(
    settings: object, clock: time_machine.Traveller
) -> None:
    settings.DEBUG = True  # type: ignore[attr-defined]
    said = _seed()
    rows = {model: model.objects.count() for model in (Charge, Refund, Policy)}
    _seed()

    assert {model: model.objects.count() for model in (Charge, Refund, Policy)} == rows
    charges = list(Charge.objects.order_by("created_at"))
    assert len(charges) >= 2
    assert {charge.kind for charge in charges} == {ChargeKind.BALANCE}
    assert {charge.state for charge in charges} == {"succeeded"}
    assert {charge.method for charge in charges} == {"cash", "terminal"}
    assert [charge.tip for charge in charges if charge.tip] == [Decimal("10.00")]
    (refund,) = Refund.objects.all()
    assert (refund.amount, refund.reason) == (Decimal("15.00"), "The session started late")
    assert "no deposits or no-show fees (online payments are off)" in said

    owner = Client()
    owner.force_login(User.objects.get(email="admin@clinic.test"))
    totals = owner.get(reverse("admin:payments_charge_changelist")).context["day_totals"]
    (day,) = totals
    assert day.paid == sum((charge.total for charge in charges), Decimal("0"))
    assert day.refunded == Decimal("15.00")
