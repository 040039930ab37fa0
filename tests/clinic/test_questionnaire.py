"""The "find the right massage" logic: suggestions ranked from the catalogue's own data, red flags first."""

from __future__ import annotations

import importlib
from dataclasses import replace
from typing import Any, cast

import pytest
from django.apps import apps

from booking.intake import RED_FLAGS, Area, Duration, Feeling, Pressure
from booking.models import MassageType
from tests.factories import MassageTypeFactory
from website.management.commands.seed_demo import MASSAGE_TYPES
from website.questionnaire import (
    Answers,
    Suggestion,
    gentle_start_advised,
    needs_doctor,
    suggest,
)

suits_migration = importlib.import_module("booking.migrations.0006_massage_type_suits")


def massage(**fields: object) -> MassageType:
    return cast(MassageType, MassageTypeFactory(**fields))


DEMO_SLUGS = ["swedish", "deep-tissue", "trigger-point", "myofascial-release", "sports", "hot-stone"]
DEMO = {spec["slug"]: spec for spec in MASSAGE_TYPES}


@pytest.fixture
def catalogue(db: None) -> list[MassageType]:
    """Six of the demo catalogue's types, described as the demo clinic describes them."""
    for slug in DEMO_SLUGS:
        massage(**{**DEMO[slug], "good_for": ""})
    return list(MassageType.objects.all())


def slugs(suggestions: list[Suggestion]) -> list[str]:
    return [suggestion.massage_type.slug for suggestion in suggestions]


def test_chronic_lower_back_knots_with_firm_pressure_suggests_deep_work(catalogue: list[MassageType]) -> None:
    answers = Answers(area=Area.LOWER_BACK, duration=Duration.CHRONIC, feelings=(Feeling.KNOTS,), pressure="firm")

    suggested = slugs(suggest(answers, catalogue))

    assert suggested[:2] == ["deep-tissue", "trigger-point"]
    assert "hot-stone" not in suggested


def test_stress_tension_with_light_pressure_suggests_gentle_massages(catalogue: list[MassageType]) -> None:
    answers = Answers(area=Area.WHOLE_BACK, duration=Duration.CHRONIC, feelings=(Feeling.STRESS,), pressure="light")

    suggested = slugs(suggest(answers, catalogue))

    assert suggested[0] in {"swedish", "hot-stone"}
    assert set(suggested) <= {"swedish", "hot-stone", "myofascial-release"}
    assert "deep-tissue" not in suggested


def test_sore_after_training_suggests_sports_massage_first(catalogue: list[MassageType]) -> None:
    answers = Answers(area=Area.LOWER_BACK, duration=Duration.ACUTE, feelings=(Feeling.SPORTS,), pressure="medium")

    assert slugs(suggest(answers, catalogue))[0] == "sports"


def test_stiffness_suggests_myofascial_release(catalogue: list[MassageType]) -> None:
    answers = Answers(area=Area.LOWER_BACK, duration=Duration.CHRONIC, feelings=(Feeling.STIFFNESS,))

    assert "myofascial-release" in slugs(suggest(answers, catalogue))[:2]


def test_suggestions_are_at_most_three_and_each_has_a_reason(catalogue: list[MassageType]) -> None:
    answers = Answers(
        area=Area.WHOLE_BACK,
        duration=Duration.CHRONIC,
        feelings=(Feeling.STIFFNESS, Feeling.KNOTS, Feeling.STRESS, Feeling.SPORTS),
    )

    suggestions = suggest(answers, catalogue)

    assert 0 < len(suggestions) <= 3
    assert all(suggestion.reasons and all(suggestion.reasons) for suggestion in suggestions)


def test_any_red_flag_means_see_a_doctor_and_no_suggestion(catalogue: list[MassageType]) -> None:
    for key in RED_FLAGS:
        answers = Answers(area=Area.LOWER_BACK, duration=Duration.CHRONIC, red_flags=(key,))

        assert needs_doctor(answers), key
        assert suggest(answers, catalogue) == [], key


def test_unknown_red_flag_keys_do_not_count() -> None:
    assert not needs_doctor(Answers(area=Area.LOWER_BACK, duration=Duration.CHRONIC, red_flags=("sunburn",)))


def test_no_red_flag_means_no_doctor_first() -> None:
    assert not needs_doctor(Answers(area=Area.LOWER_BACK, duration=Duration.CHRONIC))


def test_types_the_code_has_no_slug_for_are_ranked_by_their_own_data(db: None) -> None:
    knots = massage(
        name="Neuromuscular therapy",
        slug="neuromuscular",
        good_for="knots, referred pain",
        suits_areas=[Area.NECK_SHOULDERS],
        suits_feelings=[Feeling.KNOTS],
        pressures=[Pressure.MEDIUM, Pressure.FIRM],
    )
    relaxing = massage(
        name="Relaxing massage",
        slug="relaxing",
        good_for="stress, first massage",
        suits_areas=[Area.WHOLE_BACK],
        suits_feelings=[Feeling.STRESS],
        pressures=[Pressure.LIGHT, Pressure.MEDIUM],
    )
    answers = Answers(area=Area.NECK_SHOULDERS, duration=Duration.CHRONIC, feelings=(Feeling.KNOTS,), pressure="firm")

    suggested = suggest(answers, [relaxing, knots])

    assert [s.massage_type for s in suggested] == [knots]


def test_a_type_added_later_is_suggested_when_it_fits(catalogue: list[MassageType]) -> None:
    cupping = massage(
        name="Cupping",
        slug="cupping",
        good_for="tight lower back, knots",
        suits_areas=[Area.LOWER_BACK],
        suits_feelings=[Feeling.KNOTS],
        pressures=[Pressure.FIRM],
        duration_minutes=60,
        display_order=25,
    )
    fits = Answers(area=Area.LOWER_BACK, duration=Duration.CHRONIC, feelings=(Feeling.KNOTS,), pressure="firm")
    does_not_fit = Answers(
        area=Area.WHOLE_BACK, duration=Duration.CHRONIC, feelings=(Feeling.STRESS,), pressure="light"
    )

    suggestions = suggest(fits, [*catalogue, cupping])

    assert "cupping" in slugs(suggestions)
    reasons = next(s.reasons for s in suggestions if s.massage_type == cupping)
    assert reasons == (
        "It works on the lower back.",
        "It is made for knots and tender spots.",
        "It can be given at the firm pressure you prefer.",
        "A 60-minute session gives time to work on pain that has lasted for weeks.",
        "Good for tight lower back, knots.",
    )
    assert "cupping" not in slugs(suggest(does_not_fit, [*catalogue, cupping]))


def test_a_type_given_only_at_light_pressure_is_not_suggested_to_someone_who_wants_deep(db: None) -> None:
    described: dict[str, Any] = {"suits_areas": [Area.LOWER_BACK], "suits_feelings": [Feeling.KNOTS]}
    light_only = massage(name="Gentle release", slug="gentle-release", pressures=[Pressure.LIGHT], **described)
    deep_too = massage(name="Deep release", slug="deep-release", pressures=[Pressure.FIRM, Pressure.DEEP], **described)
    answers = Answers(area=Area.LOWER_BACK, duration=Duration.CHRONIC, feelings=(Feeling.KNOTS,), pressure="deep")

    suggested = [s.massage_type for s in suggest(answers, [light_only, deep_too])]

    assert suggested == [deep_too]
    assert light_only in [s.massage_type for s in suggest(replace(answers, pressure="light"), [light_only])]


def test_a_type_that_does_not_depend_on_pressure_is_neither_helped_nor_hurt_by_it(db: None) -> None:
    any_pressure = massage(name="Stretching", slug="stretching", suits_areas=[Area.LOWER_BACK], pressures=[])
    answers = Answers(area=Area.LOWER_BACK, duration=Duration.ACUTE)

    for pressure in ["", *Pressure.values]:
        (suggestion,) = suggest(replace(answers, pressure=pressure), [any_pressure])
        assert not any("pressure you prefer" in reason for reason in suggestion.reasons)


def test_recent_pain_favours_shorter_sessions_and_long_pain_longer_ones(db: None) -> None:
    described: dict[str, Any] = {"suits_areas": [Area.UPPER_BACK], "pressures": [Pressure.LIGHT, Pressure.MEDIUM]}
    short = massage(name="Short session", slug="short", duration_minutes=30, **described)
    long = massage(name="Long session", slug="long", duration_minutes=90, **described)

    recent = suggest(Answers(area=Area.UPPER_BACK, duration=Duration.ACUTE), [long, short])
    lasting = suggest(Answers(area=Area.UPPER_BACK, duration=Duration.CHRONIC), [short, long])

    assert [s.massage_type for s in recent] == [short, long]
    assert [s.massage_type for s in lasting] == [long, short]


def test_ties_are_broken_by_display_order_then_name(db: None) -> None:
    described: dict[str, Any] = {"suits_areas": [Area.LOWER_BACK], "suits_feelings": [Feeling.STIFFNESS]}
    later = massage(name="Alpha", slug="alpha", display_order=2, **described)
    first_b = massage(name="Bravo", slug="bravo", display_order=1, **described)
    first_a = massage(name="Able", slug="able", display_order=1, **described)
    answers = Answers(area=Area.LOWER_BACK, duration=Duration.CHRONIC, feelings=(Feeling.STIFFNESS,))

    assert [s.massage_type for s in suggest(answers, [later, first_b, first_a])] == [first_a, first_b, later]


def test_every_area_and_feeling_has_a_reason_in_words(db: None) -> None:
    everything = massage(name="Everything", slug="everything", good_for="", suits_areas=Area.values,
                         suits_feelings=Feeling.values)  # fmt: skip

    for area in Area.values:
        for feeling in Feeling.values:
            (suggestion,) = suggest(Answers(area=area, duration="", feelings=(feeling,)), [everything])
            assert len(suggestion.reasons) == 2
            assert all(reason.startswith("It ") for reason in suggestion.reasons)


def test_inactive_types_are_not_suggested(db: None) -> None:
    retired = massage(name="Retired", slug="retired", suits_areas=[Area.LOWER_BACK], is_active=False)

    assert suggest(Answers(area=Area.LOWER_BACK, duration=Duration.CHRONIC), [retired]) == []


def test_suggestions_only_come_from_the_catalogue(catalogue: list[MassageType]) -> None:
    without_deep_work = [t for t in catalogue if t.slug not in {"deep-tissue", "trigger-point"}]
    answers = Answers(area=Area.LOWER_BACK, duration=Duration.CHRONIC, feelings=(Feeling.KNOTS,), pressure="firm")

    suggested = suggest(answers, without_deep_work)

    assert suggested
    assert {s.massage_type.pk for s in suggested} <= {t.pk for t in without_deep_work}


def test_an_empty_catalogue_gives_no_suggestion() -> None:
    assert suggest(Answers(area=Area.LOWER_BACK, duration=Duration.CHRONIC, feelings=(Feeling.SPORTS,)), []) == []


def test_one_catalogue_entry_is_suggested_once(db: None) -> None:
    everything = massage(
        name="Therapeutic massage",
        slug="therapeutic",
        suits_areas=[Area.WHOLE_BACK],
        suits_feelings=[Feeling.STRESS, Feeling.KNOTS, Feeling.SPORTS, Feeling.STIFFNESS],
    )
    answers = Answers(
        area=Area.WHOLE_BACK, duration=Duration.CHRONIC, feelings=(Feeling.STRESS, Feeling.KNOTS, Feeling.SPORTS)
    )

    assert slugs(suggest(answers, [everything])) == ["therapeutic"]


def test_recent_pain_with_deep_pressure_advises_a_gentle_start() -> None:
    assert gentle_start_advised(Answers(area=Area.LOWER_BACK, duration=Duration.ACUTE, pressure="deep"))
    assert not gentle_start_advised(Answers(area=Area.LOWER_BACK, duration=Duration.CHRONIC, pressure="deep"))
    assert not gentle_start_advised(Answers(area=Area.LOWER_BACK, duration=Duration.ACUTE, pressure="light"))


def test_recent_pain_ranks_gentle_massages_above_deep_ones(catalogue: list[MassageType]) -> None:
    answers = Answers(area=Area.LOWER_BACK, duration=Duration.ACUTE, feelings=(Feeling.STIFFNESS,))

    suggested = slugs(suggest(answers, catalogue))

    assert suggested[0] in {"myofascial-release", "swedish"}
    assert "deep-tissue" not in suggested[:1]


def test_the_migration_describes_the_demo_types_as_the_demo_data_does(db: None) -> None:
    for slug in suits_migration.DEMO_TYPES:
        massage(**{**DEMO[slug], "suits_areas": [], "suits_feelings": [], "pressures": Pressure.values})
    unknown = massage(name="Cupping", slug="cupping", suits_areas=[Area.LOWER_BACK])

    suits_migration.describe_demo_types(apps, None)

    assert set(suits_migration.DEMO_TYPES) == set(DEMO)
    for massage_type in MassageType.objects.exclude(pk=unknown.pk):
        spec = DEMO[massage_type.slug]
        for field in ("suits_areas", "suits_feelings", "pressures"):
            assert getattr(massage_type, field) == list(spec[field]), (massage_type.slug, field)
    unknown.refresh_from_db()
    assert unknown.suits_areas == [Area.LOWER_BACK]
