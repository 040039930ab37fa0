"""The "find the right massage" logic: suggestions from answers, red flags first, catalogue fallbacks."""

from __future__ import annotations

from typing import cast

import pytest

from booking.intake import RED_FLAGS
from booking.models import MassageType
from tests.factories import MassageTypeFactory
from website.questionnaire import (
    Answers,
    Area,
    Duration,
    Feeling,
    gentle_start_advised,
    needs_doctor,
    suggest,
)


def massage(**fields: object) -> MassageType:
    return cast(MassageType, MassageTypeFactory(**fields))


DEMO_SLUGS = ["swedish", "deep-tissue", "trigger-point", "myofascial-release", "sports", "hot-stone"]


@pytest.fixture
def catalogue(db: None) -> list[MassageType]:
    for index, slug in enumerate(DEMO_SLUGS):
        MassageTypeFactory(name=slug.replace("-", " ").title(), slug=slug, good_for="", display_order=index)
    return list(MassageType.objects.all())


def slugs(suggestions: list) -> list[str]:
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


def test_missing_slug_falls_back_to_good_for_text(db: None) -> None:
    knots = massage(name="Neuromuscular therapy", slug="neuromuscular", good_for="knots, referred pain")
    relaxing = massage(name="Relaxing massage", slug="relaxing", good_for="stress, first massage")
    answers = Answers(area=Area.NECK_SHOULDERS, duration=Duration.CHRONIC, feelings=(Feeling.KNOTS,), pressure="firm")

    suggested = suggest(answers, [knots, relaxing])

    assert suggested[0].massage_type == knots


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
        name="Therapeutic massage", slug="therapeutic", good_for="stress, knots, training, myofascial, stiffness"
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
