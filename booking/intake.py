"""The patient's intake: the red-flag questions and pressure choices, shared by every form."""

from __future__ import annotations

from django.db import models


class Pressure(models.TextChoices):
    LIGHT = "light", "Light"
    MEDIUM = "medium", "Medium"
    FIRM = "firm", "Firm"
    DEEP = "deep", "Deep"


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
