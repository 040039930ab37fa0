"""Measures before and at each session, the trend the week view marks, and the chart drawn from them."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from audit.models import Event, Kind
from booking import services as booking
from booking.exceptions import InvalidBooking, InvalidTransition, NotAllowed
from courses import chart, records
from courses.models import MeasureSource
from courses.progress import ProgressRow, Trend, improved, progress_rows, trend, trends_by_series
from courses.records import Scores
from tests.conftest import CLINIC_ZONE
from tests.courses.conftest import ask, book_plan, plan

GOLDEN = Path(__file__).parent / "golden" / "progress_chart.svg"
SVG = "{http://www.w3.org/2000/svg}"


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CLINIC_ZONE)


def row(
    number: int, day: int, pain: int | None, worst: int | None = None, interference: int | None = None
) -> ProgressRow:
    return ProgressRow(
        number=number,
        start=local(date(2026, 3, day), 10),
        status="completed",
        pain_now=pain,
        pain_worst_week=worst if worst is not None else pain,
        interference=interference if interference is not None else pain,
    )


# Fixed data: a weekly course of six, measures at the first four sessions.
FIXED = [
    row(1, 4, 7, 9, 6),
    row(2, 11, 6, 8, 6),
    row(3, 18, 5, 7, 4),
    row(4, 25, 3, 5, 3),
    ProgressRow(5, local(date(2026, 4, 1), 10), "confirmed", None, None, None),
    ProgressRow(6, local(date(2026, 4, 8), 10), "confirmed", None, None, None),
]


def test_the_chart_of_fixed_data_matches_the_golden_file():
    drawn = chart.draw(FIXED, ident="course-1")

    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(drawn + "\n")
    assert drawn + "\n" == GOLDEN.read_text()


def test_the_chart_is_well_formed_svg_with_a_title_description_and_three_lines():
    tree = ET.fromstring(str(chart.draw(FIXED, ident="course-1")))  # noqa: S314

    assert tree.get("role") == "img"
    assert tree.get("aria-labelledby") == "course-1-title course-1-desc"
    assert tree.findtext(f"{SVG}title") == "Your back pain over the course"
    assert (tree.findtext(f"{SVG}desc") or "").startswith("Pain now went from 7 at session 1 to 3 at session 4")
    assert len(tree.findall(f"{SVG}polyline")) == 3
    # Four sessions with measures (plus one legend marker each): circles, squares and triangles.
    assert len(tree.findall(f"{SVG}circle")) == 5
    assert len(tree.findall(f"{SVG}rect")) == 1 + 5  # the background and the squares
    assert len(tree.findall(f"{SVG}polygon")) == 5
    texts = [text.text for text in tree.iter(f"{SVG}text")]
    assert "Session" in texts and "Mar 4" in texts and "Apr 8" in texts


def test_names_in_the_chart_are_escaped():
    drawn = chart.draw(FIXED[:2], ident="x", title="<script>alert(1)</script>")

    assert "<script>" not in drawn
    assert "&lt;script&gt;" in drawn


@pytest.mark.parametrize(
    ("first", "latest", "expected"),
    [(7, 5, True), (7, 6, False), (3, 2, True), (2, 2, False), (0, 0, False), (10, 8, True)],
)
def test_improvement_is_two_points_or_thirty_percent(first, latest, expected):
    assert improved(first, latest) is expected


def test_trend_compares_the_latest_measures_with_the_first():
    assert trend(FIXED) == Trend.IMPROVING
    assert trend([row(1, 4, 6), row(2, 11, 6)]) == Trend.NOT_IMPROVING
    assert trend([row(1, 4, 4), row(2, 11, 6)]) == Trend.WORSE
    assert trend([row(1, 4, 6)]) == Trend.TOO_EARLY


@pytest.mark.django_db
def test_the_patient_answers_before_and_the_therapist_records_at_the_session(clock, massage_type, therapist, patient):
    course = book_plan(plan(ask(massage_type, therapist)), patient)
    first, second, *_ = course.sessions()

    before = records.record_measures(appointment=first, by=patient, scores=Scores(7, 9, 6))
    assert before.source == MeasureSource.PATIENT
    clock.move_to(local(date(2026, 3, 4), 10, 30))
    at_session = records.record_measures(appointment=first, by=therapist.user, scores=Scores(6, 9, 6))
    assert (at_session.pk, at_session.source, at_session.pain_now) == (before.pk, MeasureSource.THERAPIST, 6)
    with pytest.raises(InvalidTransition):
        records.record_measures(appointment=first, by=patient, scores=Scores(5, 5, 5))
    with pytest.raises(InvalidTransition):
        records.record_measures(appointment=second, by=therapist.user, scores=Scores(5, 5, 5))

    events = Event.objects.filter(kind=Kind.INTAKE_CHANGED, appointment_id=first.pk)
    assert events.count() == 2
    # That measures were recorded, never the numbers.
    assert all("6" not in event.summary and "9" not in event.summary for event in events)


@pytest.mark.django_db
def test_measures_out_of_range_and_strangers_are_refused(clock, massage_type, therapist, patient, other_patient):
    course = book_plan(plan(ask(massage_type, therapist)), patient)
    first = course.sessions()[0]

    with pytest.raises(InvalidBooking) as refused:
        records.record_measures(appointment=first, by=patient, scores=Scores(11, 3, -1))
    assert set(refused.value.fields) == {"pain_now", "interference"}
    with pytest.raises(NotAllowed):
        records.record_measures(appointment=first, by=other_patient, scores=Scores(1, 1, 1))


@pytest.mark.django_db
def test_progress_rows_and_trends_come_from_the_recorded_sessions(clock, massage_type, therapist, patient):
    course = book_plan(plan(ask(massage_type, therapist)), patient)
    first, second, _third, fourth = course.sessions()
    records.record_measures(appointment=first, by=patient, scores=Scores(7, 8, 6))
    records.record_measures(appointment=second, by=patient, scores=Scores(4, 6, 5))
    booking.cancel(appointment=fourth, by=patient)

    rows = progress_rows(course)

    assert [(r.number, r.pain_now) for r in rows] == [(1, 7), (2, 4), (3, None)]
    assert trends_by_series([course.series, None]) == {course.series: Trend.IMPROVING}
    assert rows[0].start.utcoffset() == timedelta(hours=-5) and rows[1].start.utcoffset() == timedelta(hours=-4)
