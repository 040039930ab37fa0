"""The policy in words, as the booking page, the confirmation and the account say it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from booking.models import MassageType
from payments import policy
from payments.models import DepositRule, Policy


@pytest.mark.django_db
def test_the_policy_reads_as_people_write_percentages_and_money(massage_type: MassageType, payments_on: str) -> None:
    massage_type.price = Decimal("90.00")
    rules = Policy(
        pk=1,
        deposit_rule=DepositRule.PERCENT,
        deposit_percent=Decimal("20.00"),
        late_cancel_fee_percent=Decimal("50.00"),
        no_show_fee_percent=Decimal("12.50"),
    )

    sentences = policy.quote(massage_type, policy=rules).sentences()

    assert sentences == [
        "A deposit of $18.00 is charged to your card when you book and taken off what you pay at the session.",
        "Cancelling within 24 hours of the session costs $45.00 (50% of the price).",
        "Missing the session without cancelling costs $11.25 (12.5% of the price).",
    ]


def test_a_percentage_never_shows_trailing_zeros() -> None:
    assert [policy.percent(Decimal(v)) for v in ("50.00", "12.50", "100.00", "0.00")] == ["50%", "12.5%", "100%", "0%"]
