"""Find the right massage: turn a patient's answers into suggestions from the catalogue.

Every active type is scored from what the clinic says of it in the admin (the areas and
feelings it suits, the pressures it can be given at, its length), so a type added later is
suggested as soon as it fits. The rules are a starting point the clinic's therapists agreed
on, not a diagnosis; a red flag always wins over any suggestion.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from booking.intake import RED_FLAGS, Area, Duration, Feeling, Pressure
from booking.models import MassageType

# Area is imported from here by the booking page; the choices themselves live in booking.intake.
__all__ = ["Answers", "Area", "Duration", "Feeling", "Suggestion", "gentle_start_advised", "needs_doctor", "suggest"]


@dataclass(frozen=True)
class Answers:
    """What the patient told the questionnaire."""

    area: str
    duration: str
    feelings: tuple[str, ...] = ()
    pressure: str = ""
    red_flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    """A massage from the catalogue that fits the answers, with the reasons why."""

    massage_type: MassageType
    reasons: tuple[str, ...]


AREA_REASONS: dict[str, str] = {
    Area.LOWER_BACK: "It works on the lower back.",
    Area.UPPER_BACK: "It works on the upper back.",
    Area.NECK_SHOULDERS: "It works on the neck and shoulders.",
    Area.WHOLE_BACK: "It covers the whole back.",
}
FEELING_REASONS: dict[str, str] = {
    Feeling.STIFFNESS: "It is made for a back that feels stiff and hard to move.",
    Feeling.KNOTS: "It is made for knots and tender spots.",
    Feeling.STRESS: "It is made for tension that builds with stress.",
    Feeling.SPORTS: "It is made for muscles that are sore after sport or training.",
}
DEFAULT_REASON = "It suits the kind of back pain you described."
MAX_SUGGESTIONS = 3
STRONG_PRESSURES = frozenset({Pressure.FIRM, Pressure.DEEP})
PRESSURE_MISS_PENALTY = 3  # per step between the pressure preferred and the nearest one offered
# Recent pain does best with shorter sessions, pain of many weeks with longer ones.
ONE_HOUR = 60


def needs_doctor(answers: Answers) -> bool:
    """Return True when any red flag was answered yes: a doctor should be seen before massage."""
    return any(key in RED_FLAGS for key in answers.red_flags)


def pressure_steps(preferred: str, offered: Iterable[str]) -> int:
    """Return how many steps (light, medium, firm, deep) lie between the preferred pressure and the nearest offered."""
    order = list(Pressure.values)
    return min(abs(order.index(preferred) - order.index(pressure)) for pressure in offered)


def score(massage_type: MassageType, answers: Answers) -> tuple[int, list[str]]:
    """Return how well a catalogue type fits the answers (higher is better) and the reasons that earned it."""
    points = 0
    reasons: list[str] = []
    if answers.area in massage_type.suits_areas:
        points += 2
        reasons.append(AREA_REASONS[answers.area])
    for feeling in answers.feelings:
        if feeling in massage_type.suits_feelings:
            points += 3
            reasons.append(FEELING_REASONS[feeling])
    # Empty: the clinic says pressure does not matter for it.
    offered = [pressure for pressure in massage_type.pressures if pressure in Pressure.values]
    if answers.pressure and offered:
        if answers.pressure in offered:
            points += 2
            reasons.append(f"It can be given at the {Pressure(answers.pressure).label.lower()} pressure you prefer.")
        else:
            # Too light or too strong is a poor fit, and the further off the poorer.
            points -= PRESSURE_MISS_PENALTY * pressure_steps(answers.pressure, offered)
    minutes = massage_type.duration_minutes
    if answers.duration == Duration.ACUTE:
        if offered and Pressure.LIGHT not in offered:
            points -= 1  # a recent strain is worked gently first
        if minutes < ONE_HOUR:
            points += 1
            reasons.append(f"A shorter session of {minutes} minutes is a gentle start while the pain is recent.")
    elif answers.duration == Duration.CHRONIC and minutes >= ONE_HOUR:
        points += 1
        reasons.append(f"A {minutes}-minute session gives time to work on pain that has lasted for weeks.")
    if massage_type.good_for.strip():
        reasons.append(f"Good for {massage_type.good_for.strip().rstrip('.')}.")
    return points, reasons


def suggest(answers: Answers, catalogue: Iterable[MassageType]) -> list[Suggestion]:
    """Return up to three active massages from the catalogue that fit the answers; none when a red flag was raised."""
    if needs_doctor(answers):
        return []
    fitting = []
    for massage_type in catalogue:
        if not massage_type.is_active:
            continue
        points, reasons = score(massage_type, answers)
        if points > 0:
            fitting.append((points, massage_type, reasons))
    fitting.sort(key=lambda item: (-item[0], item[1].display_order, item[1].name))
    return [
        Suggestion(massage_type=massage_type, reasons=tuple(reasons or [DEFAULT_REASON]))
        for _points, massage_type, reasons in fitting[:MAX_SUGGESTIONS]
    ]


def gentle_start_advised(answers: Answers) -> bool:
    """Return True when recent pain meets a wish for strong pressure: start gently, build up later."""
    return answers.duration == Duration.ACUTE and answers.pressure in STRONG_PRESSURES
