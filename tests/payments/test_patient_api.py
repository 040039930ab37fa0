"""The patient's payment API against localstripe: saving a card, the ledger, a late cancel with its fee, pay now."""

from __future__ import annotations

import contextlib
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
import stripe
from knox.models import AuthToken
from rest_framework.test import APIClient

from booking import services
from booking.models import Appointment, MassageType, Notification, NotificationKind, Status
from clinic.models import User
from payments import sending
from payments.models import Card, Charge, ChargeKind, ChargeState, Method, Policy
from tests import localstripe as fake_stripe
from tests.conftest import CLINIC_ZONE
from tests.payments.conftest import save_card
from therapists.models import Therapist

WED_10 = datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE)
TUE_NOON = datetime(2026, 3, 3, 12, 0, tzinfo=CLINIC_ZONE)  # 22 hours before: inside the 24-hour window

pytestmark = pytest.mark.usefixtures("clock")


def signed_in(user: User) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]  # type: ignore[no-any-return]


def pay_in_the_browser(base: str, client_secret: str, *, number: str) -> None:
    """Do what Stripe.js' confirmCardPayment does with the card typed into Stripe's field."""
    api = fake_stripe.client(base).v1
    intent = client_secret.split("_secret_")[0]
    method = api.payment_methods.create(
        params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2031, "cvc": "123"}}
    )
    api.payment_intents.update(intent, params={"payment_method": method.id})
    with contextlib.suppress(stripe.CardError):  # Stripe.js shows the decline; the page then asks us
        api.payment_intents.confirm(intent)


def book(patient: User, therapist: Therapist, massage_type: MassageType) -> Appointment:
    return services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=WED_10)


# --- Saved cards ------------------------------------------------------------------------


def test_a_patient_saves_a_card_through_the_api(patient: User, payments_on: str, policy: Policy) -> None:
    client = signed_in(patient)

    setup = client.post("/api/v1/payment-methods/setup/")
    assert setup.status_code == 200
    assert setup.json()["publishable_key"] == fake_stripe.PUBLISHABLE_KEY
    setup_intent = fake_stripe.confirmed_setup(payments_on, client_secret=setup.json()["client_secret"])
    saved = client.post("/api/v1/payment-methods/", {"setup_intent": setup_intent}, format="json")

    assert saved.status_code == 201
    assert saved.json()["last4"] == "4242"
    assert saved.json()["brand"] == "visa"
    assert (saved.json()["exp_month"], saved.json()["exp_year"]) == (12, 2031)
    listed = client.get("/api/v1/payment-methods/").json()
    assert [card["id"] for card in listed] == [saved.json()["id"]]


def test_setting_up_a_card_with_online_payments_off_is_a_409(patient: User) -> None:
    response = signed_in(patient).post("/api/v1/payment-methods/setup/")

    assert response.status_code == 409
    assert error(response)["code"] == "payments_off"


def test_an_unknown_setup_intent_saves_no_card(patient: User, payments_on: str, policy: Policy) -> None:
    client = signed_in(patient)
    client.post("/api/v1/payment-methods/setup/")

    response = client.post("/api/v1/payment-methods/", {"setup_intent": "seti_forged"}, format="json")

    assert response.status_code == 400
    assert "setup_intent" in error(response)["fields"]
    assert not Card.objects.exists()


def test_another_patients_card_is_not_found_and_stays(patient: User, other_patient: User, card: Card) -> None:
    response = signed_in(other_patient).delete(f"/api/v1/payment-methods/{card.pk}/")

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"
    card.refresh_from_db()
    assert card.removed_at is None
    assert signed_in(other_patient).get("/api/v1/payment-methods/").json() == []


def test_a_patient_removes_their_card(patient: User, card: Card) -> None:
    client = signed_in(patient)

    assert client.delete(f"/api/v1/payment-methods/{card.pk}/").status_code == 204

    assert client.get("/api/v1/payment-methods/").json() == []
    assert client.delete(f"/api/v1/payment-methods/{card.pk}/").status_code == 404


# --- The ledger -------------------------------------------------------------------------


def test_the_payments_list_holds_the_callers_charges_only(
    patient: User,
    other_patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    card: Card,
    payments_on: str,
) -> None:
    mine = book(patient, therapist, massage_type)
    deposit = Charge.objects.get(appointment=mine, kind=ChargeKind.DEPOSIT)
    assert sending.send_charge(deposit.pk) == "succeeded"
    save_card(other_patient, payments_on)
    services.book(patient=other_patient, therapist=therapist, massage_type=massage_type, start=WED_10.replace(hour=14))

    listed = signed_in(patient).get("/api/v1/payments/").json()

    assert listed["count"] == 1
    (row,) = listed["results"]
    assert row["id"] == deposit.pk
    assert row["appointment"] == mine.pk
    assert row["kind"] == "deposit"
    assert row["amount"] == str(deposit.amount)
    assert row["currency"] == "usd"
    assert row["state"] == "succeeded"
    assert row["method"] == "saved_card"
    assert row["last4"] == "4242"
    assert row["settled_at"] is not None
    assert row["refunds"] == []


def test_a_refund_shows_under_its_charge(
    patient: User, therapist: Therapist, massage_type: MassageType, card: Card
) -> None:
    appointment = book(patient, therapist, massage_type)
    deposit = Charge.objects.get(appointment=appointment, kind=ChargeKind.DEPOSIT)
    sending.send_charge(deposit.pk)
    services.cancel(appointment=appointment, by=patient)  # in time: the deposit goes back

    (row,) = signed_in(patient).get("/api/v1/payments/").json()["results"]

    assert [refund["amount"] for refund in row["refunds"]] == [str(deposit.amount)]


# --- Cancelling inside the window ---------------------------------------------------------


def test_the_appointment_says_the_fee_before_the_patient_confirms(
    patient: User, therapist: Therapist, massage_type: MassageType, card: Card, clock: Any
) -> None:
    appointment = book(patient, therapist, massage_type)
    client = signed_in(patient)
    outside = client.get(f"/api/v1/appointments/{appointment.pk}/").json()
    assert outside["late_cancellation"] is None
    assert any("Cancelling within 24 hours" in line for line in outside["payment_policy"])

    clock.move_to(TUE_NOON)
    inside = client.get(f"/api/v1/appointments/{appointment.pk}/").json()

    fee = (massage_type.price / 2).quantize(Decimal("0.01"))
    assert inside["late_cancellation"] == {
        "fee": str(fee),
        "currency": "usd",
        "card_last4": "4242",
        "message": (
            f"You are within 24 hours of the session: cancelling now costs ${fee}, charged to your card ending 4242."
        ),
    }
    listed = client.get("/api/v1/appointments/").json()["results"]
    assert listed[0]["late_cancellation"] == inside["late_cancellation"]


def test_a_late_cancel_without_accepting_the_fee_is_a_409_that_names_it(
    patient: User, therapist: Therapist, massage_type: MassageType, card: Card, clock: Any
) -> None:
    appointment = book(patient, therapist, massage_type)
    clock.move_to(TUE_NOON)

    response = signed_in(patient).post(f"/api/v1/appointments/{appointment.pk}/cancel/", {}, format="json")

    assert response.status_code == 409
    refused = error(response)
    assert refused["code"] == "cancellation_too_late"
    assert f"costs ${(massage_type.price / 2).quantize(Decimal('0.01'))}" in refused["message"]
    assert "accept_late_fee" in refused["message"]
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED
    assert not Charge.objects.filter(kind=ChargeKind.LATE_CANCEL_FEE).exists()


def test_a_late_cancel_with_the_fee_accepted_cancels_and_charges_it(
    patient: User, therapist: Therapist, massage_type: MassageType, card: Card, clock: Any
) -> None:
    appointment = book(patient, therapist, massage_type)
    clock.move_to(TUE_NOON)

    response = signed_in(patient).post(
        f"/api/v1/appointments/{appointment.pk}/cancel/", {"accept_late_fee": True}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    fee = Charge.objects.get(appointment=appointment, kind=ChargeKind.LATE_CANCEL_FEE)
    deposit = Charge.objects.get(appointment=appointment, kind=ChargeKind.DEPOSIT)
    assert fee.amount == massage_type.price / 2 - deposit.amount
    assert fee.state == ChargeState.PENDING


def test_accepting_a_fee_that_cannot_be_charged_is_still_refused(
    patient: User, therapist: Therapist, massage_type: MassageType, clock: Any
) -> None:
    """Payments off: no card, no fee, and cancelling inside the window stays a call to the clinic."""
    appointment = book(patient, therapist, massage_type)
    clock.move_to(TUE_NOON)
    client = signed_in(patient)
    assert client.get(f"/api/v1/appointments/{appointment.pk}/").json()["late_cancellation"] is None

    response = client.post(f"/api/v1/appointments/{appointment.pk}/cancel/", {"accept_late_fee": True}, format="json")

    assert response.status_code == 409
    assert error(response)["code"] == "cancellation_too_late"
    assert "call the clinic" in error(response)["message"]
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


# --- Pay now -------------------------------------------------------------------------------


@pytest.fixture
def declined_deposit(
    patient: User, therapist: Therapist, massage_type: MassageType, payments_on: str, policy: Policy
) -> Charge:
    """A deposit the saved card declined: owed, with a pay-now e-mail."""
    save_card(patient, payments_on, number=fake_stripe.DECLINED_ON_CHARGE)
    appointment = book(patient, therapist, massage_type)
    deposit = Charge.objects.get(appointment=appointment, kind=ChargeKind.DEPOSIT)
    assert sending.send_charge(deposit.pk) == "failed"
    return deposit


def test_pay_now_after_a_decline_is_paid_with_another_card(
    patient: User, declined_deposit: Charge, payments_on: str
) -> None:
    client = signed_in(patient)
    url = f"/api/v1/payments/{declined_deposit.pk}/pay/"

    first = client.post(url)
    assert first.status_code == 200
    assert first.json()["amount"] == str(declined_deposit.amount)
    pay_in_the_browser(payments_on, first.json()["client_secret"], number=fake_stripe.DECLINED_ON_CHARGE)
    declined = client.post(f"{url}finish/")
    assert declined.status_code == 200
    assert declined.json()["state"] == "failed"
    assert declined.json()["failure_message"] == "Your card was declined."

    second = client.post(url)
    assert second.json()["client_secret"] != first.json()["client_secret"]
    pay_in_the_browser(payments_on, second.json()["client_secret"], number=fake_stripe.GOOD_CARD)
    paid = client.post(f"{url}finish/")

    assert paid.json()["state"] == "succeeded"
    declined_deposit.refresh_from_db()
    assert declined_deposit.state == ChargeState.SUCCEEDED
    assert declined_deposit.method == Method.ONLINE_CARD
    assert declined_deposit.card_last4 == "4242"
    assert declined_deposit.provider_id == second.json()["client_secret"].split("_secret_")[0]
    # The first attempt's PaymentIntent can never be paid now: an old tab pays nothing twice.
    old = fake_stripe.client(payments_on).v1.payment_intents.retrieve(
        first.json()["client_secret"].split("_secret_")[0]
    )
    assert old.status == "canceled"
    assert Notification.objects.filter(kind=NotificationKind.RECEIPT, subject_id=declined_deposit.pk).count() == 1
    assert client.post(url).status_code == 409  # paid: nothing more to pay
    assert client.post(f"{url}finish/").json()["state"] == "succeeded"  # a second finish changes nothing


def test_pay_now_reloaded_resumes_the_same_payment(patient: User, declined_deposit: Charge) -> None:
    client = signed_in(patient)
    url = f"/api/v1/payments/{declined_deposit.pk}/pay/"

    first = client.post(url).json()
    again = client.post(url).json()

    assert again["client_secret"] == first["client_secret"]
    declined_deposit.refresh_from_db()
    assert declined_deposit.state == ChargeState.SENDING
    assert declined_deposit.attempts == 2


def test_another_patients_charge_cannot_be_paid_or_seen(
    other_patient: User, declined_deposit: Charge, payments_on: str
) -> None:
    client = signed_in(other_patient)

    assert client.post(f"/api/v1/payments/{declined_deposit.pk}/pay/").status_code == 404
    assert client.post(f"/api/v1/payments/{declined_deposit.pk}/pay/finish/").status_code == 404
    assert client.get("/api/v1/payments/").json()["count"] == 0
    declined_deposit.refresh_from_db()
    assert declined_deposit.state == ChargeState.FAILED


def test_a_charge_paid_while_the_sweep_gave_up_on_it_is_settled_as_paid(
    patient: User, declined_deposit: Charge, payments_on: str, clock: Any
) -> None:
    """The patient took longer than the claim timeout to type the card: Stripe's answer still settles it."""
    client = signed_in(patient)
    url = f"/api/v1/payments/{declined_deposit.pk}/pay/"
    secret = client.post(url).json()["client_secret"]
    sending.settle_charge(declined_deposit.pk, attempt=2, status="requires_payment_method", message="Not completed.")

    pay_in_the_browser(payments_on, secret, number=fake_stripe.GOOD_CARD)
    paid = client.post(f"{url}finish/")

    assert paid.json()["state"] == "succeeded"


def test_a_charge_waiting_for_the_clinic_cannot_be_paid_online(
    patient: User, therapist: Therapist, massage_type: MassageType, payments_on: str, policy: Policy, admin_user: User
) -> None:
    # Booked by the clinic for a patient without a card: no deposit.
    appointment = services.book(
        patient=patient, therapist=therapist, massage_type=massage_type, start=WED_10, by=admin_user
    )
    waiting = Charge.objects.create(
        appointment=appointment,
        kind=ChargeKind.NO_SHOW_FEE,
        amount=Decimal("10.00"),
        currency="usd",
        state=ChargeState.AWAITING_APPROVAL,
        created_at=WED_10,
    )

    response = signed_in(patient).post(f"/api/v1/payments/{waiting.pk}/pay/")

    assert response.status_code == 409
    assert error(response)["code"] == "invalid_status"
