"""The questionnaire's form: where it hurts, for how long, how it feels, pressure and the warning signs."""

from __future__ import annotations

from django import forms

from booking.intake import RED_FLAGS, Area, Duration, Feeling, Pressure
from website.questionnaire import Answers

NO_PREFERENCE = ""


class QuestionnaireForm(forms.Form):
    """Find the right massage: where, how long, what it feels like, pressure and the warning signs."""

    area = forms.ChoiceField(label="Where does your back hurt most?", choices=Area.choices, widget=forms.RadioSelect)
    duration = forms.ChoiceField(
        label="How long have you had this pain?", choices=Duration.choices, widget=forms.RadioSelect
    )
    feelings = forms.MultipleChoiceField(
        label="What does it feel like?",
        help_text="Tick all that apply.",
        choices=Feeling.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    pressure = forms.ChoiceField(
        label="What pressure do you prefer?",
        choices=[(NO_PREFERENCE, "No preference / not sure"), *Pressure.choices],
        widget=forms.RadioSelect,
        required=False,
        initial=NO_PREFERENCE,
    )
    red_flags = forms.MultipleChoiceField(
        label="Do any of these apply to you right now?",
        help_text="Tick any that apply. If none do, leave them all unticked.",
        choices=list(RED_FLAGS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def answers(self) -> Answers:
        """Return the validated answers as the questionnaire's plain value."""
        data = self.cleaned_data
        return Answers(
            area=data["area"],
            duration=data["duration"],
            feelings=tuple(data.get("feelings") or ()),
            pressure=data.get("pressure") or "",
            red_flags=tuple(data.get("red_flags") or ()),
        )
