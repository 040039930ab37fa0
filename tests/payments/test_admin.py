"""The ledger's admin on a demo day: filters, totals per day, the CSV, and refunds, approvals and waivers through it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from booking import services as booking
from booking.models import Appointment, MassageType
from clinic.models import User
from payments import sending, services
from payments.models import Card, Charge, ChargeKind, ChargeState, Method, Policy, Refund
from payments.selectors import DayTotal
from tests import localstripe as fake_stripe
from tests.conftest import CLINIC_ZONE
from tests.factories import UserFactory
from tests.payments.conftest import save_card
from therapists.models import Therapist

CHANGELIST = reverse("admin:payments_charge_changelist")
EXPORT = reverse("admin:payments_charge_export")
MONDAY, WEDNESDAY = date(2026, 3, 2), date(2026, 3, 4)


def at(hour: int, minute: int = 0, day: int = 4) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=CLINIC_ZONE)


@dataclass
class Day:
    """Wednesday's ledger, with the deposits taken on Monday when the sessions were booked."""

    alice_deposit: Charge  # paid Monday, 18.00
    cara_deposit: Charge  # declined Monday: owed, 18.00
    alice_fee: Charge  # Alice missed Wednesday 10:00: 72.00 waiting for the desk's approval
    bob_balance: Charge  # Bob paid 90.00 in cash with a 10.00 tip on Wednesday, 25.00 given back
    bob: Appointment

    def pks(self, *names: str) -> set[int]:
        return {getattr(self, name).pk for name in names}


@pytest.fixture
def demo_day(
    clock: time_machine.Traveller,
    payments_on: str,
    policy: Policy,
    patient: User,
    other_patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    admin_user: User,
) -> Day:
    policy.no_show_needs_approval = True
    policy.save()
    cara: User = UserFactory.create(email="cara@example.test", first_name="Cara", last_name="Cole")
    save_card(patient, payments_on)
    save_card(cara, payments_on, number=fake_stripe.DECLINED_ON_CHARGE)
    alice = booking.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(10))
    bob = booking.book(
        patient=other_patient,
        therapist=therapist,
        massage_type=massage_type,
        start=at(13),
        by=admin_user,
        intake=booking.IntakeData(health_notes="Sciatica down the left leg"),
    )
    cara_visit = booking.book(patient=cara, therapist=therapist, massage_type=massage_type, start=at(10, day=5))
    alice_deposit = Charge.objects.get(appointment=alice, kind=ChargeKind.DEPOSIT)
    cara_deposit = Charge.objects.get(appointment=cara_visit, kind=ChargeKind.DEPOSIT)
    assert sending.send_charge(alice_deposit.pk) == "succeeded"
    assert sending.send_charge(cara_deposit.pk) == "failed"

    clock.move_to(at(11, 30))
    booking.mark_no_show(appointment=alice, by=admin_user)
    clock.move_to(at(14, 5))
    balance = services.take_desk_payment(appointment=bob, by=admin_user, method=Method.CASH, tip=Decimal("10.00"))
    clock.move_to(at(15))
    services.refund(charge=balance, by=admin_user, amount=Decimal("25.00"), reason="Session cut short")
    return Day(
        alice_deposit=alice_deposit,
        cara_deposit=cara_deposit,
        alice_fee=Charge.objects.get(appointment=alice, kind=ChargeKind.NO_SHOW_FEE),
        bob_balance=balance,
        bob=bob,
    )


def _listed(client: Client, query: str) -> set[int]:
    response = client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    return {charge.pk for charge in response.context["cl"].result_list}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"alice_deposit", "cara_deposit", "alice_fee", "bob_balance"}),
        ("standing=owed", {"cara_deposit", "alice_fee"}),
        ("standing=failed", {"cara_deposit"}),
        ("standing=refunded", {"bob_balance"}),
        ("kind__exact=deposit", {"alice_deposit", "cara_deposit"}),
        ("method__exact=cash", {"bob_balance"}),
        ("state__exact=awaiting_approval", {"alice_fee"}),
        ("day=2026-03-04", {"alice_fee", "bob_balance"}),
        ("day=2026-03-02", {"alice_deposit", "cara_deposit"}),
        ("day=2026-03-02&standing=owed", {"cara_deposit"}),
    ],
)
def test_the_charge_filters(demo_day: Day, front_desk_client: Client, query: str, expected: set[str]) -> None:
    assert _listed(front_desk_client, query) == demo_day.pks(*expected)


@pytest.mark.django_db
def test_the_changelist_totals_each_day_of_the_filtered_rows(demo_day: Day, front_desk_client: Client) -> None:
    everything = front_desk_client.get(CHANGELIST)
    wednesday = front_desk_client.get(f"{CHANGELIST}?day=2026-03-04")

    assert everything.context["day_totals"] == [
        DayTotal(WEDNESDAY, paid=Decimal("100.00"), owed=Decimal("72.00"), refunded=Decimal("25.00")),
        DayTotal(MONDAY, paid=Decimal("18.00"), owed=Decimal("18.00"), refunded=Decimal("0.00")),
    ]
    assert wednesday.context["day_totals"] == [everything.context["day_totals"][0]]
    assert everything.context["day_totals"][0].net == Decimal("75.00")
    page = wednesday.content.decode()
    assert "Totals per day" in page
    assert "<td>100.00</td><td>72.00</td><td>25.00</td><td>75.00</td>" in page


@pytest.mark.django_db
def test_the_csv_has_the_filtered_charges_in_exact_amounts_and_no_health_data(
    demo_day: Day, front_desk_client: Client
) -> None:
    response = front_desk_client.get(f"{EXPORT}?day=2026-03-04&method__exact=cash")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = response.content.decode()
    assert content.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(content.removeprefix("\ufeff"))))
    assert [row["charge"] for row in rows] == [str(demo_day.bob_balance.pk)]
    row = rows[0]
    assert (row["amount"], row["tip"], row["total"], row["refunded"]) == ("90.00", "10.00", "100.00", "25.00")
    assert row["patient"] == "Bob Baker"
    assert row["method"] == "Cash"
    assert row["created (America/New_York)"] == "2026-03-04 14:05"
    assert "Sciatica" not in content


@pytest.mark.django_db
def test_the_export_action_writes_the_selected_charges(demo_day: Day, front_desk_client: Client) -> None:
    response = front_desk_client.post(
        CHANGELIST, {"action": "export_selected", "_selected_action": [demo_day.alice_deposit.pk]}
    )

    rows = list(csv.DictReader(io.StringIO(response.content.decode().removeprefix("\ufeff"))))
    assert [(row["kind"], row["state"], row["total"]) for row in rows] == [("Deposit", "Paid", "18.00")]


def _refund(client: Client, charge: Charge, **fields: str) -> object:
    data = {"action": "refund_selected", "_selected_action": [charge.pk], "confirm": "yes", **fields}
    return client.post(CHANGELIST, data)


@pytest.mark.django_db
def test_the_refund_form_offers_all_that_is_left(demo_day: Day, front_desk_client: Client) -> None:
    response = front_desk_client.post(
        CHANGELIST, {"action": "refund_selected", "_selected_action": [demo_day.bob_balance.pk]}
    )

    assert response.status_code == 200
    (form,) = response.context["forms"]  # type: ignore[attr-defined]
    assert form.initial["amount"] == Decimal("75.00")
    assert "Up to $75.00" in response.content.decode()  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_a_part_then_the_rest_is_refunded_through_the_admin_with_a_reason(
    demo_day: Day, front_desk_client: Client, front_desk: User
) -> None:
    charge = demo_day.bob_balance
    prefix = f"charge-{charge.pk}"

    part = _refund(front_desk_client, charge, **{f"{prefix}-amount": "30.00", "reason": "Therapist ran late"})
    rest = _refund(front_desk_client, charge, **{f"{prefix}-amount": "45.00", "reason": "Patient unhappy"})

    assert part.status_code == rest.status_code == 302  # type: ignore[attr-defined]
    made = Refund.objects.filter(charge=charge, created_by=front_desk).order_by("pk")
    assert [(r.amount, r.reason, r.state) for r in made] == [
        (Decimal("30.00"), "Therapist ran late", "succeeded"),  # cash: handed back at the desk
        (Decimal("45.00"), "Patient unhappy", "succeeded"),
    ]
    assert services.refundable(charge) == Decimal("0.00")
    assert _listed(front_desk_client, "standing=refunded") == {charge.pk}


@pytest.mark.django_db
def test_a_refund_of_more_than_is_left_is_refused_with_a_form_error(demo_day: Day, front_desk_client: Client) -> None:
    charge = demo_day.bob_balance

    response = _refund(front_desk_client, charge, **{f"charge-{charge.pk}-amount": "75.01", "reason": "Too much"})

    assert response.status_code == 200  # type: ignore[attr-defined]
    (form,) = response.context["forms"]  # type: ignore[attr-defined]
    assert "Enter an amount from 0.01 to 75.00" in form.errors["amount"][0]
    assert Refund.objects.filter(charge=charge).count() == 1  # the fixture's 25.00 alone


@pytest.mark.django_db
def test_a_refund_needs_a_reason(demo_day: Day, front_desk_client: Client) -> None:
    charge = demo_day.bob_balance

    response = _refund(front_desk_client, charge, **{f"charge-{charge.pk}-amount": "5.00", "reason": " "})

    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.context["reason"].errors["reason"]  # type: ignore[attr-defined]
    assert Refund.objects.filter(charge=charge).count() == 1


@pytest.mark.django_db
def test_a_deposit_paid_by_card_is_refunded_through_stripe(demo_day: Day, owner_client: Client) -> None:
    deposit = demo_day.alice_deposit

    _refund(owner_client, deposit, **{f"charge-{deposit.pk}-amount": "18.00", "reason": "Clinic closed that day"})

    made = Refund.objects.get(charge=deposit)
    assert made.state == "pending"
    assert sending.send_refund(made.pk) == "succeeded"
    made.refresh_from_db()
    assert made.state == "succeeded"
    assert made.provider_id


@pytest.mark.django_db
def test_a_waiting_no_show_fee_is_approved_through_the_admin_and_charged(
    demo_day: Day, front_desk_client: Client
) -> None:
    fee = demo_day.alice_fee

    response = front_desk_client.post(CHANGELIST, {"action": "approve_selected", "_selected_action": [fee.pk]})

    assert response.status_code == 302
    fee.refresh_from_db()
    assert fee.state == ChargeState.PENDING
    assert sending.send_charge(fee.pk) == "succeeded"


@pytest.mark.django_db
def test_a_fee_is_waived_with_a_reason_and_a_paid_one_is_left_as_it_is(
    demo_day: Day, front_desk_client: Client
) -> None:
    fee, paid = demo_day.alice_fee, demo_day.alice_deposit
    chosen = [fee.pk, paid.pk]

    asked = front_desk_client.post(CHANGELIST, {"action": "waive_selected", "_selected_action": chosen})
    done = front_desk_client.post(
        CHANGELIST,
        {"action": "waive_selected", "_selected_action": chosen, "confirm": "yes", "reason": "Family emergency"},
        follow=True,
    )

    assert asked.status_code == 200
    fee.refresh_from_db()
    paid.refresh_from_db()
    assert (fee.state, paid.state) == (ChargeState.WAIVED, ChargeState.SUCCEEDED)
    notes = [str(message) for message in done.context["messages"]]
    assert "1 fee(s) waived." in notes
    assert any("Only a fee not yet paid" in note for note in notes)


@pytest.mark.django_db
def test_a_bare_staff_member_sees_no_ledger_and_takes_no_action(demo_day: Day) -> None:
    someone = User.objects.create_user(email="sam@example.test", is_staff=True)
    client = Client()
    client.force_login(someone)

    assert client.get(CHANGELIST).status_code == 403
    assert client.get(EXPORT).status_code == 403
    assert _refund(client, demo_day.bob_balance, reason="x").status_code == 403  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_nobody_edits_a_ledger_row_by_hand(demo_day: Day, owner_client: Client) -> None:
    charge = demo_day.bob_balance
    page = owner_client.get(reverse("admin:payments_charge_change", args=[charge.pk]))
    posted = owner_client.post(reverse("admin:payments_charge_change", args=[charge.pk]), {"amount": "1.00"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert posted.status_code == 403
    charge.refresh_from_db()
    assert charge.amount == Decimal("90.00")


@pytest.mark.django_db
def test_the_front_desk_never_sees_provider_ids(demo_day: Day, front_desk_client: Client, owner_client: Client) -> None:
    deposit = demo_day.alice_deposit
    deposit.refresh_from_db()
    url = reverse("admin:payments_charge_change", args=[deposit.pk])
    card = Card.objects.get(user=deposit.appointment.patient)

    assert deposit.provider_id
    assert deposit.provider_id not in front_desk_client.get(url).content.decode()
    assert deposit.provider_id in owner_client.get(url).content.decode()
    cards = owner_client.get(reverse("admin:payments_card_changelist")).content.decode()
    assert "4242" in cards
    assert card.provider_id not in cards
    assert front_desk_client.get(reverse("admin:payments_card_changelist")).status_code == 403


@pytest.mark.django_db
def test_the_front_desk_reads_the_policy_but_only_the_owner_changes_it(
    policy: Policy, front_desk_client: Client, owner_client: Client
) -> None:
    change = reverse("admin:payments_policy_change", args=[policy.pk])
    new = {
        "card_required": "on",
        "deposit_rule": "fixed",
        "deposit_amount": "25.00",
        "deposit_percent": "0",
        "late_cancel_fee_percent": "50",
        "no_show_fee_percent": "100",
    }

    listed = front_desk_client.get(reverse("admin:payments_policy_changelist"))
    assert [row.pk for row in listed.context["cl"].result_list] == [policy.pk]
    desk_page = front_desk_client.get(change).content.decode()
    assert 'name="_save"' not in desk_page
    assert "PAYMENTS_DEPOSIT_PERCENT=" in desk_page  # where the values started
    assert front_desk_client.post(change, new).status_code == 403
    policy.refresh_from_db()
    assert policy.deposit_rule == "percent"

    assert owner_client.post(change, new).status_code == 302
    policy.refresh_from_db()
    assert (policy.deposit_rule, policy.deposit_amount) == ("fixed", Decimal("25.00"))
    assert owner_client.get(reverse("admin:payments_policy_add")).status_code == 403
    assert owner_client.post(reverse("admin:payments_policy_delete", args=[policy.pk])).status_code == 403


@pytest.mark.django_db
def test_the_policy_starts_from_the_environments_defaults_and_says_so(settings: object, owner_client: Client) -> None:
    settings.PAYMENTS_DEPOSIT_PERCENT = Decimal("10")  # type: ignore[attr-defined]
    settings.PAYMENTS_NO_SHOW_NEEDS_APPROVAL = True  # type: ignore[attr-defined]

    listed = owner_client.get(reverse("admin:payments_policy_changelist"))

    (row,) = listed.context["cl"].result_list
    assert (row.deposit_rule, row.deposit_percent, row.no_show_needs_approval) == ("percent", Decimal("10"), True)
    page = owner_client.get(reverse("admin:payments_policy_change", args=[row.pk])).content.decode()
    assert "PAYMENTS_DEPOSIT_PERCENT=10" in page
    assert "PAYMENTS_NO_SHOW_NEEDS_APPROVAL=True" in page
    assert 'name="_save"' in page  # the owner changes it


@pytest.mark.django_db
def test_the_charge_list_reads_as_many_queries_whatever_its_rows(
    demo_day: Day, front_desk_client: Client, other_therapist: Therapist, massage_type: MassageType, admin_user: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert front_desk_client.get(CHANGELIST).status_code == 200
        return len(seen)

    before = queries()
    for hour in (10, 12, 14):
        walk_in: User = UserFactory.create(email=f"walk-in-{hour}@example.test")
        session = booking.book(
            patient=walk_in, therapist=other_therapist, massage_type=massage_type, start=at(hour, day=5), by=admin_user
        )
        services.take_desk_payment(appointment=session, by=admin_user, method=Method.TERMINAL)

    assert queries() == before
