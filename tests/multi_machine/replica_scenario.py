"""The read-replica scenario, run as a process of the service: `python -m tests.multi_machine.replica_scenario`.

DATABASE_URL is a primary and DATABASE_REPLICA_URL its streaming replica (both started by
tests/multi_machine/test_read_replica.py, migrated). It seeds a therapist's Wednesday on the
primary, reads availability through the API while counting each connection's queries, stops
the replica's replay (so it goes stale on purpose), books the first slot on the primary, and
asks the API again and then to book the slot the stale answer still offers. It prints what it
saw as one JSON line; the test asserts on it.
"""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta
from typing import Any

import django


def wait_for_replica(check: str, params: list[int]) -> bool:
    """Wait until the replica answers the query with a row (it has replayed the primary's writes)."""
    from django.db import connections

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with connections["replica"].cursor() as cursor:
            cursor.execute(check, params)
            if cursor.fetchone():
                return True
        time.sleep(0.1)
    return False


def main() -> None:
    django.setup()
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from booking import services
    from booking.models import ACTIVE_STATUSES, Appointment
    from tests.factories import MassageTypeFactory, TherapistFactory, UserFactory, weekly_hours

    zone = timezone.get_default_timezone()
    day: date = timezone.localdate(timezone.now()) + timedelta(days=3)
    massage = MassageTypeFactory.create(name="Deep tissue", slug="deep-tissue", duration_minutes=60, buffer_minutes=15)
    therapist = TherapistFactory.create(display_name="Carol Chen", massage_types=[massage])
    weekly_hours(therapist)
    first_patient, second_patient = UserFactory.create(), UserFactory.create()
    seen: dict[str, Any] = {}
    seen["replica_in_recovery"] = _one(connections["replica"], "SELECT pg_is_in_recovery()")
    seen["replica_caught_up"] = wait_for_replica("SELECT 1 FROM therapists_therapist WHERE id = %s", [therapist.pk])

    client = Client()
    query = {"massage_type": massage.pk, "date_from": day.isoformat(), "date_to": day.isoformat()}

    def availability() -> tuple[list[str], int, int]:
        with (
            CaptureQueriesContext(connections["replica"]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            answer = client.get("/api/v1/availability/", query)
        assert answer.status_code == 200, answer.content
        return [slot["start"] for slot in answer.json()["slots"]], len(on_replica), len(on_primary)

    slots, seen["availability_replica_queries"], seen["availability_primary_queries"] = availability()
    seen["slots_before"] = len(slots)
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        therapists = client.get("/api/v1/therapists/")
    seen["therapists_status"] = therapists.status_code
    seen["therapists_replica_queries"] = len(on_replica)

    # The replica stops replaying: from now on it is stale, as a lagging replica is.
    _one(connections["replica"], "SELECT pg_wal_replay_pause()")
    first_slot = slots[0]
    services.book(
        patient=first_patient, therapist=therapist, massage_type=massage, start=datetime.fromisoformat(first_slot)
    )
    stale_slots, _, _ = availability()
    seen["stale_answer_still_offers_the_booked_slot"] = first_slot in stale_slots

    client.force_login(second_patient)
    refused = client.post(
        "/api/v1/appointments/",
        {"massage_type": massage.pk, "therapist": therapist.pk, "start": first_slot},
        content_type="application/json",
    )
    seen["booking_status"] = refused.status_code
    seen["booking_error"] = refused.json().get("error", {})
    start = datetime.fromisoformat(first_slot)
    seen["active_sessions_at_the_slot"] = Appointment.objects.filter(
        therapist=therapist, start=start, status__in=ACTIVE_STATUSES
    ).count()
    seen["the_slots_zone"] = str(start.astimezone(zone).tzinfo)

    _one(connections["replica"], "SELECT pg_wal_replay_resume()")
    seen["replica_caught_up_again"] = wait_for_replica(
        "SELECT 1 FROM booking_appointment WHERE therapist_id = %s AND patient_id = %s",
        [therapist.pk, first_patient.pk],
    )
    fresh_slots, _, _ = availability()
    seen["fresh_answer_offers_the_booked_slot"] = first_slot in fresh_slots
    print(json.dumps(seen))


def _one(connection: Any, sql: str) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return row[0] if row else None


if __name__ == "__main__":
    main()
