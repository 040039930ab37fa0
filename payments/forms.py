"""The staff's forms of money: a refund's amount and reason, and why a fee is waived."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from payments import policy
from payments.models import CENT, Charge


class ReasonForm(forms.Form):
    """Why the money is given back or the fee let off (kept with the row and in the history)."""

    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept with the refund or the fee, and in the session's history.",
    )


class RefundAmountForm(forms.Form):
    """How much of one paid charge to give back: all that is left unless told otherwise."""

    amount = forms.DecimalField(max_digits=8, decimal_places=2, min_value=CENT)

    def __init__(self, *args: object, charge: Charge, left: Decimal, **kwargs: object) -> None:
        kwargs.setdefault("initial", {"amount": left})
        kwargs.setdefault("prefix", f"charge-{charge.pk}")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.charge, self.left = charge, left
        field = self.fields["amount"]
        field.label = f"Refund of the {charge.get_kind_display().lower()}"
        field.help_text = f"Up to {policy.money(left, charge.currency)}, all that is left of {policy.describe(charge)}."
