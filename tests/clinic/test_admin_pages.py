"""Every admin page answers for the clinic's staff, and a clash is a form error, never a 500.

The admin modules change often, so these tests walk whatever is registered instead of
naming pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from html.parser import HTMLParser
from io import StringIO

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from booking.models import Appointment, MassageType, Status
from clinic.models import User
from tests.conftest import CLINIC_ZONE
from tests.factories import AppointmentFactory
from therapists.models import Therapist

# Wednesday 2026-03-04: Carol (the `therapist` fixture) works 09:00-12:00 and 13:00-17:00.
BOOKED = datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE)


def _registered() -> Iterator[tuple[type[Model], admin.ModelAdmin]]:
    yield from sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _url(model: type[Model], page: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


@pytest.fixture
def seeded(db: None, settings: object) -> None:
    """Fill every admin list: the demo clinic, plus the few models it leaves empty."""
    settings.DEBUG = True  # type: ignore[attr-defined]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    call_command("seed_demo", stdout=StringIO())
    settings.DEBUG = False  # type: ignore[attr-defined]
    Group.objects.get_or_create(name="Front desk")  # the staff-groups migration creates it


@pytest.mark.django_db
def test_every_admin_list_and_add_page_answers(seeded: None, admin_client: Client) -> None:
    request = admin_client.get(reverse("admin:index")).wsgi_request
    failures = []
    for model, model_admin in _registered():
        response = admin_client.get(_url(model, "changelist"))
        if response.status_code != 200:
            failures.append(f"{model._meta.label} changelist: {response.status_code}")
        expected = 200 if model_admin.has_add_permission(request) else 403
        response = admin_client.get(_url(model, "add"))
        if response.status_code != expected:
            failures.append(f"{model._meta.label} add: {response.status_code}, expected {expected}")
    assert not failures, failures
    assert len(admin.site._registry) >= 5


@pytest.mark.django_db
def test_every_admin_change_page_answers(seeded: None, admin_client: Client) -> None:
    failures, checked = [], []
    for model, model_admin in _registered():
        obj = model_admin.get_queryset(admin_client.get("/").wsgi_request).order_by("pk").first()
        if obj is None:
            continue
        response = admin_client.get(_url(model, "change", obj.pk))
        checked.append(model)
        if response.status_code != 200:
            failures.append(f"{model._meta.label} change {obj.pk}: {response.status_code}")
    assert not failures, failures
    assert {User, MassageType, Appointment, Therapist} <= set(checked)


@pytest.mark.django_db
def test_the_appointment_list_shows_the_seeded_rows(seeded: None, admin_client: Client) -> None:
    response = admin_client.get(_url(Appointment, "changelist"))
    assert response.context["cl"].result_count == Appointment.objects.count() > 0


class _FormFields(HTMLParser):
    """Collect what a browser would submit from the page's main form."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        name = attr.get("name")
        if tag == "input" and name and "__prefix__" not in name:
            kind = attr.get("type", "text")
            if kind in {"submit", "button", "file"} or (kind in {"checkbox", "radio"} and "checked" not in attr):
                return
            self.data[name] = attr.get("value", "on" if kind == "checkbox" else "")
        elif tag == "textarea" and name and "__prefix__" not in name:
            self._textarea = name
            self.data[name] = ""
        elif tag == "select" and name and "__prefix__" not in name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attr:
            self.data[self._select] = attr.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data


def _add_appointment(client: Client, therapist: Therapist, patient: User, kind: MassageType, start: datetime):  # type: ignore[no-untyped-def]
    """Fill in the admin's add form as a receptionist would and submit it."""
    url = _url(Appointment, "add")
    parser = _FormFields()
    parser.feed(client.get(url).content.decode())
    local = start.astimezone(CLINIC_ZONE)
    end = local + kind.duration
    blocked_until = end + kind.buffer
    data = {
        **parser.data,
        "patient": str(patient.pk),
        "therapist": str(therapist.pk),
        "massage_type": str(kind.pk),
        "start_0": f"{local:%Y-%m-%d}",
        "start_1": f"{local:%H:%M:%S}",
        "end_0": f"{end:%Y-%m-%d}",
        "end_1": f"{end:%H:%M:%S}",
        "blocked_until_0": f"{blocked_until:%Y-%m-%d}",
        "blocked_until_1": f"{blocked_until:%H:%M:%S}",
        "status": Status.CONFIRMED,
        "price": str(kind.price),
        "sequence": "0",
    }
    data.pop("_addanother", None)
    data.pop("_continue", None)
    return client.post(url, data)


@pytest.mark.django_db
def test_an_overlapping_appointment_added_in_admin_is_a_form_error(
    clock: time_machine.Traveller, admin_client: Client, therapist: Therapist, patient: User, other_patient: User
) -> None:
    kind = therapist.massage_types.get()
    AppointmentFactory(therapist=therapist, massage_type=kind, patient=other_patient, start=BOOKED)

    # A free afternoon slot goes through: the form is filled in completely.
    free = _add_appointment(admin_client, therapist, patient, kind, BOOKED.replace(hour=13))
    assert free.status_code == 302, free.context["adminform"].form.errors if free.context else free
    assert Appointment.objects.count() == 2

    # Half an hour into the existing session: refused with a message, nothing written.
    clash = _add_appointment(admin_client, therapist, patient, kind, BOOKED.replace(minute=30))
    assert clash.status_code == 200
    form = clash.context["adminform"].form
    assert form.errors
    assert 'class="errornote"' in clash.content.decode()
    assert "already" in str(form.errors).lower() or "taken" in str(form.errors).lower()
    assert Appointment.objects.count() == 2
    assert not Appointment.objects.filter(patient=patient, start=BOOKED.replace(minute=30)).exists()
