"""Fixtures of the payment tests: a patient with a saved card at localstripe, and the clinic's policy."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clinic.models import User
from payments import cards
from payments.models import Card, DepositRule, Policy
from tests import localstripe as fake_stripe
from tests.admin.conftest import booked, front_desk, front_desk_client, staff_groups  # noqa: F401  (shared personas)
from tests.frontdesk.conftest import owner_client  # noqa: F401  (the Owner group's persona)


def save_card(user: User, base: str, *, number: str = fake_stripe.GOOD_CARD) -> Card:
    """Save a card for the patient as the booking page does: SetupIntent, Stripe's field, then our record."""
    setup = cards.start_setup(user=user)
    setup_intent = fake_stripe.confirmed_setup(base, client_secret=setup.client_secret, number=number)
    return cards.save_card(user=user, setup_intent=setup_intent)


@pytest.fixture
def policy(db: None) -> Policy:
    """A 20 % deposit, a 50 % late-cancellation fee and a 100 % no-show fee, charged at once."""
    return Policy.objects.create(
        pk=1,
        card_required=True,
        deposit_rule=DepositRule.PERCENT,
        deposit_percent=Decimal("20"),
        late_cancel_fee_percent=Decimal("50"),
        no_show_fee_percent=Decimal("100"),
    )


@pytest.fixture
def card(patient: User, payments_on: str, policy: Policy) -> Card:
    return save_card(patient, payments_on)
