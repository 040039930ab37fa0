"""The patient's intake: the red-flag questions and the answers' choices, shared by every form.

The questionnaire asks with these choices and the catalogue says which of them each massage
suits, so they live here, below both.
"""

from __future__ import annotations

from django.db import models


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
