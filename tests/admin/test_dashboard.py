"""The dashboard's figures against values computed by hand, with the clock pinned to Monday 2 March 08:00."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from booking import services
from booking.models import Appointment, MassageType, Status
from locations.models import Location, default_location
from tests.conftest import CLINIC_ZONE
from tests.factories import AppointmentFactory, LocationFactory, RoomFactory, TimeOffFactory, room_of
from therapists.models import Therapist
from website import dashboard


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CLINIC_ZONE)


@pytest.fixture
def week(clock, patient, other_patient, therapist, other_therapist, massage_type, admin_user):
    """This week (Mon 2 to Sun 8 March, the DST change at 02:00 on Sunday) for Carol and Dan.

    Carol works 09-12 and 13-17 daily: 7 h x 7 = 49 h, less time off Thursday 13-17 (4 h) and
    Friday 11-14 (of which 11-12 and 13-14 are working time: 2 h) = 43 h.
    Dan works 10-18 daily: 8 h x 7 = 56 h.
    """
    swedish = MassageType.objects.create(name="Swedish", slug="swedish", duration_minutes=90, price=Decimal("120"))
    other_therapist.massage_types.add(swedish)
    TimeOffFactory(therapist=therapist, start=at(5, 13), end=at(5, 17))
    TimeOffFactory(therapist=therapist, start=at(6, 11), end=at(6, 14))
    book = services.book
    # Carol: Monday 09:00, Wednesday 10:00, Sunday 15:00 (after the DST change): 3 h booked.
    book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(2, 9), by=admin_user)
    book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(4, 10))
    book(patient=other_patient, therapist=therapist, massage_type=massage_type, start=at(8, 15))
    cancelled = book(patient=other_patient, therapist=therapist, massage_type=massage_type, start=at(4, 14))
    services.cancel(appointment=cancelled, by=admin_user)
    # Dan: Monday 15:00 (60 min) and Tuesday 10:00 (90 min): 2.5 h. Next Monday is outside the week.
    book(patient=other_patient, therapist=other_therapist, massage_type=massage_type, start=at(2, 15), by=admin_user)
    book(patient=patient, therapist=other_therapist, massage_type=swedish, start=at(3, 10))
    book(patient=patient, therapist=other_therapist, massage_type=massage_type, start=at(9, 10))
    # Last week's session does not count either.
    AppointmentFactory(
        patient=patient, therapist=other_therapist, massage_type=massage_type, start=at(27, 10, month=2),
        status=Status.COMPLETED,
    )  # fmt: skip


@pytest.fixture
def history(clock, patient, therapist, massage_type):
    """The 30 days before Monday 2 March 08:00, i.e. from Friday 30 January 08:00.

    Started in the period: completed x3, no-show x1, still confirmed x1, cancelled x3
    (one 2 h before its start: late; one 5 days before: not late; one exactly 24 h before:
    at the deadline, so not late). Before the period: a no-show and a late cancellation.
    No-show rate 1 / (3 + 1); late-cancellation rate 1 / 8.
    """

    def make(start: datetime, status: str, cancelled_at: datetime | None = None) -> None:
        AppointmentFactory(
            patient=patient, therapist=therapist, massage_type=massage_type, start=start, status=status,
            cancelled_at=cancelled_at,
        )  # fmt: skip

    for day in (10, 12, 27):
        make(at(day, 10, month=2), Status.COMPLETED)
    make(at(20, 10, month=2), Status.NO_SHOW)
    make(at(25, 10, month=2), Status.CONFIRMED)
    make(at(15, 10, month=2), Status.CANCELLED, at(15, 8, month=2))
    make(at(16, 10, month=2), Status.CANCELLED, at(11, 10, month=2))
    make(at(18, 10, month=2), Status.CANCELLED, at(17, 10, month=2))
    make(at(20, 10, month=1), Status.NO_SHOW)
    make(at(25, 10, month=1), Status.CANCELLED, at(25, 9, month=1))
    # 07:59 on 30 January is just before the period; 08:00 on 2 March (now) is just after it.
    make(at(30, 7, 59, month=1), Status.NO_SHOW)


@pytest.mark.django_db
def test_this_weeks_utilisation(week) -> None:
    rows = {row.therapist.display_name: row for row in dashboard.week_utilisation(timezone.now())}
    assert (rows["Carol Chen"].working, rows["Carol Chen"].booked) == (timedelta(hours=43), timedelta(hours=3))
    assert (rows["Dan Diaz"].working, rows["Dan Diaz"].booked) == (timedelta(hours=56), timedelta(hours=2.5))
    assert rows["Carol Chen"].ratio == pytest.approx(3 / 43)
    assert rows["Dan Diaz"].percent == pytest.approx(250 / 56)


@pytest.mark.django_db
def test_utilisation_of_a_day_later_in_the_week_uses_the_same_week(week, clock) -> None:
    clock.move_to(at(8, 23, 30))  # Sunday night, after the DST change
    rows = {row.therapist.display_name: row for row in dashboard.week_utilisation(timezone.now())}
    assert rows["Carol Chen"].booked == timedelta(hours=3)
    assert rows["Carol Chen"].working == timedelta(hours=43)


@pytest.mark.django_db
def test_todays_sessions_per_therapist(week) -> None:
    days = {day.therapist.display_name: day.appointments for day in dashboard.sessions_today(timezone.now())}
    assert [timezone.localtime(a.start).hour for a in days["Carol Chen"]] == [9]
    assert [a.patient.first_name for a in days["Dan Diaz"]] == ["Bob"]


@pytest.mark.django_db
def test_no_show_rate_of_the_last_30_days(history) -> None:
    rate = dashboard.no_show_rate(timezone.now())
    assert (rate.count, rate.total, rate.percent) == (1, 4, 25.0)


@pytest.mark.django_db
def test_late_cancellation_rate_of_the_last_30_days(history) -> None:
    rate = dashboard.late_cancellation_rate(timezone.now())
    assert (rate.count, rate.total, rate.percent) == (1, 8, 12.5)


@pytest.mark.django_db
def test_rates_of_an_empty_period_are_none(clock, db) -> None:
    assert dashboard.no_show_rate(timezone.now()).value is None
    assert dashboard.late_cancellation_rate(timezone.now()).percent is None


@pytest.mark.django_db
def test_the_dashboard_page_shows_the_figures(week, history, front_desk_client: Client) -> None:
    page = front_desk_client.get(reverse("admin_dashboard")).content.decode()
    # Carol: 3 h of 43 h this week; the history adds nothing to this week.
    assert "7.0 %" in page  # 3 / 43 = 6.98 %
    assert "4.5 %" in page  # Dan: 2.5 / 56 = 4.46 %
    # The history, plus last Friday's completed session of the week fixture: 1 / 5 and 1 / 9.
    assert "1 no-show(s) of 5 session(s) recorded" in page
    assert "20.0 %" in page
    assert "1 late cancellation(s) of 9 appointment(s)" in page
    assert "11.1 %" in page
    assert "9:00\u201310:00 AM Deep tissue, Alice Archer (Confirmed)" in page
    assert "less than 24 hours before their start" in page


@pytest.mark.django_db
def test_todays_sessions_name_the_room_and_with_one_location_no_more(week, front_desk_client: Client) -> None:
    page = front_desk_client.get(reverse("admin_dashboard")).content.decode()
    carol = Therapist.objects.get(display_name="Carol Chen")
    room = room_of(carol)
    assert f'(Confirmed)</a> <span class="where">{room.name}</span>' in page
    assert room.location.name not in page


def _today_in_london(patient, therapist, massage_type, hour: int) -> Appointment:
    london = Location.objects.get(name="London Marylebone")
    room = RoomFactory(location=london, name=f"Garden room {hour}")
    start = datetime(2026, 3, 2, hour, 0, tzinfo=ZoneInfo("Europe/London"))
    return AppointmentFactory(patient=patient, therapist=therapist, massage_type=massage_type, room=room, start=start)


@pytest.mark.django_db
def test_with_several_locations_each_session_says_where_in_its_own_time(
    clock, patient, therapist, massage_type, front_desk_client: Client
) -> None:
    default_location()  # the clinic's own first
    LocationFactory(name="London Marylebone", address="1 Baker Street, London NW1 6XE", time_zone="Europe/London")
    # 15:00 in London on Monday 2 March is 10:00 in the clinic's zone: today.
    _today_in_london(patient, therapist, massage_type, 15)
    page = front_desk_client.get(reverse("admin_dashboard")).content.decode()
    assert "3:00\u20134:00 PM GMT Deep tissue, Alice Archer (Confirmed)" in page
    assert '<span class="where">London Marylebone, Garden room 15</span>' in page


@pytest.mark.django_db
def test_the_dashboard_costs_the_same_for_many_sessions_at_many_locations(
    clock, patient, therapist, massage_type, front_desk_client: Client
) -> None:
    default_location()
    LocationFactory(name="London Marylebone", address="1 Baker Street, London NW1 6XE", time_zone="Europe/London")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert front_desk_client.get(reverse("admin_dashboard")).status_code == 200
        return len(captured)

    _today_in_london(patient, therapist, massage_type, 8)
    one = queries()
    for hour in (10, 12, 14, 16):
        _today_in_london(patient, therapist, massage_type, hour)
    assert queries() == one
