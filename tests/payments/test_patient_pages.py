"""The patient's payment pages and e-mails: receipts and who sees them, pay now, Stripe.js only where a card is typed,
the policy at booking, in the confirmation and in the account, and the late-cancellation fee said before confirming.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils.html import escape

from booking import services
from booking.models import Appointment, MassageType, Notification, NotificationKind
from clinic.models import User
from notifications.rendering import build_message
from payments import sending
from payments import services as payment_services
from payments.models import Card, Charge, ChargeKind, ChargeState, Policy
from tests import localstripe as fake_stripe
from tests.conftest import CLINIC_ZONE
from tests.factories import UserFactory
from tests.payments.conftest import save_card
from therapists.models import Therapist

WED_10 = datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE)
TUE_NOON = datetime(2026, 3, 3, 12, 0, tzinfo=CLINIC_ZONE)

pytestmark = pytest.mark.usefixtures("clock")


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def book(patient: User, therapist: Therapist, massage_type: MassageType) -> Appointment:
    return services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=WED_10)


def csp(response: Any) -> dict[str, list[str]]:
    """Return the response's Content-Security-Policy as directive -> sources."""
    policy: dict[str, list[str]] = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        policy[name] = sources
    return policy


@pytest.fixture
def paid_deposit(patient: User, therapist: Therapist, massage_type: MassageType, card: Card) -> Charge:
    appointment = book(patient, therapist, massage_type)
    deposit = Charge.objects.get(appointment=appointment, kind=ChargeKind.DEPOSIT)
    assert sending.send_charge(deposit.pk) == "succeeded"
    deposit.refresh_from_db()
    return deposit


@pytest.fixture
def desk(db: None) -> User:
    user: User = UserFactory.create(email="desk@example.test", is_staff=True)
    user.groups.add(Group.objects.get(name="Front desk"))
    return user


# --- Receipts ------------------------------------------------------------------------------


def test_the_receipt_shows_the_clinic_the_service_the_amounts_and_the_card(
    patient: User, paid_deposit: Charge, massage_type: MassageType, settings: Any
) -> None:
    response = signed_in(patient).get(f"/payments/{paid_deposit.pk}/receipt/")

    assert response.status_code == 200
    page = response.content.decode()
    assert escape(settings.CLINIC_NAME) in page
    assert massage_type.name in page
    assert "Deposit" in page
    assert f"${paid_deposit.amount}" in page
    assert "Saved card, card ending 4242" in page
    assert "css/payments" in page  # its print stylesheet


def test_a_receipt_with_a_tip_shows_it(patient: User, therapist: Therapist, massage_type: MassageType) -> None:
    staff: User = UserFactory.create(is_staff=True)
    appointment = book(patient, therapist, massage_type)
    paid = payment_services.take_desk_payment(appointment=appointment, by=staff, method="cash", tip=Decimal("12.50"))

    page = signed_in(patient).get(f"/payments/{paid.pk}/receipt/").content.decode()

    assert "$12.50" in page
    assert f"${paid.total}" in page
    assert "Cash" in page


def test_the_receipt_is_the_patients_and_the_front_desks_only(
    paid_deposit: Charge, other_patient: User, therapist: Therapist, desk: User, admin_user: User
) -> None:
    url = f"/payments/{paid_deposit.pk}/receipt/"

    assert signed_in(other_patient).get(url).status_code == 404
    assert signed_in(therapist.user).get(url).status_code == 404
    assert signed_in(desk).get(url).status_code == 200
    assert signed_in(admin_user).get(url).status_code == 200
    assert Client().get(url).status_code == 302  # to the sign-in


def test_an_unpaid_charge_has_no_receipt(patient: User, therapist: Therapist, massage_type: MassageType) -> None:
    appointment = book(patient, therapist, massage_type)
    owed = Charge.objects.create(
        appointment=appointment,
        kind="deposit",
        amount=Decimal("9.00"),
        currency="usd",
        state="failed",
        created_at=WED_10,
    )

    assert signed_in(patient).get(f"/payments/{owed.pk}/receipt/").status_code == 404


# --- Pay now and Stripe.js -----------------------------------------------------------------


@pytest.fixture
def declined_deposit(
    patient: User, therapist: Therapist, massage_type: MassageType, payments_on: str, policy: Policy
) -> Charge:
    save_card(patient, payments_on, number=fake_stripe.DECLINED_ON_CHARGE)
    appointment = book(patient, therapist, massage_type)
    deposit = Charge.objects.get(appointment=appointment, kind=ChargeKind.DEPOSIT)
    assert sending.send_charge(deposit.pk) == "failed"
    return deposit


def test_the_pay_now_page_loads_stripe_js_and_its_policy_allows_it(
    patient: User, declined_deposit: Charge, payments_on: str
) -> None:
    response = signed_in(patient).get(f"/payments/{declined_deposit.pk}/pay/")

    assert response.status_code == 200
    page = response.content.decode()
    assert f'<script src="{payments_on}/js.stripe.com/v3/"></script>' in page
    assert 'id="card-element"' in page
    assert f"${declined_deposit.amount}" in page
    policy = csp(response)
    assert payments_on in policy["script-src"]
    assert payments_on in policy["frame-src"]
    assert payments_on in policy["connect-src"]


def test_pay_now_is_the_patients_own_and_a_paid_charge_goes_to_its_receipt(
    patient: User, other_patient: User, declined_deposit: Charge, paid_deposit_of_other: Charge
) -> None:
    assert signed_in(other_patient).get(f"/payments/{declined_deposit.pk}/pay/").status_code == 404
    assert signed_in(patient).get(f"/payments/{paid_deposit_of_other.pk}/pay/").status_code == 404

    response = signed_in(other_patient).get(f"/payments/{paid_deposit_of_other.pk}/pay/")

    assert response.status_code == 302
    assert response["Location"] == f"/payments/{paid_deposit_of_other.pk}/receipt/"


def test_a_charge_being_taken_from_the_saved_card_shows_no_card_field(
    patient: User, therapist: Therapist, massage_type: MassageType, card: Card
) -> None:
    appointment = book(patient, therapist, massage_type)
    deposit = Charge.objects.get(appointment=appointment, kind=ChargeKind.DEPOSIT)
    assert deposit.state == ChargeState.PENDING

    response = signed_in(patient).get(f"/payments/{deposit.pk}/pay/")

    assert response.status_code == 200
    assert 'id="card-element"' not in response.content.decode()
    assert "being charged to your saved card" in response.content.decode()
    assert csp(response)["script-src"] == ["'self'"]


@pytest.fixture
def paid_deposit_of_other(
    other_patient: User, therapist: Therapist, massage_type: MassageType, payments_on: str
) -> Charge:
    save_card(other_patient, payments_on)
    appointment = services.book(
        patient=other_patient, therapist=therapist, massage_type=massage_type, start=WED_10.replace(hour=14)
    )
    deposit = Charge.objects.get(appointment=appointment, kind=ChargeKind.DEPOSIT)
    assert sending.send_charge(deposit.pk) == "succeeded"
    return deposit


def test_the_booking_page_loads_stripe_js_only_for_a_patient_who_must_save_a_card(
    patient: User, massage_type: MassageType, payments_on: str, policy: Policy
) -> None:
    needs_card = signed_in(patient).get("/book/")
    assert f'src="{payments_on}/js.stripe.com/v3/"' in needs_card.content.decode()
    assert payments_on in csp(needs_card)["script-src"]
    assert 'id="booking-card-element"' in needs_card.content.decode()

    save_card(patient, payments_on)
    has_card = signed_in(patient).get("/book/")
    assert "js.stripe.com" not in has_card.content.decode()
    assert csp(has_card)["script-src"] == ["'self'"]
    # The policy is still said at booking, with the card it uses.
    assert "A deposit of" in has_card.content.decode()


def test_no_other_page_allows_stripe(patient: User, declined_deposit: Charge, payments_on: str) -> None:
    client = signed_in(patient)
    for url in ("/", "/appointments/", f"/payments/{declined_deposit.pk}/receipt/", "/massages/"):
        response = client.get(url)
        if response.status_code == 200:
            assert csp(response)["script-src"] == ["'self'"], url
            assert "frame-src" not in csp(response), url


def test_without_online_payments_the_booking_page_has_no_card_step(patient: User, massage_type: MassageType) -> None:
    response = signed_in(patient).get("/book/")

    page = response.content.decode()
    assert 'id="payment-step"' not in page
    assert "stripe" not in page.lower()
    assert csp(response)["script-src"] == ["'self'"]


def test_the_confirmation_page_states_the_policy_the_session_was_booked_under(
    patient: User, therapist: Therapist, massage_type: MassageType, card: Card
) -> None:
    appointment = book(patient, therapist, massage_type)

    page = signed_in(patient).get(f"/appointments/{appointment.pk}/confirmed/").content.decode()

    assert "Payment policy of this booking" in page
    assert "A deposit of $" in page


# --- My appointments -------------------------------------------------------------------------


def test_my_appointments_shows_the_policy_the_card_what_is_owed_and_the_receipts(
    patient: User, therapist: Therapist, massage_type: MassageType, paid_deposit: Charge
) -> None:
    staff: User = UserFactory.create(is_staff=True)
    other = services.book(
        patient=patient, therapist=therapist, massage_type=massage_type, start=WED_10.replace(day=5), by=staff
    )
    owed = Charge.objects.create(
        appointment=other,
        kind="no_show_fee",
        amount=Decimal("30.00"),
        currency="usd",
        state="failed",
        created_at=WED_10,
    )

    page = signed_in(patient).get("/appointments/").content.decode()

    assert "Payment policy of this booking" in page
    assert "Cancelling within 24 hours of the session costs" in page
    assert "Visa ending 4242" in page
    assert "Remove card" in page
    assert f'href="/payments/{owed.pk}/pay/"' in page
    assert f'href="/payments/{paid_deposit.pk}/receipt/"' in page
    assert "js/payments/account.js" in page


def test_my_appointments_says_the_fee_before_the_patient_cancels_inside_the_window(
    patient: User, therapist: Therapist, massage_type: MassageType, card: Card, clock: Any
) -> None:
    appointment = book(patient, therapist, massage_type)
    clock.move_to(TUE_NOON)

    page = signed_in(patient).get("/appointments/").content.decode()

    fee = (massage_type.price / 2).quantize(Decimal("0.01"))
    assert f"cancelling now costs ${fee}, charged to your card ending 4242" in page
    assert f'data-late-cancel="{appointment.pk}"' in page
    assert "Cancel with the fee" in page


def test_my_appointments_without_online_payments_shows_no_payments(patient: User) -> None:
    page = signed_in(patient).get("/appointments/").content.decode()

    assert 'id="payments"' not in page
    assert "account.js" not in page


# --- E-mails ---------------------------------------------------------------------------------


def test_the_confirmation_states_the_payment_policy(
    patient: User, therapist: Therapist, massage_type: MassageType, card: Card
) -> None:
    appointment = book(patient, therapist, massage_type)
    notice = Notification.objects.get(appointment=appointment, kind=NotificationKind.CONFIRMATION)

    message = build_message(notice, now=WED_10.replace(day=2))

    assert "Payment policy of this booking:" in message.body
    assert "- A deposit of $" in message.body
    html = message.alternatives[0][0]
    assert "Payment policy of this booking" in str(html)


def test_the_receipt_email_has_the_amounts_and_the_receipt_link(paid_deposit: Charge, settings: Any) -> None:
    notice = Notification.objects.get(kind=NotificationKind.RECEIPT, subject_id=paid_deposit.pk)

    message = build_message(notice, now=WED_10)

    assert message.subject.startswith(f"Receipt: Deposit, ${paid_deposit.amount}")
    assert f"Total paid:     ${paid_deposit.amount}" in message.body
    assert "card ending 4242" in message.body
    assert f"{settings.SITE_URL}/payments/{paid_deposit.pk}/receipt/" in message.body
    assert "/payments/" in str(message.alternatives[0][0])


def test_the_payment_due_email_links_to_pay_now(declined_deposit: Charge, settings: Any) -> None:
    notice = Notification.objects.get(kind=NotificationKind.PAYMENT_DUE, subject_id=declined_deposit.pk)

    message = build_message(notice, now=WED_10)

    assert "Your card was declined." in message.body
    assert f"{settings.SITE_URL}/payments/{declined_deposit.pk}/pay/" in message.body
    assert Charge.objects.get(pk=declined_deposit.pk).state == ChargeState.FAILED
