"""Query-string filters of the API's lists (django-filter)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

from booking.models import Appointment, MassageType, Status
from locations.models import Location
from therapists.models import Therapist


class YesNoField(forms.Field):
    """A query parameter that is true or false, or absent; anything else is refused."""

    default_error_messages = {"invalid": "Must be true or false."}
    _VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value: Any) -> bool | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return value
        try:
            return self._VALUES[str(value).lower()]
        except KeyError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class YesNoFilter(filters.BooleanFilter):
    """A boolean filter that answers 400 for a value other than true/false, instead of silently ignoring it."""

    field_class = YesNoField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The raw text reaches the field: django-filter's BooleanWidget would turn "banana" into None.
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class TherapistFilter(filters.FilterSet):
    massage_type = filters.ModelChoiceFilter(
        field_name="massage_types",
        queryset=MassageType.objects.active(),
        label="Only therapists who offer this massage type (id).",
    )
    location = filters.ModelChoiceFilter(
        field_name="working_hours__location",
        queryset=Location.objects.active(),
        label="Only therapists who have working hours at this location (id).",
    )

    class Meta:
        model = Therapist
        fields = ["massage_type", "location"]


class AppointmentFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Status.choices)
    upcoming = YesNoFilter(method="filter_upcoming", label="true: not yet started; false: started or past.")

    class Meta:
        model = Appointment
        fields = ["status", "upcoming"]

    # `value: bool` is also what documents the parameter as a boolean in the schema.
    def filter_upcoming(self, queryset: QuerySet[Appointment], name: str, value: bool) -> QuerySet[Appointment]:
        """Keep the appointments that have not started (true) or have (false); absent keeps all."""
        now = timezone.now()
        return queryset.filter(start__gte=now) if value else queryset.filter(start__lt=now)
