"""The portal's forms: weekly working hours (a formset), time off with its conflict choice, the session note."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms

from booking.exceptions import BookingError
from booking.models import Appointment
from clinic.models import User
from locations.models import Location
from portal import services
from portal.services import NoteData, OnConflict, Span, span_problems
from therapists.models import Therapist, Weekday

TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class WorkingHoursForm(forms.Form):
    # A blank first choice keeps an untouched extra row blank, so the formset skips it.
    weekday = forms.TypedChoiceField(label="Day", choices=[("", "Choose a day"), *Weekday.choices], coerce=int)
    start = forms.TimeField(label="From", widget=TIME_INPUT)
    end = forms.TimeField(label="To", widget=TIME_INPUT)
    location = forms.TypedChoiceField(label="Where", coerce=int)

    def __init__(self, *args: Any, locations: Sequence[Location] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locations = list(locations)
        if len(self.locations) > 1:
            field = cast(forms.TypedChoiceField, self.fields["location"])
            field.choices = [(location.pk, location.name) for location in self.locations]
            # The first location is the untouched extra row's value, so the row still counts as blank.
            field.initial = self.locations[0].pk
        else:
            # One address: nothing to ask, every span is there.
            del self.fields["location"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None and end is not None and start >= end:
            self.add_error("end", "The end must be after the start, within the same day.")
        return cleaned

    def span(self) -> Span:
        location_id = self.cleaned_data.get("location") or (self.locations[0].pk if self.locations else None)
        return Span(self.cleaned_data["weekday"], self.cleaned_data["start"], self.cleaned_data["end"], location_id)


class BaseWorkingHoursFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, locations: Sequence[Location] = (), **kwargs: Any) -> None:
        # The active locations, read once for every row.
        self.locations = list(locations)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "locations": self.locations}

    @property
    def asks_location(self) -> bool:
        """Whether each row says where (only when the clinic has more than one active location)."""
        return len(self.locations) > 1

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


WorkingHoursFormSet = cast(
    type[BaseWorkingHoursFormSet],
    forms.formset_factory(
        WorkingHoursForm, formset=BaseWorkingHoursFormSet, extra=1, can_delete=True, max_num=70, validate_max=True
    ),
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


@dataclass
class TimeOffAnswer:
    """What submitting the time-off form came to: the time off added, or the question to ask first."""

    result: services.TimeOffResult | None = None
    question: TimeOffForm | None = None  # the keep-or-cancel step, carrying the ids of the sessions shown
    conflicts: list[Appointment] = field(default_factory=list)
    choice_missing: bool = False


def submit_time_off(form: TimeOffForm, *, therapist: Therapist, by: User) -> TimeOffAnswer:
    """Add the valid form's time off through the service, or return the question about the sessions it covers.

    The portal and the admin both submit through here: the same question, the same answer.
    A refusal (BookingError) lands on the form as field errors and returns an empty answer.
    """
    data = form.cleaned_data
    try:
        result = services.add_time_off(
            therapist=therapist,
            start=data["start"],
            end=data["end"],
            reason=data["reason"],
            by=by,
            on_conflict=data["on_conflict"] or None,
            acknowledged=data["acknowledged"],
        )
    except services.TimeOffConflict as exc:
        # Step two: show the sessions and ask; the ids shown travel with the answer.
        question = TimeOffForm(
            initial={**data, "on_conflict": None, "acknowledged": ",".join(str(a.pk) for a in exc.appointments)}
        )
        return TimeOffAnswer(
            question=question,
            conflicts=list(exc.appointments),
            choice_missing=bool(data["acknowledged"]) and not data["on_conflict"],
        )
    except BookingError as exc:
        for name, message in exc.fields.items():
            form.add_error(name if name in form.fields else None, message)
        if not exc.fields:
            form.add_error(None, exc.message)
        return TimeOffAnswer()
    return TimeOffAnswer(result=result)
