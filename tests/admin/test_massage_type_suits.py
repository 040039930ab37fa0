"""What a massage type suits, edited in the admin: ticked from the choices, an unknown value refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from booking.models import MassageType

ADD = reverse("admin:booking_massagetype_add")


def _type_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Cupping",
        "slug": "cupping",
        "duration_minutes": 45,
        "buffer_minutes": 10,
        "price": "70.00",
        "display_order": 8,
        "is_active": "on",
        "description": "",
        "good_for": "tight lower back, knots",
        "suits_areas": ["lower_back"],
        "suits_feelings": ["knots"],
        "pressures": ["firm", "deep"],
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_owner_says_what_a_new_type_suits(admin_client: Client) -> None:
    page = admin_client.get(ADD).content.decode()
    assert "Find the right massage" in page
    assert 'type="checkbox" name="pressures" value="deep"' in page

    assert admin_client.post(ADD, _type_data()).status_code == 302

    cupping = MassageType.objects.get(slug="cupping")
    assert cupping.suits_areas == ["lower_back"]
    assert cupping.suits_feelings == ["knots"]
    assert cupping.pressures == ["firm", "deep"]


@pytest.mark.django_db
def test_a_new_type_is_offered_at_every_pressure_until_the_owner_unticks_one(admin_client: Client) -> None:
    form = admin_client.get(ADD).context["adminform"].form
    assert form["pressures"].value() == ["light", "medium", "firm", "deep"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [("pressures", ["hard"]), ("suits_areas", ["hips"]), ("suits_feelings", ["numbness"])],
)
def test_an_unknown_value_is_a_field_error(admin_client: Client, field: str, value: list[str]) -> None:
    response = admin_client.post(ADD, _type_data(**{field: value}))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field]
    assert value[0] in errors[field][0]
    assert not MassageType.objects.exists()


@pytest.mark.django_db
def test_the_model_refuses_an_unknown_or_repeated_value_outside_the_admin_too() -> None:
    massage_type = MassageType(name="Cupping", slug="cupping", duration_minutes=45, price="70.00")

    massage_type.pressures = ["firm", "hard"]
    with pytest.raises(ValidationError) as refused:
        massage_type.full_clean()
    assert list(refused.value.message_dict) == ["pressures"]
    assert "“hard” is not one of the choices (light, medium, firm, deep)." in refused.value.message_dict["pressures"]

    massage_type.pressures = ["firm", "firm"]
    with pytest.raises(ValidationError) as repeated:
        massage_type.full_clean()
    assert list(repeated.value.message_dict) == ["pressures"]

    massage_type.pressures = "firm"
    with pytest.raises(ValidationError):
        massage_type.full_clean()

    massage_type.pressures = ["firm"]
    massage_type.full_clean()
