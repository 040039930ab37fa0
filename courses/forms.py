"""The forms of courses' pages: the course planner's request, the measures, and the home plan."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from booking.models import MassageType
from courses.models import HomeCareItem
from courses.records import PlanData, Scores
from therapists.models import Therapist, Weekday

SCORES = [(value, str(value)) for value in range(11)]

# The questions as the patient reads them (the README names the measures they come from).
QUESTIONS = {
    "pain_now": "What number best describes your back pain right now?",
    "pain_worst_week": "What number best describes your back pain at its worst in the past week?",
    "interference": "What number best describes how, during the past week, pain has interfered "
    "with your general activity?",
}
ANCHORS = {
    "pain_now": ("0 = no pain", "10 = pain as bad as you can imagine"),
    "pain_worst_week": ("0 = no pain", "10 = pain as bad as you can imagine"),
    "interference": ("0 = does not interfere", "10 = completely interferes"),
}


class MeasuresForm(forms.Form):
    pain_now = forms.TypedChoiceField(label=QUESTIONS["pain_now"], choices=SCORES, coerce=int)
    pain_worst_week = forms.TypedChoiceField(label=QUESTIONS["pain_worst_week"], choices=SCORES, coerce=int)
    interference = forms.TypedChoiceField(label=QUESTIONS["interference"], choices=SCORES, coerce=int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (low, high) in ANCHORS.items():
            self.fields[name].help_text = f"{low}, {high}"

    def scores(self) -> Scores:
        data = self.cleaned_data
        return Scores(data["pain_now"], data["pain_worst_week"], data["interference"])


class HomePlanForm(forms.Form):
    items = forms.ModelMultipleChoiceField(
        queryset=HomeCareItem.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Home-care items",
    )
    note = forms.CharField(
        label="Note for the patient", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
    recommend_interval_weeks = forms.TypedChoiceField(
        label="Recommend a course: a session every",
        choices=[("", "No course recommended"), (1, "week"), (2, "two weeks")],
        coerce=int,
        empty_value=None,
        required=False,
    )
    recommend_sessions = forms.TypedChoiceField(
        label="Number of sessions",
        choices=[("", "—")] + [(n, str(n)) for n in range(2, settings.COURSE_MAX_SESSIONS + 1)],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = HomeCareItem.objects.active()  # type: ignore[attr-defined]

    def plan_data(self) -> PlanData:
        data = self.cleaned_data
        return PlanData(
            item_ids=[item.pk for item in data["items"]],
            note=data["note"],
            recommend_interval_weeks=data["recommend_interval_weeks"],
            recommend_sessions=data["recommend_sessions"],
        )


class CourseRequestForm(forms.Form):
    """What the planner asks: the massage, a therapist or any, a weekday and time, how often and how many."""

    type = forms.ModelChoiceField(
        queryset=MassageType.objects.none(), label="Massage", to_field_name="slug", empty_label=None
    )
    therapist = forms.ModelChoiceField(
        queryset=Therapist.objects.none(), label="Therapist", required=False, empty_label="Any therapist"
    )
    weekday = forms.TypedChoiceField(label="Day of the week", choices=Weekday.choices, coerce=int)
    time = forms.TimeField(label="Time", widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"))
    every = forms.TypedChoiceField(
        label="How often", choices=[(1, "Every week"), (2, "Every two weeks")], coerce=int, initial=1
    )
    sessions = forms.TypedChoiceField(label="Number of sessions", coerce=int, initial=6)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = MassageType.objects.active()  # type: ignore[attr-defined]
        self.fields["therapist"].queryset = Therapist.objects.active()  # type: ignore[attr-defined]
        sessions = self.fields["sessions"]
        assert isinstance(sessions, forms.TypedChoiceField)
        sessions.choices = [(n, str(n)) for n in range(2, settings.COURSE_MAX_SESSIONS + 1)]
