"""Query-string filters of the API's lists (django-filter)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

from booking.models import Appointment, MassageType, Status
from therapists.models import Therapist


class TherapistFilter(filters.FilterSet):
    massage_type = filters.ModelChoiceFilter(
        field_name="massage_types",
        queryset=MassageType.objects.active(),
        label="Only therapists who offer this massage type (id).",
    )

    class Meta:
        model = Therapist
        fields = ["massage_type"]


class AppointmentFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Status.choices)
    upcoming = filters.BooleanFilter(method="filter_upcoming", label="true: not yet started; false: started or past.")

    class Meta:
        model = Appointment
        fields = ["status", "upcoming"]

    def filter_upcoming(self, queryset: QuerySet[Appointment], name: str, value: bool | None) -> QuerySet[Appointment]:
        if value is None:
            return queryset
        now = timezone.now()
        return queryset.filter(start__gte=now) if value else queryset.filter(start__lt=now)
