"""Who sees which admin page: the owner (superuser) everything, the front desk bookings and patients."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from booking.models import Appointment, MassageType, Notification
from clinic.models import User
from tests.factories import TimeOffFactory
from therapists.models import Therapist, TimeOff, WorkingHours


@pytest.fixture
def objects(booked: Appointment, therapist: Therapist) -> dict[str, object]:
    """One object of each model the admin lists."""
    return {
        "booking_appointment": booked,
        "booking_massagetype": booked.massage_type,
        "clinic_user": booked.patient,
        "therapists_therapist": therapist,
        "therapists_workinghours": WorkingHours.objects.filter(therapist=therapist).first(),
        "therapists_timeoff": TimeOffFactory(
            therapist=therapist, start=booked.start.replace(day=20), end=booked.start.replace(day=21)
        ),
    }


def _get(client: Client, name: str, *args: object) -> int:
    return client.get(reverse(f"admin:{name}", args=args)).status_code


MODELS = [
    "booking_appointment",
    "booking_massagetype",
    "clinic_user",
    "therapists_therapist",
    "therapists_workinghours",
    "therapists_timeoff",
]


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS)
def test_the_owner_opens_every_list_add_and_change_page(model: str, objects, admin_client: Client) -> None:
    assert _get(admin_client, f"{model}_changelist") == 200
    # Hours and time off are added on the therapist's page, through the schedule services.
    through_services = model in ("therapists_workinghours", "therapists_timeoff")
    assert _get(admin_client, f"{model}_add") == (403 if through_services else 200)
    assert _get(admin_client, f"{model}_change", objects[model].pk) == 200


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS)
def test_the_front_desk_sees_every_list_and_object(model: str, objects, front_desk_client: Client) -> None:
    assert _get(front_desk_client, f"{model}_changelist") == 200
    assert _get(front_desk_client, f"{model}_change", objects[model].pk) == 200


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["booking_appointment", "clinic_user"])
def test_the_front_desk_adds_bookings_and_patients(model: str, front_desk_client: Client) -> None:
    assert _get(front_desk_client, f"{model}_add") == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model", ["booking_massagetype", "therapists_therapist", "therapists_workinghours", "therapists_timeoff"]
)
def test_the_front_desk_cannot_add_to_the_catalogue_or_schedules(model: str, front_desk_client: Client) -> None:
    assert _get(front_desk_client, f"{model}_add") == 403


@pytest.mark.django_db
def test_the_front_desk_cannot_change_a_price(booked: Appointment, front_desk_client: Client) -> None:
    massage_type = booked.massage_type
    url = reverse("admin:booking_massagetype_change", args=[massage_type.pk])
    page = front_desk_client.get(url)
    assert page.status_code == 200
    assert 'name="price"' not in page.content.decode()  # view only
    data = {"name": massage_type.name, "slug": massage_type.slug, "duration_minutes": 60, "buffer_minutes": 15,
            "price": "1.00", "display_order": 0, "is_active": "on"}  # fmt: skip
    assert front_desk_client.post(url, data).status_code == 403
    massage_type.refresh_from_db()
    assert str(massage_type.price) == "90.00"
    assert _get(front_desk_client, "booking_massagetype_delete", massage_type.pk) == 403


@pytest.mark.django_db
def test_the_front_desk_cannot_manage_groups_or_permissions(front_desk_client: Client) -> None:
    assert _get(front_desk_client, "auth_group_changelist") == 403
    assert _get(front_desk_client, "auth_group_change", Group.objects.get(name="Owner").pk) == 403


@pytest.mark.django_db
def test_the_front_desk_edits_a_patient_but_not_their_rights(
    patient: User, front_desk_client: Client, staff_groups
) -> None:
    url = reverse("admin:clinic_user_change", args=[patient.pk])
    page = front_desk_client.get(url).content.decode()
    for field in ("is_superuser", "user_permissions", "groups", "is_staff"):
        assert f'name="{field}"' not in page
    data = {"email": patient.email, "first_name": "Alicia", "last_name": "Archer", "phone": "+1 617 555 0199",
            "is_active": "on", "is_staff": "on", "is_superuser": "on",
            "groups": [Group.objects.get(name="Owner").pk], "_save": "Save",
            "appointments-TOTAL_FORMS": 0, "appointments-INITIAL_FORMS": 0}  # fmt: skip
    response = front_desk_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    patient.refresh_from_db()
    assert (patient.first_name, patient.phone) == ("Alicia", "+16175550199")
    assert not patient.is_staff and not patient.is_superuser
    assert not patient.groups.exists()


@pytest.mark.django_db
def test_the_front_desk_cannot_change_a_staff_account(admin_user: User, front_desk_client: Client) -> None:
    url = reverse("admin:clinic_user_change", args=[admin_user.pk])
    assert front_desk_client.get(url).status_code == 200  # view only
    data = {"email": "mine@example.test", "first_name": "", "last_name": "", "phone": "", "_save": "Save"}
    assert front_desk_client.post(url, data).status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[admin_user.pk])
    assert front_desk_client.get(password_url).status_code == 403
    admin_user.refresh_from_db()
    assert admin_user.email == "owner@example.test"


@pytest.mark.django_db
def test_the_front_desk_adds_a_phone_patient_without_a_password(front_desk_client: Client) -> None:
    data = {"email": "Caller@Example.test", "first_name": "Cal", "last_name": "Ler", "phone": "617 555 0123",
            "usable_password": "false", "password1": "", "password2": "", "_save": "Save"}  # fmt: skip
    response = front_desk_client.post(reverse("admin:clinic_user_add"), data)
    assert response.status_code == 302
    user = User.objects.get(email="caller@example.test")
    assert not user.has_usable_password()
    assert not user.is_staff


@pytest.mark.django_db
def test_the_dashboard_is_linked_from_the_index_for_staff_who_see_bookings(
    admin_client: Client, front_desk_client: Client, client: Client
) -> None:
    dashboard = reverse("admin_dashboard")
    for staff in (admin_client, front_desk_client):
        assert dashboard in staff.get(reverse("admin:index")).content.decode()
        assert staff.get(dashboard).status_code == 200
    assert client.get(dashboard).status_code == 302  # to the admin login


@pytest.mark.django_db
def test_staff_without_booking_rights_get_no_dashboard(client: Client) -> None:
    client.force_login(User.objects.create_user(email="staff@example.test", is_staff=True))
    assert reverse("admin_dashboard") not in client.get(reverse("admin:index")).content.decode()
    assert client.get(reverse("admin_dashboard")).status_code == 403


@pytest.mark.django_db
def test_the_migration_creates_the_roles(staff_groups) -> None:
    front_desk = set(Group.objects.get(name="Front desk").permissions.values_list("codename", flat=True))
    assert {"add_appointment", "change_appointment", "view_appointment", "add_user", "change_user"} <= front_desk
    assert {"view_massagetype", "view_therapist", "view_notification", "change_notification"} <= front_desk
    assert not front_desk & {"change_massagetype", "add_massagetype", "delete_appointment", "change_group",
                             "change_permission", "change_therapist"}  # fmt: skip
    owner = Group.objects.get(name="Owner").permissions
    assert owner.filter(codename="change_massagetype").exists()
    assert owner.filter(codename="delete_massagetype").exists()


@pytest.mark.django_db
def test_every_clinic_model_is_on_the_owner_index(admin_client: Client) -> None:
    index = admin_client.get(reverse("admin:index")).content.decode()
    for model in (Appointment, MassageType, Therapist, TimeOff, WorkingHours, User):
        assert reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") in index


@pytest.mark.django_db
def test_the_front_desk_follows_the_notifications_but_not_session_notes(booked, front_desk_client: Client) -> None:
    notice = Notification.objects.filter(appointment=booked).first()
    assert notice is not None
    assert _get(front_desk_client, "booking_notification_changelist") == 200
    assert _get(front_desk_client, "booking_notification_change", notice.pk) == 200
    assert _get(front_desk_client, "therapists_sessionnote_changelist") == 403
