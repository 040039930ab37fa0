"""Accounts in admin: the front desk never sets a password and cannot move a therapist's e-mail.

With either, the front desk could sign in as a therapist and read session notes. It sends a
password-reset e-mail instead; only an owner (a superuser, or the Owner group) changes a
therapist's or staff member's password or e-mail.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse

from clinic.models import User
from tests.factories import PASSWORD, UserFactory
from therapists.models import Therapist

NEW_PASSWORD = "taken-over-2026!"
USERS = reverse("admin:clinic_user_changelist")
ADD_USER = reverse("admin:clinic_user_add")


def password_url(user: User) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk])


def change_url(user: User) -> str:
    return reverse("admin:clinic_user_change", args=[user.pk])


def set_password(client: Client, user: User) -> Any:
    return client.post(
        password_url(user), {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )


class _FormFields(HTMLParser):
    """The values a browser would post back from the page's form (inputs, selects, textareas)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, Any] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[name] = a.get("value") or "on"
            else:
                self.data[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data


def change_form_data(client: Client, user: User, **changes: str) -> dict[str, Any]:
    page = client.get(change_url(user))
    assert page.status_code == 200
    parser = _FormFields()
    parser.feed(page.content.decode())
    return {**parser.data, **changes, "_save": "Save"}


@pytest.fixture
def owner_group_member(staff_groups: None) -> User:
    user = User.objects.create_user(email="ola@example.test", first_name="Ola", is_staff=True)
    user.groups.add(Group.objects.get(name="Owner"))
    return user


# --- Passwords ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_front_desk_cannot_set_a_therapists_password(therapist: Therapist, front_desk_client: Client) -> None:
    response = set_password(front_desk_client, therapist.user)
    assert response.status_code in (403, 404)
    therapist.user.refresh_from_db()
    assert therapist.user.check_password(PASSWORD)
    assert not therapist.user.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_the_front_desk_cannot_set_a_patients_password(patient: User, front_desk_client: Client) -> None:
    assert front_desk_client.get(password_url(patient)).status_code in (403, 404)
    response = set_password(front_desk_client, patient)
    assert response.status_code in (403, 404)
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)


@pytest.mark.django_db
def test_the_front_desk_sees_no_password_link(therapist: Therapist, patient: User, front_desk_client: Client) -> None:
    for account in (therapist.user, patient):
        page = front_desk_client.get(change_url(account)).content.decode()
        assert "../password/" not in page and password_url(account) not in page


@pytest.mark.django_db
def test_the_owner_sets_a_therapists_password(therapist: Therapist, admin_client: Client) -> None:
    assert set_password(admin_client, therapist.user).status_code == 302
    therapist.user.refresh_from_db()
    assert therapist.user.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_an_owner_group_member_sets_a_therapists_password(therapist: Therapist, owner_group_member: User) -> None:
    client = Client()
    client.force_login(owner_group_member)
    assert set_password(client, therapist.user).status_code == 302
    therapist.user.refresh_from_db()
    assert therapist.user.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_an_owner_group_member_cannot_take_over_a_superuser(admin_user: User, owner_group_member: User) -> None:
    client = Client()
    client.force_login(owner_group_member)
    assert set_password(client, admin_user).status_code == 403
    admin_user.refresh_from_db()
    assert not admin_user.check_password(NEW_PASSWORD)


# --- E-mail addresses --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_front_desk_cannot_change_a_therapists_email(therapist: Therapist, front_desk_client: Client) -> None:
    user = therapist.user
    data = change_form_data(front_desk_client, user, email="desk-owned@example.test", first_name="Caroline")
    response = front_desk_client.post(change_url(user), data)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "carol@example.test"
    assert user.first_name == "Caroline"  # the save went through; only the address stayed


@pytest.mark.django_db
def test_the_front_desk_sees_a_therapists_email_read_only(therapist: Therapist, front_desk_client: Client) -> None:
    page = front_desk_client.get(change_url(therapist.user)).content.decode()
    assert "carol@example.test" in page
    assert 'name="email"' not in page


@pytest.mark.django_db
def test_the_owner_changes_a_therapists_email(therapist: Therapist, admin_client: Client) -> None:
    user = therapist.user
    data = change_form_data(admin_client, user, email="carol.chen@example.test")
    assert admin_client.post(change_url(user), data).status_code == 302
    user.refresh_from_db()
    assert user.email == "carol.chen@example.test"


@pytest.mark.django_db
def test_the_front_desk_edits_a_patients_names_phone_and_email(patient: User, front_desk_client: Client) -> None:
    data = change_form_data(
        front_desk_client,
        patient,
        email="alice.archer@example.test",
        first_name="Alicia",
        last_name="Archer-Bell",
        phone="+1 617 555 0142",
    )
    assert front_desk_client.post(change_url(patient), data).status_code == 302
    patient.refresh_from_db()
    assert (patient.email, patient.first_name, patient.last_name, patient.phone) == (
        "alice.archer@example.test",
        "Alicia",
        "Archer-Bell",
        "+16175550142",
    )
    assert patient.check_password(PASSWORD)


# --- New accounts and the reset e-mail ---------------------------------------------------


@pytest.mark.django_db
def test_the_front_desks_add_form_has_no_password_and_the_account_gets_none(front_desk_client: Client) -> None:
    page = front_desk_client.get(ADD_USER).content.decode()
    assert 'name="password1"' not in page and 'name="usable_password"' not in page
    response = front_desk_client.post(
        ADD_USER,
        {
            "email": "nina@example.test",
            "first_name": "Nina",
            "last_name": "Novak",
            "phone": "+1 617 555 0143",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "usable_password": "true",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    nina = User.objects.get(email="nina@example.test")
    assert not nina.has_usable_password()
    assert not nina.check_password(NEW_PASSWORD)
    assert (nina.first_name, nina.last_name, nina.phone, nina.is_staff) == ("Nina", "Novak", "+16175550143", False)


@pytest.mark.django_db
def test_the_reset_action_sends_one_email_to_the_therapist(therapist: Therapist, front_desk_client: Client) -> None:
    response = front_desk_client.post(USERS, {"action": "send_password_reset", "_selected_action": [therapist.user.pk]})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["carol@example.test"]
    assert "/accounts/reset/" in mail.outbox[0].body
    therapist.user.refresh_from_db()
    assert therapist.user.check_password(PASSWORD)  # nothing changes until the person acts


@pytest.mark.django_db
def test_a_new_patient_chooses_a_password_from_the_reset_email(front_desk_client: Client, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    front_desk_client.post(ADD_USER, {"email": "omar@example.test", "first_name": "Omar", "_save": "Save"})
    omar = User.objects.get(email="omar@example.test")

    front_desk_client.post(USERS, {"action": "send_password_reset", "_selected_action": [omar.pk]})

    [message] = mail.outbox
    assert message.to == ["omar@example.test"]
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", message.body)
    assert link is not None
    person = Client()
    form_page = person.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    chosen = "omar-chose-2026!"
    done = person.post(form_page.redirect_chain[-1][0], {"new_password1": chosen, "new_password2": chosen})
    assert done.status_code == 302
    omar.refresh_from_db()
    assert omar.check_password(chosen)


@pytest.mark.django_db
def test_the_front_desk_sends_no_reset_to_a_staff_account(front_desk: User, front_desk_client: Client) -> None:
    colleague = UserFactory(email="colleague@example.test", is_staff=True)
    front_desk_client.post(USERS, {"action": "send_password_reset", "_selected_action": [colleague.pk]})
    assert mail.outbox == []
