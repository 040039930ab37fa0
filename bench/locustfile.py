"""Locust users for bench/load.py: 80% availability reads, 20% bookings and cancellations.

Started by bench/load.py (headless, bounded in time, loopback only); reads the seeded
patients' tokens and the catalogue from the JSON file named by LOAD_FIXTURE.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from datetime import date, timedelta

from locust import HttpUser, between, task

FIXTURE = json.loads(open(os.environ["LOAD_FIXTURE"]).read())  # noqa: SIM115
TOKENS = itertools.cycle(FIXTURE["tokens"])
FIRST_DAY = date.fromisoformat(FIXTURE["first_day"])
DAYS = FIXTURE["days"]


class Patient(HttpUser):
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.client.headers["Authorization"] = f"Token {next(TOKENS)}"
        self.booked: list[int] = []

    def _window(self) -> tuple[str, str]:
        first = FIRST_DAY + timedelta(days=self.rng.randrange(DAYS - 3))
        return first.isoformat(), (first + timedelta(days=2)).isoformat()

    @task(8)
    def read_availability(self) -> None:
        date_from, date_to = self._window()
        massage_type = self.rng.choice(FIXTURE["massage_types"])
        self.client.get(
            f"/api/v1/availability/?massage_type={massage_type}&date_from={date_from}&date_to={date_to}",
            name="/api/v1/availability/",
        )

    @task(2)
    def book_or_cancel(self) -> None:
        if len(self.booked) >= 3:
            appointment = self.booked.pop(0)
            self.client.post(
                f"/api/v1/appointments/{appointment}/cancel/", json={}, name="/api/v1/appointments/{id}/cancel/"
            )
            return
        date_from, date_to = self._window()
        massage_type = self.rng.choice(FIXTURE["massage_types"])
        response = self.client.get(
            f"/api/v1/availability/?massage_type={massage_type}&date_from={date_from}&date_to={date_to}",
            name="/api/v1/availability/",
        )
        if response.status_code != 200:
            return
        slots = response.json()["slots"]
        if not slots:
            return
        slot = self.rng.choice(slots[: max(1, len(slots) // 4)])  # crowd the early slots: more contention
        with self.client.post(
            "/api/v1/appointments/",
            json={"massage_type": massage_type, "therapist": slot["therapist"], "start": slot["start"]},
            name="/api/v1/appointments/ (book)",
            catch_response=True,
        ) as booking:
            if booking.status_code == 201:
                self.booked.append(booking.json()["id"])
                booking.success()
            elif booking.status_code == 409:
                # A lost race or a policy refusal is a correct answer, not an error.
                booking.success()
            else:
                booking.failure(f"{booking.status_code}: {booking.text[:200]}")
