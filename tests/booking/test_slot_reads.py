"""The availability engine's reads: PostgreSQL's statements return what the ORM's querysets return.

The querysets are what SQLite (`make run`) runs; the statements what every PostgreSQL server
runs. One clinic with what each read must leave out (an inactive therapist, location and
room, a therapist who does not offer the massage, a room without a needed feature, time off
and closures outside the range, cancelled and ignored sessions) is read both ways.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta
from itertools import pairwise
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking import availability, slot_reads
from booking.models import Appointment, MassageType, Status
from tests.conftest import CLINIC_ZONE
from tests.factories import (
    AppointmentFactory,
    LocationFactory,
    MassageTypeFactory,
    RoomClosureFactory,
    RoomFactory,
    RoomFeatureFactory,
    TherapistFactory,
    TimeOffFactory,
    WorkingHoursFactory,
)

START = datetime(2026, 3, 9, tzinfo=CLINIC_ZONE)
UNTIL = START + timedelta(days=7)


class Clinic:
    def __init__(self) -> None:
        self.heated = RoomFeatureFactory(name="Heated table", slug="heated-table")
        self.hot_stone = MassageTypeFactory(name="Hot stone", buffer_minutes=15)
        self.hot_stone.needs_features.set([self.heated])
        self.plain = MassageTypeFactory(name="Relaxation")
        self.downtown = LocationFactory(name="Downtown", time_zone="America/New_York")
        self.uptown = LocationFactory(name="Uptown", time_zone="Europe/London")
        closed = LocationFactory(name="Closed", is_active=False)
        self.warm = RoomFactory(location=self.downtown, name="Warm", features=[self.heated])
        self.cold = RoomFactory(location=self.downtown, name="Cold")
        self.far = RoomFactory(location=self.uptown, name="Far", features=[self.heated])
        RoomFactory(location=self.downtown, name="Shut", features=[self.heated], is_active=False)
        RoomFactory(location=closed, name="Elsewhere", features=[self.heated])
        both = [self.hot_stone, self.plain]
        self.ann = TherapistFactory(massage_types=both, room=False)
        self.bob = TherapistFactory(massage_types=[self.plain], room=False)
        self.gone = TherapistFactory(massage_types=both, room=False, is_active=False)
        for therapist in (self.ann, self.bob, self.gone):
            for day in (0, 2):
                WorkingHoursFactory(therapist=therapist, location=self.downtown, weekday=day)
            WorkingHoursFactory(therapist=therapist, location=closed, weekday=1)
        WorkingHoursFactory(therapist=self.ann, location=self.uptown, weekday=4, start=time(8), end=time(12))
        TimeOffFactory(therapist=self.ann, start=START + timedelta(days=2), end=START + timedelta(days=3))
        TimeOffFactory(therapist=self.ann, start=START + timedelta(days=4), end=START + timedelta(days=5))
        TimeOffFactory(therapist=self.ann, start=START - timedelta(days=9), end=START - timedelta(days=8))
        TimeOffFactory(therapist=self.bob, start=UNTIL - timedelta(hours=1), end=UNTIL + timedelta(days=1))
        RoomClosureFactory(room=self.warm, start=START + timedelta(hours=10), end=START + timedelta(hours=12))
        RoomClosureFactory(room=self.warm, start=START + timedelta(days=1), end=START + timedelta(days=2))
        RoomClosureFactory(room=self.warm, start=UNTIL + timedelta(days=1), end=UNTIL + timedelta(days=2))
        RoomClosureFactory(room=self.warm, start=START - timedelta(days=2), end=START - timedelta(days=1))
        self.sessions: list[Appointment] = []
        for offset, therapist, room, status in (
            (timedelta(hours=9), self.ann, self.warm, Status.CONFIRMED),
            (timedelta(days=2, hours=14), self.bob, self.cold, Status.HELD),
            (timedelta(days=3, hours=9), self.bob, self.warm, Status.COMPLETED),
            (timedelta(days=3, hours=13), self.ann, self.cold, Status.CANCELLED),
            (timedelta(days=5, hours=9), self.ann, self.far, Status.NO_SHOW),
            (timedelta(days=9), self.ann, self.warm, Status.CONFIRMED),
        ):
            held_until = START if status == Status.HELD else None
            self.sessions.append(
                AppointmentFactory(
                    therapist=therapist,
                    room=room,
                    massage_type=self.plain,
                    start=START + offset,
                    status=status,
                    hold_expires_at=held_until,
                )
            )


@pytest.fixture
def clinic(db: None) -> Clinic:
    return Clinic()


def both_ways(monkeypatch: pytest.MonkeyPatch, read: Callable[[], list[tuple[Any, ...]]]) -> tuple[list, list]:
    """The read's rows from PostgreSQL's statement, then from the ORM's queryset, each sorted."""
    with CaptureQueriesContext(connection) as statement:
        fixed = sorted(read(), key=repr)
    assert len(statement) <= 1
    with monkeypatch.context() as patched:
        patched.setattr(slot_reads, "_on_postgresql", lambda model: None)
        with CaptureQueriesContext(connection) as queryset:
            orm = sorted(read(), key=repr)
    # One statement each, or none when there is nothing to ask (no therapist, no room).
    assert len(queryset) == len(statement)
    assert [query["sql"] for query in queryset] != [query["sql"] for query in statement] or not statement
    return fixed, orm


@pytest.mark.parametrize("massage", ["hot_stone", "plain"])
@pytest.mark.parametrize("who", ["everyone", "ann", "nobody"])
@pytest.mark.parametrize("where", ["anywhere", "downtown"])
def test_hours_read_the_same_rows(clinic: Clinic, monkeypatch: pytest.MonkeyPatch, massage, who, where) -> None:
    kind: MassageType = getattr(clinic, massage)
    therapists = {"everyone": None, "ann": [clinic.ann.pk], "nobody": []}[who]
    location = None if where == "anywhere" else clinic.downtown.pk

    fixed, orm = both_ways(monkeypatch, lambda: slot_reads.hours(kind.pk, therapists, location))
    with_off, with_off_orm = both_ways(
        monkeypatch, lambda: slot_reads.hours_with_time_off(kind.pk, therapists, location, START, UNTIL)
    )

    assert fixed == orm
    assert with_off == with_off_orm
    assert clinic.gone.pk not in {row[0] for row in fixed + with_off}
    if who == "everyone" and where == "anywhere":
        offered = {row[0] for row in fixed}
        assert offered == ({clinic.ann.pk} if massage == "hot_stone" else {clinic.ann.pk, clinic.bob.pk})
        assert {row[1] for row in fixed} == {clinic.downtown.pk, clinic.uptown.pk}
        assert {(row[6], row[7]) for row in with_off if row[0] == clinic.ann.pk} == {
            (START + timedelta(days=2), START + timedelta(days=3)),
            (START + timedelta(days=4), START + timedelta(days=5)),
        }


@pytest.mark.parametrize("who", ["ann and bob", "nobody"])
def test_time_off_reads_the_same_rows(clinic: Clinic, monkeypatch: pytest.MonkeyPatch, who) -> None:
    therapists = [clinic.ann.pk, clinic.bob.pk] if who == "ann and bob" else []

    fixed, orm = both_ways(monkeypatch, lambda: slot_reads.time_off(therapists, START, UNTIL))

    assert fixed == orm
    assert len(fixed) == (3 if therapists else 0)


@pytest.mark.parametrize("massage", ["hot_stone", "plain"])
def test_rooms_read_the_same_rows(clinic: Clinic, monkeypatch: pytest.MonkeyPatch, massage) -> None:
    kind: MassageType = getattr(clinic, massage)
    locations = [clinic.downtown.pk, clinic.uptown.pk]

    fixed, orm = both_ways(monkeypatch, lambda: slot_reads.rooms_with_closures(kind.pk, locations, START, UNTIL))

    assert fixed == orm
    rooms = {row[0] for row in fixed}
    suits = {clinic.warm.pk, clinic.far.pk}
    assert rooms == (suits if massage == "hot_stone" else suits | {clinic.cold.pk})
    assert (
        len([row for row in fixed if row[0] == clinic.warm.pk]) == 2
    )  # not the one before the range nor the one after


@pytest.mark.parametrize("ignoring", [None, 0])
def test_sessions_read_the_same_rows(clinic: Clinic, monkeypatch: pytest.MonkeyPatch, ignoring) -> None:
    ignored = None if ignoring is None else clinic.sessions[ignoring].pk
    therapists, rooms = [clinic.ann.pk], [clinic.warm.pk, clinic.cold.pk]

    fixed, orm = both_ways(monkeypatch, lambda: slot_reads.sessions(therapists, rooms, START, UNTIL, ignored))

    assert fixed == orm
    # Bob's hold in the cold room and his session in the warm one count; the cancelled one and
    # the one after the range do not, nor the ignored one.
    expected = {clinic.sessions[i].start for i in (1, 2, 4)} | (
        {clinic.sessions[0].start} if ignored is None else set()
    )
    assert {row[2] for row in fixed} == expected


@pytest.mark.parametrize("when", ["free", "time off", "a session", "the ignored session"])
def test_the_slot_checks_hours_read_the_same_rows(clinic: Clinic, monkeypatch: pytest.MonkeyPatch, when) -> None:
    start = {
        "free": START + timedelta(days=7, hours=10),
        "time off": START + timedelta(days=2, hours=10),
        "a session": START + timedelta(hours=9, minutes=30),
        "the ignored session": START + timedelta(hours=9, minutes=30),
    }[when]
    ignoring = clinic.sessions[0].pk if when == "the ignored session" else None
    end = start + clinic.hot_stone.duration
    blocked_until = end + clinic.hot_stone.buffer

    fixed, orm = both_ways(
        monkeypatch,
        lambda: slot_reads.hours_in_the_way(clinic.hot_stone.pk, clinic.ann.pk, start, end, blocked_until, ignoring),
    )

    assert fixed == orm
    assert {(row[6], row[7]) for row in fixed} == {(when == "time off", when == "a session")}


@pytest.mark.parametrize("when", ["free", "time off", "a session", "the ignored session", "not offered"])
def test_a_bookings_one_read_is_the_patients_counts_and_the_slot_checks_hours(clinic: Clinic, when) -> None:
    start = {
        "free": START + timedelta(days=7, hours=10),
        "time off": START + timedelta(days=2, hours=10),
        "a session": START + timedelta(hours=9, minutes=30),
        "the ignored session": START + timedelta(hours=9, minutes=30),
        "not offered": START + timedelta(days=7, hours=10),
    }[when]
    ignoring = clinic.sessions[0].pk if when == "the ignored session" else None
    therapist = clinic.bob if when == "not offered" else clinic.ann  # Bob offers no hot stone
    end = start + clinic.hot_stone.duration
    blocked_until = end + clinic.hot_stone.buffer
    patient_id = clinic.sessions[0].patient_id
    now = START - timedelta(days=1)

    with CaptureQueriesContext(connection) as one:
        counts, hours = slot_reads.standing_and_hours_in_the_way(
            patient_id, clinic.hot_stone.pk, therapist.pk, start, end, blocked_until, now, ignoring
        )

    assert len(one) == 1
    assert counts == slot_reads.patient_counts(patient_id, start, end, now, ignoring)
    apart = slot_reads.hours_in_the_way(clinic.hot_stone.pk, therapist.pk, start, end, blocked_until, ignoring)
    assert sorted(hours, key=repr) == sorted(apart, key=repr)
    assert bool(hours) is (when != "not offered")


@pytest.mark.parametrize("when", ["before every session", "over a session", "over the ignored session"])
def test_the_patients_standing_reads_the_same_counts(clinic: Clinic, monkeypatch: pytest.MonkeyPatch, when) -> None:
    patient_id = clinic.sessions[0].patient_id
    series = uuid.uuid4()
    for days in (1, 2):
        AppointmentFactory(
            patient_id=patient_id,
            therapist=clinic.bob,
            room=clinic.cold,
            massage_type=clinic.plain,
            start=START + timedelta(days=days, hours=16),
            series=series,
        )
    start = clinic.sessions[0].start + (timedelta(days=-1) if when == "before every session" else timedelta(0))
    end = start + timedelta(hours=1)
    ignoring = clinic.sessions[0].pk if when == "over the ignored session" else None
    now = START - timedelta(days=1)

    fixed, orm = both_ways(monkeypatch, lambda: [slot_reads.patient_counts(patient_id, start, end, now, ignoring)])

    assert fixed == orm
    assert fixed == [(1, 1, 1 if when == "over a session" else 0)]


@pytest.mark.parametrize("massage", ["hot_stone", "plain"])
@pytest.mark.parametrize("ignoring", [None, 0])
def test_room_starts_are_those_worked_out_from_the_rooms_rows(clinic: Clinic, massage, ignoring) -> None:
    kind: MassageType = getattr(clinic, massage)
    ignored = None if ignoring is None else clinic.sessions[ignoring].pk
    locations = [clinic.downtown.pk, clinic.uptown.pk]

    with CaptureQueriesContext(connection) as statement:
        fixed = slot_reads.room_starts(
            kind.pk, locations, START, UNTIL, buffer=kind.buffer, length=kind.duration, ignoring=ignored
        )
    from_rows = availability._room_starts(kind, locations, START, UNTIL, ignoring=ignored)

    assert len(statement) == 1
    assert fixed == from_rows
    assert fixed is not None
    downtown = fixed[clinic.downtown.pk]
    session = clinic.sessions[0]  # 9:00-10:00 on the first day, in the warm room
    before = session.start - timedelta(minutes=30)  # 8:30-9:30 meets the session, not the closure
    if massage == "hot_stone":
        # Only the warm room suits: the session (and the buffer before it) and the first
        # closure (10:00-12:00) take starts out, unless the session is the one left out.
        assert any(first <= before < stop for first, stop in downtown) == (ignored is not None)
        assert not any(first <= START + timedelta(hours=11) < stop for first, stop in downtown)
    else:
        # The cold room is free then: one free room is enough.
        assert any(first <= before < stop for first, stop in downtown)
    # Disjoint and sorted, each start a session fits after before the range ends.
    assert all(earlier[1] < later[0] for earlier, later in pairwise(downtown))
    assert all(stop - timedelta(microseconds=1) + kind.duration <= UNTIL for _, stop in downtown)


def test_room_starts_of_no_location_are_none(clinic: Clinic) -> None:
    with CaptureQueriesContext(connection) as statement:
        found = slot_reads.room_starts(
            clinic.plain.pk, [], START, UNTIL, buffer=timedelta(0), length=timedelta(hours=1), ignoring=None
        )

    assert found == {}
    assert len(statement) == 0
