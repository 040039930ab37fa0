"""The patient's intake: the red-flag questions and the answers' choices, shared by every form.

The questionnaire asks with these choices and the catalogue says which of them each massage
suits, so they live here, below both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from booking.models import Appointment

# The appointment's fields that hold the intake answers.
INTAKE_FIELDS = ("focus_areas", "pain_level", "pressure", "health_notes", "red_flags", "provider_consulted")


class Pressure(models.TextChoices):
    LIGHT = "light", "Light"
    MEDIUM = "medium", "Medium"
    FIRM = "firm", "Firm"
    DEEP = "deep", "Deep"


def every_pressure() -> list[str]:
    """Return every pressure's value: a new massage type can be given at any of them until the clinic says not."""
    return list(Pressure.values)


class Area(models.TextChoices):
    LOWER_BACK = "lower_back", "Lower back"
    UPPER_BACK = "upper_back", "Upper back"
    NECK_SHOULDERS = "neck_shoulders", "Neck and shoulders"
    WHOLE_BACK = "whole_back", "The whole back"


class Duration(models.TextChoices):
    ACUTE = "acute", "Less than 6 weeks"
    CHRONIC = "chronic", "6 weeks or longer"


class Feeling(models.TextChoices):
    STIFFNESS = "stiffness", "Stiff, hard to move or bend"
    KNOTS = "knots", "Tight knots or tender spots"
    STRESS = "stress", "Tension that builds with stress"
    SPORTS = "sports", "Sore after sport or training"


# Questions whose "yes" means a doctor should be seen before massage. Keys are stored on
# the appointment; the wording is shown to patients and therapists.
RED_FLAGS: dict[str, str] = {
    "recent_injury": "A recent fall, accident or injury to the back",
    "leg_numbness": "Numbness, tingling or weakness in the legs",
    "bladder_bowel": "Loss of bladder or bowel control",
    "fever": "Fever or feeling generally unwell with the back pain",
    "weight_loss": "Unexplained weight loss",
    "cancer_history": "A history of cancer",
    "blood_clot": "A known or suspected blood clot (deep vein thrombosis)",
    "pregnancy_complications": "Pregnancy with complications",
}

# The intake rule's message when a red flag is ticked without a provider consulted: the API
# answers it and the booking page shows it before sending, so it is written once, here.
PROVIDER_CONSULTED_MESSAGE = (
    "You answered yes to a red-flag question: please confirm that you have talked to "
    "your doctor or health provider about this massage."
)


def red_flag_labels(keys: list[str]) -> list[str]:
    """Return the question text of each red-flag key answered yes."""
    return [RED_FLAGS[key] for key in keys if key in RED_FLAGS]


@dataclass(frozen=True)
class IntakeData:
    """What the patient tells the therapist before the session."""

    focus_areas: str = ""
    pain_level: int | None = None
    pressure: str = ""
    health_notes: str = ""
    red_flags: list[str] = field(default_factory=list)
    provider_consulted: bool = False

    def errors(self) -> dict[str, str]:
        """Return field messages for anything wrong with the intake."""
        errors: dict[str, str] = {}
        if self.pain_level is not None and not 0 <= self.pain_level <= 10:
            errors["pain_level"] = "Pain level is a number from 0 (none) to 10 (worst imaginable)."
        if self.pressure and self.pressure not in Pressure.values:
            errors["pressure"] = f"Choose one of: {', '.join(Pressure.values)}."
        unknown = [key for key in self.red_flags if key not in RED_FLAGS]
        if unknown:
            errors["red_flags"] = f"Unknown red-flag question(s): {', '.join(unknown)}."
        elif self.red_flags and not self.provider_consulted:
            errors["provider_consulted"] = PROVIDER_CONSULTED_MESSAGE
        return errors

    @classmethod
    def of(cls, appointment: Appointment) -> IntakeData:
        """Return the intake currently recorded on the appointment."""
        return cls(**{name: getattr(appointment, name) for name in INTAKE_FIELDS})
