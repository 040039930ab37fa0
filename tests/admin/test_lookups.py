"""Admin list filtering is an allow-list: no query string reads a password, a token or health data."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse
from knox.models import AuthToken

from booking.models import Appointment
from clinic.admin_lookups import AllowListedLookups, touches_secret
from clinic.models import User
from therapists.models import SessionNote, Therapist

USERS = reverse("admin:clinic_user_changelist")
THERAPISTS = reverse("admin:therapists_therapist_changelist")
APPOINTMENTS = reverse("admin:booking_appointment_changelist")
NOTES = reverse("admin:therapists_sessionnote_changelist")

# (changelist, query) pairs that would read a secret one character at a time from the count.
SECRET_PROBES = [
    (USERS, "auth_token__key__startswith=a"),
    (USERS, "auth_token_set__digest__startswith=a"),
    (USERS, "auth_token_set__token_key__startswith=a"),
    (USERS, "password__startswith=pbkdf2"),
    (USERS, "therapist__calendar_token__startswith=a"),
    (USERS, "totpdevice__key__startswith=a"),
    (THERAPISTS, "calendar_token__startswith=a"),
    (THERAPISTS, "user__password__startswith=pbkdf2"),
    (APPOINTMENTS, "therapist__calendar_token__startswith=a"),
    (APPOINTMENTS, "health_notes__icontains=back"),
    (APPOINTMENTS, "session_note__subjective__icontains=back"),
    (APPOINTMENTS, "patient__password__startswith=pbkdf2"),
]
NOTE_PROBES = [
    (NOTES, "subjective__icontains=back"),
    (NOTES, "plan__icontains=back"),
    (NOTES, "appointment__health_notes__icontains=back"),
    (NOTES, "appointment__therapist__calendar_token__startswith=a"),
]


@pytest.fixture
def secrets_on_file(booked: Appointment, therapist: Therapist, patient: User) -> None:
    """A patient with a password and an API token, and a session with health notes and a SOAP note."""
    patient.set_password("alice-pass-2026")
    patient.save()
    AuthToken.objects.create(user=patient)
    Appointment.objects.filter(pk=booked.pk).update(health_notes="Lower back pain after lifting")
    SessionNote.objects.create(
        appointment=booked, subjective="back stiff", plan="back exercises", revision=1, updated_by=therapist.user
    )


def test_every_registered_admin_allow_lists_its_lookups() -> None:
    unguarded = [type(a).__name__ for a in admin.site._registry.values() if not isinstance(a, AllowListedLookups)]
    assert unguarded == []


@pytest.mark.django_db
@pytest.mark.parametrize(("changelist", "query"), SECRET_PROBES)
def test_a_lookup_on_a_secret_is_refused_for_the_front_desk(
    secrets_on_file: None, front_desk_client: Client, changelist: str, query: str
) -> None:
    assert front_desk_client.get(f"{changelist}?{query}").status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(("changelist", "query"), SECRET_PROBES + NOTE_PROBES)
def test_a_lookup_on_a_secret_is_refused_for_the_owner(
    secrets_on_file: None, admin_client: Client, changelist: str, query: str
) -> None:
    assert admin_client.get(f"{changelist}?{query}").status_code == 400


@pytest.mark.django_db
def test_a_lookup_outside_the_filters_is_refused(booked: Appointment, admin_client: Client) -> None:
    # Harmless in itself, but not one the list offers: the list stays an allow-list.
    assert admin_client.get(f"{APPOINTMENTS}?price__gte=1").status_code == 400
    assert admin_client.get(f"{USERS}?email__startswith=a").status_code == 400


@pytest.mark.django_db
def test_the_export_refuses_a_lookup_on_a_secret(secrets_on_file: None, front_desk_client: Client) -> None:
    export = reverse("admin:booking_appointment_export")
    assert front_desk_client.get(f"{export}?therapist__calendar_token__startswith=a").status_code == 400
    assert front_desk_client.get(f"{export}?health_notes__icontains=back").status_code == 400


@pytest.mark.django_db
def test_the_schedule_link_and_filters_still_work_for_the_front_desk(
    booked: Appointment, therapist: Therapist, front_desk_client: Client
) -> None:
    response = front_desk_client.get(APPOINTMENTS, {"therapist__id__exact": therapist.pk, "when": "this_week"})
    assert response.status_code == 200
    assert [a.pk for a in response.context["cl"].result_list] == [booked.pk]
    assert front_desk_client.get(APPOINTMENTS, {"status__exact": "confirmed", "start__year": 2026}).status_code == 200


class _QueryLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") or ""
        if tag == "a" and href.startswith("?"):
            self.links.add(href)


@pytest.mark.django_db
def test_every_link_a_changelist_offers_answers(
    secrets_on_file: None, other_therapist: Therapist, staff_groups: None, admin_client: Client
) -> None:
    """Each filter, date, sort and page link of every list works: the allow-list matches Django's filters."""
    for model in admin.site._registry:
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        page = admin_client.get(changelist)
        assert page.status_code == 200, changelist
        parser = _QueryLinks()
        parser.feed(page.content.decode())
        for link in sorted(parser.links):
            response = admin_client.get(f"{changelist}{link}")
            assert response.status_code == 200, f"{changelist}{link}"
            assert "e=1" not in response.get("Location", "")


@pytest.mark.django_db
def test_no_admin_searches_or_filters_a_secret(admin_user: User) -> None:
    request = RequestFactory().get(USERS)
    request.user = admin_user
    for model, model_admin in admin.site._registry.items():
        searched = [name.lstrip("^=@") for name in model_admin.get_search_fields(request)]
        assert not [n for n in searched if touches_secret(model, n)], model_admin
        if model_admin.__module__.split(".")[0] in {"clinic", "booking", "therapists"}:
            declared = [name.lstrip("^=@") for name in model_admin.search_fields]
            assert not [n for n in declared if touches_secret(model, n)], model_admin
        paths = [item[0] if isinstance(item, (list, tuple)) else item for item in model_admin.list_filter]
        assert not [p for p in paths if isinstance(p, str) and touches_secret(model, p)], model_admin


def test_the_secret_test_knows_the_secrets() -> None:
    assert touches_secret(User, "password")
    assert touches_secret(User, "auth_token_set__digest__startswith")
    assert touches_secret(Therapist, "calendar_token")
    assert touches_secret(Therapist, "user__password__startswith")
    assert touches_secret(Appointment, "session_note__subjective__icontains")
    assert touches_secret(Appointment, "health_notes")
    assert not touches_secret(Appointment, "therapist__id__exact")
    assert not touches_secret(User, "email")
