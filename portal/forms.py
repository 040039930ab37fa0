"""The portal's forms: weekly working hours (a formset), time off with its conflict choice, the session note."""

from __future__ import annotations

from typing import Any

from django import forms

from portal.services import NoteData, OnConflict, Span, span_problems
from therapists.models import Weekday

TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class WorkingHoursForm(forms.Form):
    # A blank first choice keeps an untouched extra row blank, so the formset skips it.
    weekday = forms.TypedChoiceField(label="Day", choices=[("", "Choose a day"), *Weekday.choices], coerce=int)
    start = forms.TimeField(label="From", widget=TIME_INPUT)
    end = forms.TimeField(label="To", widget=TIME_INPUT)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None and end is not None and start >= end:
            self.add_error("end", "The end must be after the start, within the same day.")
        return cleaned

    def span(self) -> Span:
        return Span(self.cleaned_data["weekday"], self.cleaned_data["start"], self.cleaned_data["end"])


class BaseWorkingHoursFormSet(forms.BaseFormSet):
    def kept_forms(self) -> list[WorkingHoursForm]:
        """Return the filled-in forms not marked for removal (blank extra rows are ignored)."""
        return [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]

    def clean(self) -> None:
        if any(form.errors for form in self.forms if not form.cleaned_data.get("DELETE")):
            return
        kept = self.kept_forms()
        for index, message in span_problems([form.span() for form in kept]).items():
            kept[index].add_error(None, message)

    def spans(self) -> list[Span]:
        """Return the spans the therapist kept, once the formset is valid."""
        return [form.span() for form in self.kept_forms()]


WorkingHoursFormSet = forms.formset_factory(
    WorkingHoursForm, formset=BaseWorkingHoursFormSet, extra=1, can_delete=True, max_num=70, validate_max=True
)


class TimeOffForm(forms.Form):
    start = forms.DateTimeField(label="From", widget=DATETIME_INPUT)
    end = forms.DateTimeField(label="Until", widget=DATETIME_INPUT)
    reason = forms.CharField(
        label="Reason (private, optional)", max_length=200, required=False, help_text="Never shown to patients."
    )
    # The second step: the sessions shown to the therapist and what to do with them.
    on_conflict = forms.ChoiceField(
        label="What should happen to these sessions?",
        choices=OnConflict.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    acknowledged = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None and end is not None and start >= end:
            self.add_error("end", "The end must be after the start.")
        return cleaned

    def clean_acknowledged(self) -> list[int]:
        raw = self.cleaned_data.get("acknowledged") or ""
        return [int(part) for part in raw.split(",") if part.strip().isdigit()]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("completed", "Completed"), ("no_show", "No-show")])


class SessionNoteForm(forms.Form):
    subjective = forms.CharField(
        label="Subjective",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the patient told you.",
    )
    objective = forms.CharField(
        label="Objective", required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="What you found."
    )
    assessment = forms.CharField(
        label="Assessment", required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="Your reading of it."
    )
    plan = forms.CharField(
        label="Plan", required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="Home care, next session."
    )
    pain_after = forms.IntegerField(label="Pain after the session (0-10)", required=False, min_value=0, max_value=10)
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def note_data(self) -> NoteData:
        data = self.cleaned_data
        return NoteData(
            subjective=data["subjective"],
            objective=data["objective"],
            assessment=data["assessment"],
            plan=data["plan"],
            pain_after=data["pain_after"],
        )
