"""Massage types: validated, and never deleted once booked (deactivated instead)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from booking.models import MassageType

CHANGELIST = reverse("admin:booking_massagetype_changelist")


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _type_data(**overrides: object) -> dict:
    data = {"name": "Sports massage", "slug": "sports-massage", "duration_minutes": 45, "buffer_minutes": 10,
            "price": "75.00", "display_order": 3, "is_active": "on", "description": "", "good_for": ""}  # fmt: skip
    data.update(overrides)
    return data


@pytest.fixture
def unused(db) -> MassageType:
    return MassageType.objects.create(name="Hot stone", slug="hot-stone", duration_minutes=90, price=Decimal("120"))


@pytest.mark.django_db
def test_the_owner_adds_a_type(admin_client: Client) -> None:
    page = admin_client.get(reverse("admin:booking_massagetype_add")).content.decode()
    assert "prepopulated" in page  # the slug follows the name
    assert admin_client.post(reverse("admin:booking_massagetype_add"), _type_data()).status_code == 302
    assert MassageType.objects.get(slug="sports-massage").duration_minutes == 45


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [("price", "-1"), ("duration_minutes", "10"), ("duration_minutes", "241"), ("buffer_minutes", "121")],
)
def test_out_of_range_prices_and_durations_are_form_errors(admin_client: Client, field: str, value: str) -> None:
    response = admin_client.post(reverse("admin:booking_massagetype_add"), _type_data(**{field: value}))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not MassageType.objects.exists()


@pytest.mark.django_db
def test_a_booked_type_cannot_be_deleted_and_deactivation_is_offered(booked, admin_client: Client) -> None:
    massage_type = booked.massage_type
    response = admin_client.get(reverse("admin:booking_massagetype_delete", args=[massage_type.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:booking_massagetype_change", args=[massage_type.pk])
    assert any("cannot be deleted" in m and "Deactivate" in m for m in _messages(response))
    response = admin_client.post(reverse("admin:booking_massagetype_delete", args=[massage_type.pk]), {"post": "yes"})
    assert MassageType.objects.filter(pk=massage_type.pk).exists()


@pytest.mark.django_db
def test_bulk_delete_refuses_when_any_selected_type_is_booked(booked, unused, admin_client: Client) -> None:
    data = {"action": "delete_selected", "_selected_action": [booked.massage_type_id, unused.pk], "post": "yes"}
    response = admin_client.post(CHANGELIST, data, follow=True)
    assert any("Deep tissue cannot be deleted" in m for m in _messages(response))
    assert MassageType.objects.count() == 2


@pytest.mark.django_db
def test_an_unused_type_can_be_deleted(unused, admin_client: Client) -> None:
    data = {"action": "delete_selected", "_selected_action": [unused.pk], "post": "yes"}
    admin_client.post(CHANGELIST, data)
    assert not MassageType.objects.filter(pk=unused.pk).exists()


@pytest.mark.django_db
def test_the_deactivate_action_takes_types_off_the_catalogue(booked, unused, admin_client: Client) -> None:
    data = {"action": "deactivate", "_selected_action": [booked.massage_type_id, unused.pk]}
    response = admin_client.post(CHANGELIST, data, follow=True)
    assert "2 massage type(s) taken off the catalogue." in _messages(response)
    assert not MassageType.objects.active().exists()


@pytest.mark.django_db
def test_the_front_desk_cannot_deactivate(booked, front_desk_client: Client) -> None:
    data = {"action": "deactivate", "_selected_action": [booked.massage_type_id]}
    front_desk_client.post(CHANGELIST, data)
    assert MassageType.objects.get(pk=booked.massage_type_id).is_active


@pytest.mark.django_db
def test_the_list_counts_appointments_per_type(booked, unused, admin_client: Client) -> None:
    rows = {t.name: t.appointment_count for t in admin_client.get(CHANGELIST).context["cl"].result_list}
    assert rows == {"Deep tissue": 1, "Hot stone": 0}
