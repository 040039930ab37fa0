"""Money at the front desk's calendar: what a session has paid and owes, desk payments, refunds and fees."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from audit.models import Event, Kind
from booking import services as booking
from booking.models import Appointment, MassageType, Notification, NotificationKind
from clinic.models import User
from payments import sending
from payments.models import Card, Charge, ChargeKind, ChargeState, Policy, Refund
from tests import localstripe as fake_stripe
from tests.conftest import CLINIC_ZONE
from tests.payments.conftest import save_card
from therapists.models import Therapist

API = "/admin/calendar/api/"
# Wednesday 11:05, just after Alice's 10:00-11:00 session (the `booked` fixture).
AFTER_THE_SESSION = datetime(2026, 3, 4, 11, 5, tzinfo=CLINIC_ZONE)


def post(client: Client, name: str, body: Any) -> Any:
    return client.post(f"{API}{name}/", json.dumps(body), content_type="application/json")


def ledger(client: Client, appointment: Appointment) -> dict[str, Any]:
    response = client.get(f"{API}payments/", {"appointment": appointment.pk})
    assert response.status_code == 200
    return response.json()


def receipt_of(charge_id: int) -> str:
    return reverse("payments:receipt", args=[charge_id])


@pytest.fixture
def calendar_only_client(db: None) -> Client:
    """Staff who use the calendar (appointment view and change) but hold no payments permission."""
    user = User.objects.create_user(email="cal@example.test", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_appointment", "change_appointment"]))
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_front_desk_takes_cash_with_a_tip_and_the_receipt_is_recorded(
    booked: Appointment, front_desk_client: Client, front_desk: User, clock: time_machine.Traveller
) -> None:
    clock.move_to(AFTER_THE_SESSION)

    response = post(front_desk_client, "pay", {"appointment": booked.pk, "method": "cash", "tip": "15.00"})

    assert response.status_code == 201
    charge = Charge.objects.get(appointment=booked, kind=ChargeKind.BALANCE)
    assert (charge.amount, charge.tip, charge.state, charge.method) == (
        Decimal("90.00"),
        Decimal("15.00"),
        "succeeded",
        "cash",
    )
    assert charge.created_by == front_desk
    assert Notification.objects.filter(appointment=booked, kind=NotificationKind.RECEIPT, subject_id=charge.pk).exists()
    assert Event.objects.filter(appointment_id=booked.pk, kind=Kind.CHARGE_PAID, actor=front_desk).exists()
    body = response.json()
    assert (body["paid"], body["balance_due"], body["can_pay"]) == ("105.00", "0.00", False)
    assert body["text"]["paid"] == "$105.00"
    assert body["charge"] == charge.pk
    assert body["receipt_url"] == receipt_of(charge.pk)
    assert front_desk_client.get(body["receipt_url"]).status_code == 200  # printable at the desk
    assert body["charges"][0]["receipt_url"] == receipt_of(charge.pk)


@pytest.mark.django_db
def test_the_balance_is_taken_once(booked: Appointment, front_desk_client: Client) -> None:
    assert post(front_desk_client, "pay", {"appointment": booked.pk, "method": "terminal"}).status_code == 201

    again = post(front_desk_client, "pay", {"appointment": booked.pk, "method": "cash", "tip": "5"})

    assert again.status_code == 409
    assert again.json()["error"]["message"] == "The balance of this session has already been taken."
    assert Charge.objects.filter(appointment=booked).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"method": "cheque"}, "method"),
        ({"method": "cash", "tip": "-1.00"}, "tip"),
        ({"method": "cash", "tip": "1.005"}, "tip"),
        ({"method": "cash", "tip": "ten"}, "tip"),
        ({"method": "cash", "tip": True}, "tip"),
        ({"method": "saved_card"}, "method"),  # Alice has no saved card (online payments are off)
    ],
)
def test_a_wrong_payment_is_a_field_error(
    booked: Appointment, front_desk_client: Client, body: dict[str, Any], field: str
) -> None:
    response = post(front_desk_client, "pay", {"appointment": booked.pk, **body})

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Charge.objects.exists()


@pytest.mark.django_db
def test_the_ledger_offers_the_saved_card_only_when_there_is_one(
    booked: Appointment, front_desk_client: Client
) -> None:
    body = ledger(front_desk_client, booked)

    assert [method["value"] for method in body["methods"]] == ["cash", "terminal"]
    assert (body["price"], body["paid"], body["owed"], body["balance_due"]) == ("90.00", "0.00", "0.00", "90.00")
    assert body["card"] is None
    assert body["can_pay"] is True
    assert body["may"] == {"pay": True, "refund": True, "decide": True}


@pytest.mark.django_db
def test_the_saved_card_is_charged_at_the_desk(
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    card: Card,
    payments_on: str,
    front_desk_client: Client,
    clock: time_machine.Traveller,
) -> None:
    session = booking.book(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE),
    )
    deposit = Charge.objects.get(appointment=session, kind=ChargeKind.DEPOSIT)
    assert sending.send_charge(deposit.pk) == "succeeded"
    clock.move_to(AFTER_THE_SESSION)
    before = ledger(front_desk_client, session)
    assert [method["value"] for method in before["methods"]] == ["cash", "terminal", "saved_card"]
    assert before["card"] == f"{card.brand or 'Card'} ending 4242"
    assert before["balance_due"] == "72.00"  # the 18.00 deposit counts

    response = post(front_desk_client, "pay", {"appointment": session.pk, "method": "saved_card", "tip": "5.00"})

    assert response.status_code == 201
    balance = Charge.objects.get(appointment=session, kind=ChargeKind.BALANCE)
    assert (balance.state, balance.card_last4, balance.total) == ("pending", "4242", Decimal("77.00"))
    assert response.json()["receipt_url"] is None  # paid once Stripe says so
    assert sending.send_charge(balance.pk) == "succeeded"
    balance.refresh_from_db()
    intent = fake_stripe.client(payments_on).v1.payment_intents.retrieve(balance.provider_id or "")
    assert intent.amount == 7700
    assert Notification.objects.filter(kind=NotificationKind.RECEIPT, subject_id=balance.pk).exists()
    assert ledger(front_desk_client, session)["paid"] == "95.00"


@pytest.mark.django_db
def test_the_front_desk_refunds_part_of_a_cash_payment_with_a_reason(
    booked: Appointment, front_desk_client: Client, front_desk: User
) -> None:
    post(front_desk_client, "pay", {"appointment": booked.pk, "method": "cash", "tip": "10.00"})
    charge = Charge.objects.get(appointment=booked)

    no_reason = post(front_desk_client, "refund", {"charge": charge.pk, "amount": "20.00"})
    too_much = post(front_desk_client, "refund", {"charge": charge.pk, "amount": "100.01", "reason": "Oops"})
    done = post(front_desk_client, "refund", {"charge": charge.pk, "amount": "20.00", "reason": "Short session"})

    assert no_reason.status_code == 400
    assert no_reason.json()["error"]["fields"] == {"reason": "Say why the money is given back."}
    assert too_much.status_code == 400
    assert "amount" in too_much.json()["error"]["fields"]
    assert done.status_code == 201
    refund = Refund.objects.get(charge=charge)
    assert (refund.amount, refund.reason, refund.state, refund.created_by) == (
        Decimal("20.00"),
        "Short session",
        "succeeded",
        front_desk,
    )
    line = done.json()["charges"][0]
    assert (line["refunded"], line["refundable"]) == ("20.00", "80.00")
    assert done.json()["refunded"] == "20.00"


@pytest.mark.django_db
def test_the_rest_is_refunded_when_no_amount_is_given(booked: Appointment, front_desk_client: Client) -> None:
    post(front_desk_client, "pay", {"appointment": booked.pk, "method": "terminal"})
    charge = Charge.objects.get(appointment=booked)

    response = post(front_desk_client, "refund", {"charge": charge.pk, "reason": "Wrong patient charged"})

    assert response.status_code == 201
    assert Refund.objects.get(charge=charge).amount == Decimal("90.00")
    assert response.json()["charges"][0]["can_refund"] is False


@pytest.mark.django_db
def test_the_front_desk_approves_or_waives_a_waiting_no_show_fee(
    patient: User,
    other_patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    card: Card,
    policy: Policy,
    payments_on: str,
    front_desk_client: Client,
    admin_user: User,
    clock: time_machine.Traveller,
) -> None:
    policy.no_show_needs_approval = True
    policy.save()
    save_card(other_patient, payments_on)
    alice = booking.book(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 4, 9, 0, tzinfo=CLINIC_ZONE),
    )
    bob = booking.book(
        patient=other_patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 4, 10, 15, tzinfo=CLINIC_ZONE),
    )
    for deposit in Charge.objects.filter(kind=ChargeKind.DEPOSIT):
        assert sending.send_charge(deposit.pk) == "succeeded"
    clock.move_to(datetime(2026, 3, 4, 11, 30, tzinfo=CLINIC_ZONE))
    booking.mark_no_show(appointment=alice, by=admin_user)
    booking.mark_no_show(appointment=bob, by=admin_user)
    alices_fee = Charge.objects.get(appointment=alice, kind=ChargeKind.NO_SHOW_FEE)
    bobs_fee = Charge.objects.get(appointment=bob, kind=ChargeKind.NO_SHOW_FEE)
    line = ledger(front_desk_client, alice)["charges"][-1]
    assert (line["id"], line["state"], line["can_approve"], line["can_waive"]) == (
        alices_fee.pk,
        "awaiting_approval",
        True,
        True,
    )

    approved = post(front_desk_client, "approve-fee", {"charge": alices_fee.pk})
    no_reason = post(front_desk_client, "waive-fee", {"charge": bobs_fee.pk, "reason": ""})
    waived = post(front_desk_client, "waive-fee", {"charge": bobs_fee.pk, "reason": "Car broke down"})
    again = post(front_desk_client, "approve-fee", {"charge": bobs_fee.pk})

    assert approved.status_code == 200
    alices_fee.refresh_from_db()
    assert alices_fee.state == ChargeState.PENDING
    assert sending.send_charge(alices_fee.pk) == "succeeded"
    assert no_reason.status_code == 400
    assert waived.status_code == 200
    bobs_fee.refresh_from_db()
    assert bobs_fee.state == ChargeState.WAIVED
    assert again.status_code == 409
    assert waived.json()["owed"] == "0.00"


@pytest.mark.django_db
def test_an_unknown_charge_or_session_answers_404(booked: Appointment, front_desk_client: Client) -> None:
    assert post(front_desk_client, "refund", {"charge": 999999, "reason": "x"}).status_code == 404
    assert post(front_desk_client, "pay", {"appointment": 999999, "method": "cash"}).status_code == 404
    assert front_desk_client.get(f"{API}payments/", {"appointment": 999999}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["pay", "refund", "approve-fee", "waive-fee"])
def test_money_needs_the_payments_permissions_not_just_the_calendar(
    booked: Appointment, calendar_only_client: Client, client: Client, patient_client: Client, name: str
) -> None:
    assert calendar_only_client.get(f"{API}payments/", {"appointment": booked.pk}).status_code == 403
    assert post(calendar_only_client, name, {"appointment": booked.pk, "method": "cash"}).status_code == 403
    assert post(client, name, {}).status_code == 401
    assert post(patient_client, name, {}).status_code == 403
    assert not Charge.objects.exists()


@pytest.mark.django_db
def test_a_desk_payment_needs_the_csrf_token(booked: Appointment, front_desk: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(front_desk)

    response = post(client, "pay", {"appointment": booked.pk, "method": "cash"})

    assert response.status_code == 403
    assert not Charge.objects.exists()


@pytest.mark.django_db
def test_the_calendar_page_names_the_money_endpoints_only_to_those_who_may_read_them(
    booked: Appointment, front_desk_client: Client, calendar_only_client: Client
) -> None:
    def urls(client: Client) -> dict[str, str]:
        page = client.get("/admin/calendar/?date=2026-03-04")
        assert page.status_code == 200
        return page.context["config"]["urls"]

    assert urls(front_desk_client)["pay"] == f"{API}pay/"
    assert "pay" not in urls(calendar_only_client)
