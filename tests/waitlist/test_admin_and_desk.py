"""The clinic sees who waits per day and massage (admin, front desk calendar) and offers a slot by hand."""

from __future__ import annotations

from datetime import time

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from booking.models import Status
from clinic.models import User
from tests.factories import UserFactory
from tests.waitlist.conftest import WEDNESDAY, at, join
from waitlist.models import EntryState, Offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def front_desk_client(db) -> Client:
    from importlib import import_module

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    groups = import_module("clinic.migrations.0002_staff_groups")
    grants = import_module("waitlist.migrations.0002_staff_permissions")
    if not Group.objects.filter(name=groups.FRONT_DESK).exists():
        state = MigrationExecutor(connection).loader.project_state(("clinic", "0002_staff_groups"))
        groups.create_staff_groups(state.apps, None)
        grants.grant(
            MigrationExecutor(connection).loader.project_state(("waitlist", "0002_staff_permissions")).apps, None
        )
    desk: User = UserFactory.create(email="desk@example.test", is_staff=True)
    desk.groups.add(Group.objects.get(name=groups.FRONT_DESK))
    client = Client()
    client.force_login(desk)
    return client


def test_the_admin_lists_who_waits_on_a_day(clock, admin_client, patient, other_patient, massage_type):
    now = timezone.now()
    join(patient, massage_type, now)
    join(other_patient, massage_type, now, weekdays=[0])  # Mondays only: not on Wednesday

    page = admin_client.get(f"/admin/waitlist/waitlistentry/?day={WEDNESDAY}&massage_type__id__exact={massage_type.pk}")

    assert page.status_code == 200
    assert "Alice" in page.content.decode()
    assert "Bob" not in page.content.decode()


def test_staff_offer_a_chosen_slot_to_a_chosen_entry(clock, front_desk_client, patient, therapist, massage_type):
    entry = join(patient, massage_type, timezone.now(), time_from=time(11), time_to=time(11))
    url = f"/admin/waitlist/waitlistentry/{entry.pk}/offer/"

    listing = front_desk_client.get(url)
    assert listing.status_code == 200
    assert "Offer this slot" in listing.content.decode()

    answer = front_desk_client.post(url, {"therapist": therapist.pk, "start": at(11).isoformat()})

    assert answer.status_code == 302
    offer = Offer.objects.get(entry=entry)
    assert (offer.appointment.status, offer.appointment.start, offer.offered_by and offer.offered_by.email) == (
        Status.HELD,
        at(11),
        "desk@example.test",
    )
    entry.refresh_from_db()
    assert entry.state == EntryState.OFFERED


def test_the_desk_calendar_counts_who_waits_for_the_morning(
    clock, front_desk_client, patient, other_patient, massage_type, therapist
):
    now = timezone.now()
    join(patient, massage_type, now, time_from=time(9), time_to=time(11))
    join(other_patient, massage_type, now, time_from=time(17), time_to=time(20))

    page = front_desk_client.get(f"/admin/calendar/?date={WEDNESDAY}")

    assert page.status_code == 200
    text = page.content.decode()
    assert "1 waiting for the morning, 0 for the afternoon, 1 for the evening" in text
    assert '"morning": 1' in text  # and in the calendar's JSON
