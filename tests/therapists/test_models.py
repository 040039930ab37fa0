"""Working hours and time off: the model checks, the database's own checks, and wall-clock time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from locations.models import Location
from tests.conftest import CLINIC_ZONE
from tests.factories import TherapistFactory, TimeOffFactory, WorkingHoursFactory
from therapists.models import Therapist, TimeOff, Weekday, WorkingHours, local_span

MONDAY = Weekday.MONDAY


@pytest.fixture
def maya(db: None) -> Therapist:
    return TherapistFactory.create(display_name="Maya Okafor")


def _span(therapist: Therapist, start: time, end: time, weekday: int = MONDAY) -> WorkingHours:
    return WorkingHours(therapist=therapist, weekday=weekday, start=start, end=end)


def _insert(therapist: Therapist, start: time, end: time, weekday: int = MONDAY) -> WorkingHours:
    """Write the span straight to the table, past the model's clean()."""
    with transaction.atomic():
        return WorkingHoursFactory.create(therapist=therapist, weekday=weekday, start=start, end=end)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _real_duration(span: tuple[datetime, datetime]) -> timedelta:
    # Subtracting two datetimes of the same zone gives wall-clock time: compare in UTC.
    return _utc(span[1]) - _utc(span[0])


# --- clean() -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "end"), [(time(17), time(9)), (time(9), time(9))])
def test_working_hours_ending_before_they_start_are_refused(maya: Therapist, start: time, end: time) -> None:
    with pytest.raises(ValidationError) as excinfo:
        _span(maya, start, end).full_clean()
    assert "end" in excinfo.value.message_dict


@pytest.mark.django_db
def test_overlapping_spans_of_one_day_are_refused(maya: Therapist) -> None:
    _insert(maya, time(9), time(12))
    with pytest.raises(ValidationError, match="overlaps"):
        _span(maya, time(11), time(14)).full_clean()


@pytest.mark.django_db
def test_a_span_inside_another_is_refused(maya: Therapist) -> None:
    _insert(maya, time(9), time(17))
    with pytest.raises(ValidationError, match="overlaps"):
        _span(maya, time(12), time(13)).full_clean()


@pytest.mark.django_db
def test_a_lunch_break_as_two_spans_is_valid(maya: Therapist) -> None:
    morning = _span(maya, time(9), time(12))
    morning.full_clean()
    morning.save()
    afternoon = _span(maya, time(13), time(17))
    afternoon.full_clean()
    afternoon.save()
    assert list(maya.working_hours.values_list("start", "end")) == [(time(9), time(12)), (time(13), time(17))]


@pytest.mark.django_db
def test_back_to_back_spans_do_not_overlap(maya: Therapist) -> None:
    _insert(maya, time(9), time(12))
    _span(maya, time(12), time(17)).full_clean()
    assert _insert(maya, time(12), time(17)).pk is not None


@pytest.mark.django_db
def test_the_same_hours_on_another_day_or_for_another_therapist_are_valid(maya: Therapist) -> None:
    _insert(maya, time(9), time(17))
    _span(maya, time(9), time(17), weekday=Weekday.TUESDAY).full_clean()
    _span(TherapistFactory.create(), time(9), time(17)).full_clean()


@pytest.mark.django_db
def test_editing_a_span_does_not_clash_with_itself(maya: Therapist) -> None:
    span = _insert(maya, time(9), time(12))
    span.end = time(12, 30)
    span.full_clean()


# --- the database ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_database_refuses_working_hours_ending_before_they_start(maya: Therapist) -> None:
    with pytest.raises(IntegrityError, match="working_hours_start_before_end"):
        _insert(maya, time(17), time(9))
    assert not WorkingHours.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_overlapping_spans_of_one_day(maya: Therapist) -> None:
    _insert(maya, time(9), time(12))
    with pytest.raises(IntegrityError, match="working_hours_no_overlap") as excinfo:
        _insert(maya, time(11, 30), time(14))
    assert excinfo.value.__cause__.sqlstate == "23P01"  # type: ignore[union-attr]
    assert maya.working_hours.count() == 1


@pytest.mark.django_db
def test_the_database_accepts_a_lunch_break_and_other_days(maya: Therapist) -> None:
    _insert(maya, time(9), time(12))
    _insert(maya, time(13), time(17))
    _insert(maya, time(9), time(17), weekday=Weekday.SATURDAY)
    _insert(TherapistFactory.create(), time(9), time(17))
    assert WorkingHours.objects.count() == 4


# --- time off --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("length", [timedelta(0), timedelta(hours=-2)])
def test_time_off_ending_before_it_starts_is_refused(maya: Therapist, length: timedelta) -> None:
    start = datetime(2026, 3, 10, 9, tzinfo=CLINIC_ZONE)
    with pytest.raises(ValidationError) as excinfo:
        TimeOff(therapist=maya, start=start, end=start + length).full_clean()
    assert "end" in excinfo.value.message_dict
    with pytest.raises(IntegrityError, match="time_off_start_before_end"), transaction.atomic():
        TimeOffFactory.create(therapist=maya, start=start, end=start + length)
    assert not TimeOff.objects.exists()


@pytest.mark.django_db
def test_time_off_across_several_days_is_valid(maya: Therapist) -> None:
    start = datetime(2026, 3, 10, tzinfo=CLINIC_ZONE)
    TimeOff(therapist=maya, start=start, end=start + timedelta(days=3), reason="Course").full_clean()


# --- wall-clock time across DST (America/New_York) -------------------------------------------


@pytest.mark.parametrize(
    ("day", "utc_start", "utc_end"),
    [
        # Spring forward on Sunday 2026-03-08: EST (UTC-5) before, EDT (UTC-4) after.
        (date(2026, 3, 6), datetime(2026, 3, 6, 14, tzinfo=UTC), datetime(2026, 3, 6, 22, tzinfo=UTC)),
        (date(2026, 3, 8), datetime(2026, 3, 8, 13, tzinfo=UTC), datetime(2026, 3, 8, 21, tzinfo=UTC)),
        (date(2026, 3, 9), datetime(2026, 3, 9, 13, tzinfo=UTC), datetime(2026, 3, 9, 21, tzinfo=UTC)),
        # Fall back on Sunday 2026-11-01: EDT before, EST after.
        (date(2026, 10, 30), datetime(2026, 10, 30, 13, tzinfo=UTC), datetime(2026, 10, 30, 21, tzinfo=UTC)),
        (date(2026, 11, 1), datetime(2026, 11, 1, 14, tzinfo=UTC), datetime(2026, 11, 1, 22, tzinfo=UTC)),
        (date(2026, 11, 2), datetime(2026, 11, 2, 14, tzinfo=UTC), datetime(2026, 11, 2, 22, tzinfo=UTC)),
    ],
)
def test_nine_to_five_is_nine_to_five_in_the_clinic_whatever_the_offset(
    day: date, utc_start: datetime, utc_end: datetime
) -> None:
    boston = Location(name="Boston", time_zone="America/New_York")
    hours = WorkingHours(therapist=Therapist(), location=boston, weekday=day.weekday(), start=time(9), end=time(17))
    span = hours.on(day)
    assert (_utc(span[0]), _utc(span[1])) == (utc_start, utc_end)
    assert [(moment.astimezone(CLINIC_ZONE).hour, moment.astimezone(CLINIC_ZONE).minute) for moment in span] == [
        (9, 0),
        (17, 0),
    ]
    assert _real_duration(span) == timedelta(hours=8)


def test_nine_to_five_at_a_london_location_is_nine_to_five_in_london() -> None:
    # 2026-03-09: New York is already on EDT, London still on GMT (it changes on the 29th).
    london = Location(name="London", time_zone="Europe/London")
    hours = WorkingHours(therapist=Therapist(), location=london, weekday=0, start=time(9), end=time(17))
    span = hours.on(date(2026, 3, 9))
    assert (_utc(span[0]), _utc(span[1])) == (datetime(2026, 3, 9, 9, tzinfo=UTC), datetime(2026, 3, 9, 17, tzinfo=UTC))


def test_a_span_across_the_spring_forward_gap_lasts_an_hour_less() -> None:
    span = local_span(date(2026, 3, 8), time(1), time(4))
    assert (_utc(span[0]), _utc(span[1])) == (
        datetime(2026, 3, 8, 6, tzinfo=UTC),
        datetime(2026, 3, 8, 8, tzinfo=UTC),
    )
    assert _real_duration(span) == timedelta(hours=2)


def test_a_span_across_the_fall_back_repeat_lasts_an_hour_more() -> None:
    span = local_span(date(2026, 11, 1), time(0), time(4))
    assert _real_duration(span) == timedelta(hours=5)


def test_local_span_follows_the_configured_clinic_zone(settings: object) -> None:
    settings.TIME_ZONE = "Europe/London"  # type: ignore[attr-defined]
    start, end = local_span(date(2026, 3, 9), time(9), time(17))
    assert (_utc(start), _utc(end)) == (datetime(2026, 3, 9, 9, tzinfo=UTC), datetime(2026, 3, 9, 17, tzinfo=UTC))
