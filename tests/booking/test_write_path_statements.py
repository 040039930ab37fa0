"""The booking write path's statements, counted (never timed): one lock statement, one statement for the writes."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking import services
from booking.models import Appointment, MassageType, Notification
from clinic.models import User
from tests.conftest import CLINIC_ZONE
from tests.factories import UserFactory
from therapists.models import Therapist


def kinds(queries: CaptureQueriesContext) -> Counter[str]:
    counted: Counter[str] = Counter()
    for query in queries.captured_queries:
        sql = query["sql"].lstrip().upper()
        if sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            counted["savepoint"] += 1
        elif "FOR UPDATE" in sql:
            counted["lock"] += 1
        else:
            counted[sql.split(" ", 1)[0].lower()] += 1
    return counted


@pytest.mark.django_db(transaction=True)
def test_a_booking_takes_four_statements_the_locks_two_reads_and_the_writes(
    clock, therapist: Therapist, massage_type: MassageType, patient: User
) -> None:
    services.book(  # a first booking warms nothing the count depends on, but makes the patient a returning one
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 5, 9, tzinfo=CLINIC_ZONE),
    )

    newcomer = UserFactory()

    with CaptureQueriesContext(connection) as queries:
        appointment = services.book(
            patient=newcomer,
            therapist=therapist,
            massage_type=massage_type,
            start=datetime(2026, 3, 4, 9, tzinfo=CLINIC_ZONE),
        )

    counted = kinds(queries)
    # Reads: the patient's standing (limits and clashes) with the therapist's hours for the
    # massage, time off and clashes (hours found: the therapist offers it), one statement;
    # the room to take. Writes, one statement (booking.together): the session, its notices,
    # the history event, the availability stamp (an upsert). Round trips: those four, BEGIN and COMMIT.
    assert counted == {"begin": 1, "lock": 1, "select": 2, "with": 1, "commit": 1}, [
        q["sql"][:80] for q in queries.captured_queries
    ]
    assert "savepoint" not in counted
    # The safety the statements carry: the notices were written in the same transaction.
    assert Notification.objects.filter(appointment=appointment).count() >= 2


@pytest.mark.django_db(transaction=True)
def test_a_cancellation_counts_its_receivers_statements(
    clock, therapist: Therapist, massage_type: MassageType, patient: User
) -> None:
    appointment = services.book(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 4, 9, tzinfo=CLINIC_ZONE),
    )

    with CaptureQueriesContext(connection) as queries:
        services.cancel(appointment=appointment, by=patient)

    waitlist = [q for q in queries.captured_queries if "waitlist_" in q["sql"]]
    payments = [q for q in queries.captured_queries if "payments_" in q["sql"]]
    # The waitlist notes the freed time (one insert); payments, off, reads what the session owes.
    assert len(waitlist) == 1
    assert len(payments) <= 2
    assert len(queries) <= 15, [q["sql"][:80] for q in queries.captured_queries]
    assert Appointment.objects.get(pk=appointment.pk).status == "cancelled"
