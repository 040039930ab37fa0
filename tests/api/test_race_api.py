"""Twenty signed-in patients race for one slot over HTTP: one 201, nineteen clean 409s."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from booking.models import Appointment
from tests.conftest import CLINIC_ZONE
from tests.factories import UserFactory

THREADS = 20
START = datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE)


@pytest.mark.django_db(transaction=True)
def test_twenty_clients_racing_for_one_slot_get_one_201_and_nineteen_slot_taken(clock, therapist, massage_type):
    clients = []
    for _ in range(THREADS):
        client = Client()
        client.force_login(UserFactory())
        clients.append(client)
    payload = {"massage_type": massage_type.pk, "therapist": therapist.pk, "start": START.isoformat()}
    barrier = threading.Barrier(THREADS)
    responses: list[Any] = [None] * THREADS

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            responses[index] = clients[index].post("/api/v1/appointments/", payload, content_type="application/json")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (THREADS - 1)
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"slot_taken"}
    assert Appointment.objects.active().count() == 1
