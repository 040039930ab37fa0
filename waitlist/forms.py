"""The waitlist's page forms: joining (massage, place, therapists, dates, window) and the intake on accepting."""

from __future__ import annotations

from datetime import time
from typing import Any

from django import forms

from booking.intake import RED_FLAGS, IntakeData, Pressure
from booking.models import MassageType
from locations.models import Location
from therapists.models import Therapist, Weekday


class JoinForm(forms.Form):
    massage_type = forms.ModelChoiceField(queryset=MassageType.objects.active(), label="Massage")
    location = forms.ModelChoiceField(
        queryset=Location.objects.active(), required=False, label="Location", empty_label="Any location"
    )
    therapists = forms.ModelMultipleChoiceField(
        queryset=Therapist.objects.active(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Therapists",
        help_text="Leave all unticked for any therapist who gives this massage.",
    )
    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="Until", widget=forms.DateInput(attrs={"type": "date"}))
    weekdays = forms.TypedMultipleChoiceField(
        choices=Weekday.choices,
        coerce=int,
        initial=[day.value for day in Weekday],
        widget=forms.CheckboxSelectMultiple,
        label="Days of the week",
    )
    time_from = forms.TimeField(
        initial=time(8), label="Earliest start", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    time_to = forms.TimeField(
        initial=time(20), label="Latest start", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def service_arguments(self) -> dict[str, Any]:
        """Return the cleaned answers as waitlist.services.join's keyword arguments."""
        data = self.cleaned_data
        return {
            "massage_type": data["massage_type"],
            "location": data["location"],
            "therapists": list(data["therapists"]),
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "weekdays": data["weekdays"],
            "time_from": data["time_from"],
            "time_to": data["time_to"],
        }


class IntakeForm(forms.Form):
    focus_areas = forms.CharField(max_length=300, required=False, label="Areas to focus on")
    pain_level = forms.IntegerField(min_value=0, max_value=10, required=False, label="Pain level today (0 to 10)")
    pressure = forms.ChoiceField(choices=[("", "No preference"), *Pressure.choices], required=False)
    health_notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Health notes")
    red_flags = forms.MultipleChoiceField(
        choices=list(RED_FLAGS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Do any of these apply to you?",
    )
    provider_consulted = forms.BooleanField(
        required=False, label="I have talked to my doctor or health provider about this massage"
    )

    def intake(self) -> IntakeData:
        data = self.cleaned_data
        return IntakeData(
            focus_areas=data["focus_areas"],
            pain_level=data["pain_level"],
            pressure=data["pressure"],
            health_notes=data["health_notes"],
            red_flags=list(data["red_flags"]),
            provider_consulted=data["provider_consulted"],
        )
