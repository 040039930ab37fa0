"""Find the right massage: turn a patient's answers into suggestions from the catalogue.

Plain functions over plain values. The rules are a starting point the clinic's therapists
agreed on, not a diagnosis; a red flag always wins over any suggestion.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import models

from booking.intake import RED_FLAGS, Pressure
from booking.models import MassageType


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


@dataclass(frozen=True)
class Answers:
    """What the patient told the questionnaire."""

    area: str
    duration: str
    feelings: tuple[str, ...] = ()
    pressure: str = ""
    red_flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    """How one kind of massage fits the answers, and words to find it in a catalogue without its slug."""

    slug: str
    keywords: tuple[str, ...]
    areas: frozenset[str] = frozenset()
    durations: frozenset[str] = frozenset()
    feelings: frozenset[str] = frozenset()
    pressures: frozenset[str] = frozenset()
    reasons: dict[str, str] = field(default_factory=dict)


# One profile per massage in the demo catalogue. Reasons are keyed by the answer that earns
# the point, so the patient reads why a massage was suggested.
PROFILES: tuple[Profile, ...] = (
    Profile(
        slug="swedish",
        keywords=("swedish", "stress", "general back tension", "first massage"),
        areas=frozenset({Area.WHOLE_BACK, Area.UPPER_BACK}),
        durations=frozenset({Duration.ACUTE}),
        feelings=frozenset({Feeling.STRESS, Feeling.STIFFNESS}),
        pressures=frozenset({Pressure.LIGHT, Pressure.MEDIUM}),
        reasons={
            Duration.ACUTE: "Gentle, flowing strokes are a kind place to start while pain is still recent.",
            Feeling.STRESS: "It calms the whole body as well as the back, which helps tension that comes with stress.",
            Feeling.STIFFNESS: "Warming the muscles with long strokes eases stiffness.",
            Pressure.LIGHT: "It works well at light to medium pressure.",
        },
    ),
    Profile(
        slug="deep-tissue",
        keywords=("deep tissue", "chronic low back pain", "postural strain", "desk work"),
        areas=frozenset({Area.LOWER_BACK, Area.UPPER_BACK}),
        durations=frozenset({Duration.CHRONIC}),
        feelings=frozenset({Feeling.KNOTS}),
        pressures=frozenset({Pressure.FIRM, Pressure.DEEP}),
        reasons={
            Duration.CHRONIC: "Slow, firm work reaches long-held tightness behind pain that has lasted for weeks.",
            Area.LOWER_BACK: "It focuses on the lower back, the spine and the hips.",
            Feeling.KNOTS: "Firm pressure releases deep knots.",
            Pressure.FIRM: "It suits people who like firm pressure.",
        },
    ),
    Profile(
        slug="trigger-point",
        keywords=("trigger point", "knots", "referred pain"),
        areas=frozenset({Area.LOWER_BACK, Area.NECK_SHOULDERS, Area.UPPER_BACK}),
        durations=frozenset({Duration.CHRONIC}),
        feelings=frozenset({Feeling.KNOTS}),
        pressures=frozenset({Pressure.MEDIUM, Pressure.FIRM, Pressure.DEEP}),
        reasons={
            Feeling.KNOTS: "Steady pressure on tender spots is made for knots that refer pain elsewhere.",
            Area.NECK_SHOULDERS: "Knots in the neck and shoulders respond well to it.",
            Duration.CHRONIC: "It helps pain that keeps coming back to the same spots.",
        },
    ),
    Profile(
        slug="myofascial-release",
        keywords=("myofascial", "restricted movement", "long sitting"),
        areas=frozenset({Area.LOWER_BACK, Area.WHOLE_BACK}),
        durations=frozenset({Duration.ACUTE, Duration.CHRONIC}),
        feelings=frozenset({Feeling.STIFFNESS}),
        pressures=frozenset({Pressure.LIGHT, Pressure.MEDIUM}),
        reasons={
            Feeling.STIFFNESS: "Gentle, sustained stretching restores movement when the back feels stiff.",
            Duration.ACUTE: "Its slow, gentle stretching suits pain that is still recent.",
            Area.LOWER_BACK: "It frees the lower back and hips without deep pressure.",
            Pressure.LIGHT: "It is gentle: no deep pressure is needed.",
            Duration.CHRONIC: "It helps backs stiffened by long hours of sitting.",
        },
    ),
    Profile(
        slug="sports",
        keywords=("sports", "training", "recovery", "hamstrings"),
        areas=frozenset({Area.LOWER_BACK, Area.WHOLE_BACK}),
        feelings=frozenset({Feeling.SPORTS}),
        pressures=frozenset({Pressure.MEDIUM, Pressure.FIRM, Pressure.DEEP}),
        reasons={
            Feeling.SPORTS: "Made for muscles loaded by sport: the lower back, hips and hamstrings.",
            Pressure.FIRM: "It combines firm strokes with stretching.",
        },
    ),
    Profile(
        slug="hot-stone",
        keywords=("hot stone", "muscle tension", "cold weather"),
        areas=frozenset({Area.WHOLE_BACK}),
        feelings=frozenset({Feeling.STRESS, Feeling.STIFFNESS}),
        pressures=frozenset({Pressure.LIGHT, Pressure.MEDIUM}),
        reasons={
            Feeling.STRESS: "Warmth along the spine is deeply relaxing.",
            Feeling.STIFFNESS: "Heat softens stiff muscles so less pressure is needed.",
            Area.WHOLE_BACK: "The stones cover the whole back.",
        },
    ),
    Profile(
        slug="back-neck-shoulders",
        keywords=("neck", "shoulders", "upper back tension"),
        areas=frozenset({Area.NECK_SHOULDERS, Area.UPPER_BACK}),
        feelings=frozenset({Feeling.STRESS}),
        pressures=frozenset({Pressure.LIGHT, Pressure.MEDIUM, Pressure.FIRM}),
        reasons={
            Area.NECK_SHOULDERS: "A focused session on the neck, shoulders and upper back.",
            Area.UPPER_BACK: "A focused session on the neck, shoulders and upper back.",
        },
    ),
)
DEFAULT_REASON = "It suits the kind of back pain you described."
MAX_SUGGESTIONS = 3
STRONG_PRESSURES = frozenset({Pressure.FIRM, Pressure.DEEP})


@dataclass(frozen=True)
class Suggestion:
    """A massage from the catalogue that fits the answers, with the reasons why."""

    massage_type: MassageType
    reasons: tuple[str, ...]


def needs_doctor(answers: Answers) -> bool:
    """Return True when any red flag was answered yes: a doctor should be seen before massage."""
    return any(key in RED_FLAGS for key in answers.red_flags)


def score(profile: Profile, answers: Answers) -> tuple[int, list[str]]:
    """Return how well a profile fits the answers (higher is better) and the reasons that earned it."""
    points = 0
    reasons: list[str] = []
    earned: list[str] = []
    if answers.area in profile.areas:
        points += 2
        earned.append(answers.area)
    if answers.duration in profile.durations:
        points += 1
        earned.append(answers.duration)
    for feeling in answers.feelings:
        if feeling in profile.feelings:
            points += 3
            earned.append(feeling)
    if answers.pressure:
        if answers.pressure in profile.pressures:
            points += 2
            earned.append(answers.pressure)
        else:
            points -= 3  # a massage the patient would find too light or too strong is a poor fit
    if answers.duration == Duration.ACUTE and Pressure.LIGHT not in profile.pressures:
        points -= 1  # a recent strain is worked gently first
    for key in earned:
        reason = profile.reasons.get(key)
        if reason is None and key == answers.pressure:
            reason = f"It can be given at the {Pressure(key).label.lower()} pressure you prefer."
        if reason and reason not in reasons:
            reasons.append(reason)
    return points, reasons


def rank(answers: Answers) -> list[tuple[Profile, list[str]]]:
    """Return the profiles that fit the answers, best first, with their reasons."""
    scored = [(score(profile, answers), index, profile) for index, profile in enumerate(PROFILES)]
    fitting = [(points, index, profile, reasons) for (points, reasons), index, profile in scored if points > 0]
    fitting.sort(key=lambda item: (-item[0], item[1]))
    return [(profile, reasons or [DEFAULT_REASON]) for _points, _index, profile, reasons in fitting]


def find_in_catalogue(profile: Profile, catalogue: Sequence[MassageType]) -> MassageType | None:
    """Return the catalogue's massage for a profile: by slug, else by its keywords in name or good_for."""
    for massage_type in catalogue:
        if massage_type.slug == profile.slug:
            return massage_type
    for keyword in profile.keywords:
        for massage_type in catalogue:
            if keyword in f"{massage_type.name} {massage_type.good_for}".lower():
                return massage_type
    return None


def suggest(answers: Answers, catalogue: Iterable[MassageType]) -> list[Suggestion]:
    """Return up to three massages from the catalogue that fit the answers; none when a red flag was raised."""
    if needs_doctor(answers):
        return []
    available = list(catalogue)
    suggestions: list[Suggestion] = []
    seen: set[int] = set()
    for profile, reasons in rank(answers):
        massage_type = find_in_catalogue(profile, available)
        if massage_type is None or massage_type.pk in seen:
            continue
        seen.add(massage_type.pk)
        suggestions.append(Suggestion(massage_type=massage_type, reasons=tuple(reasons)))
        if len(suggestions) == MAX_SUGGESTIONS:
            break
    return suggestions


def gentle_start_advised(answers: Answers) -> bool:
    """Return True when recent pain meets a wish for strong pressure: start gently, build up later."""
    return answers.duration == Duration.ACUTE and answers.pressure in STRONG_PRESSURES
