"""Locust users for bench/load.py: 80% availability reads, 20% bookings and cancellations.

Started by bench/load.py (headless, bounded in time, loopback only); reads the seeded
patients' tokens and the catalogue from the JSON file named by LOAD_FIXTURE. With
LOAD_REVALIDATE=1 each user keeps the availability answers it got, as a browser does with
`Cache-Control: no-cache`, and asks again with their ETag (a 304 reuses the kept answer).
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
REVALIDATE = os.environ.get("LOAD_REVALIDATE") == "1"


class Patient(HttpUser):
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.client.headers["Authorization"] = f"Token {next(TOKENS)}"
        self.booked: list[int] = []
        self.kept: dict[str, tuple[str, list[dict[str, object]]]] = {}

    def _slots(self, massage_type: int, date_from: str, date_to: str) -> list[dict[str, object]] | None:
        """Ask for the availability (revalidating a kept answer when told to); None when it was not answered."""
        url = f"/api/v1/availability/?massage_type={massage_type}&date_from={date_from}&date_to={date_to}"
        kept = self.kept.get(url) if REVALIDATE else None
        headers = {"If-None-Match": kept[0]} if kept else {}
        with self.client.get(url, name="/api/v1/availability/", headers=headers, catch_response=True) as response:
            if response.status_code == 304 and kept:
                response.success()
                return kept[1]
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return None
            slots: list[dict[str, object]] = response.json()["slots"]
            if REVALIDATE and response.headers.get("ETag"):
                self.kept[url] = (response.headers["ETag"], slots)
            return slots

    def _window(self) -> tuple[str, str]:
        first = FIRST_DAY + timedelta(days=self.rng.randrange(DAYS - 3))
        return first.isoformat(), (first + timedelta(days=2)).isoformat()

    @task(8)
    def read_availability(self) -> None:
        date_from, date_to = self._window()
        self._slots(self.rng.choice(FIXTURE["massage_types"]), date_from, date_to)

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
        slots = self._slots(massage_type, date_from, date_to)
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
