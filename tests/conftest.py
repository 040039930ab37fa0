"""Shared fixtures: personas, a pinned clock and the clinic's catalogue.

The suite runs against PostgreSQL (DATABASE_URL). A missing database is a failure, not a skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from hypothesis import settings as hypothesis_settings

from booking.models import MassageType
from clinic.models import User
from tests.factories import MassageTypeFactory, TherapistFactory, UserFactory, weekly_hours
from therapists.models import Therapist

# Property tests: the same examples on every run of `make test` (no flaky CI), many more,
# freshly drawn, with `make test-deep` (HYPOTHESIS_PROFILE=deep).
hypothesis_settings.register_profile("ci", max_examples=60, derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("deep", max_examples=1000, deadline=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

CLINIC_ZONE = ZoneInfo("America/New_York")
# Monday 2026-03-02 08:00 in the clinic: a week before the spring DST change (2026-03-08).
PINNED_NOW = datetime(2026, 3, 2, 8, 0, tzinfo=CLINIC_ZONE)


def pytest_sessionstart(session: pytest.Session) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        raise pytest.UsageError("The suite runs against PostgreSQL: set DATABASE_URL=postgres://... (make test does).")


@pytest.fixture(autouse=True)
def _clinic_settings(settings: object) -> None:
    settings.TIME_ZONE = "America/New_York"  # type: ignore[attr-defined]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # type: ignore[attr-defined]
    settings.STORAGES = {  # type: ignore[attr-defined]
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_cache(request: pytest.FixtureRequest) -> Iterator[None]:
    """Throttle and sign-in counters live in the cache (the database's): every test starts from zero."""
    from django.core.cache import cache

    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if not (marker or names & {"db", "transactional_db", "live_server"}):
        yield  # no database, so no cache either
        return
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        names & {"transactional_db", "live_server"}
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    """localstripe running for the session (tests/localstripe.py); its base URL."""
    from tests import localstripe as fake_stripe

    with fake_stripe.running() as base:
        yield base


@pytest.fixture
def payments_on(settings: object, localstripe: str) -> str:
    """Online payments on, against localstripe; return its base URL."""
    from tests import localstripe as fake_stripe

    settings.STRIPE_SECRET_KEY = fake_stripe.SECRET_KEY  # type: ignore[attr-defined]
    settings.STRIPE_PUBLISHABLE_KEY = fake_stripe.PUBLISHABLE_KEY  # type: ignore[attr-defined]
    settings.STRIPE_WEBHOOK_SECRET = fake_stripe.WEBHOOK_SECRET  # type: ignore[attr-defined]
    settings.STRIPE_API_BASE = localstripe  # type: ignore[attr-defined]
    settings.STRIPE_JS_URL = f"{localstripe}/js.stripe.com/v3/"  # type: ignore[attr-defined]
    return localstripe


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """Pin the clock to PINNED_NOW; the test may move it with clock.move_to(...)."""
    with time_machine.travel(PINNED_NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def massage_type(db: None) -> MassageType:
    return MassageTypeFactory(name="Deep tissue", slug="deep-tissue", duration_minutes=60, buffer_minutes=15)


@pytest.fixture
def patient(db: None) -> User:
    return UserFactory(email="alice@example.test", first_name="Alice", last_name="Archer")


@pytest.fixture
def other_patient(db: None) -> User:
    return UserFactory(email="bob@example.test", first_name="Bob", last_name="Baker")


@pytest.fixture
def therapist(db: None, massage_type: MassageType) -> Therapist:
    """Carol works every day 09:00-17:00 with a lunch break 12:00-13:00."""
    user = UserFactory(email="carol@example.test", first_name="Carol", last_name="Chen")
    therapist = TherapistFactory(user=user, display_name="Carol Chen", massage_types=[massage_type])
    weekly_hours(therapist, start=datetime(2000, 1, 1, 9).time(), end=datetime(2000, 1, 1, 12).time())
    weekly_hours(therapist, start=datetime(2000, 1, 1, 13).time(), end=datetime(2000, 1, 1, 17).time())
    return therapist


@pytest.fixture
def other_therapist(db: None, massage_type: MassageType) -> Therapist:
    """Dan works every day 10:00-18:00."""
    user = UserFactory(email="dan@example.test", first_name="Dan", last_name="Diaz")
    therapist = TherapistFactory(user=user, display_name="Dan Diaz", massage_types=[massage_type])
    weekly_hours(therapist, start=datetime(2000, 1, 1, 10).time(), end=datetime(2000, 1, 1, 18).time())
    return therapist


@pytest.fixture
def admin_user(db: None) -> User:
    return User.objects.create_superuser(email="owner@example.test", password="owner-pass-2026")


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def patient_client(patient: User) -> Client:
    client = Client()
    client.force_login(patient)
    return client
