"""Random sequences of joins, cancellations, offers, accepts, declines and expiries keep the waitlist's promises.

After every step: no time of a therapist or a room is held or booked twice, no patient is
in two sessions (holds included) at once, and each offer went to the first entry, in
joining order, that the offered slot fits. The reference for "fits" is written from the
rules, not from the waitlist's code: same massage, a therapist the entry allows, the
entry's dates and window on the clinic's clock, not offered that time with that therapist
before, and a patient free then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking import services as booking
from booking.holds import HoldGone
from booking.models import Appointment, Status
from clinic.models import User
from tests.conftest import CLINIC_ZONE, PINNED_NOW
from tests.factories import UserFactory
from tests.waitlist.conftest import WEDNESDAY, at, consider_all
from tests.waitlist.test_race import overlapping_active_pairs
from therapists.models import Therapist
from waitlist import services
from waitlist.models import EntryState, Offer, OfferState, WaitlistEntry

WINDOWS = [(time(0), time(23, 59)), (time(9), time(11)), (time(13), time(17)), (time(10), time(10, 30))]


@dataclass(frozen=True)
class Join:
    window: int  # index into WINDOWS
    therapist: int | None  # 0 Carol, 1 Dan, None any


@dataclass(frozen=True)
class Cancel:
    pick: int


@dataclass(frozen=True)
class Answer:
    pick: int
    accept: bool


@dataclass(frozen=True)
class Expire:
    pass


@dataclass(frozen=True)
class Consider:
    pass


steps = st.lists(
    st.one_of(
        st.builds(Join, st.integers(0, len(WINDOWS) - 1), st.one_of(st.none(), st.integers(0, 1))),
        st.builds(Cancel, st.integers(0, 50)),
        st.builds(Answer, st.integers(0, 50), st.booleans()),
        st.just(Expire()),
        st.just(Consider()),
    ),
    min_size=1,
    max_size=25,
)


def patient_busy(patient_id: int, start: datetime, end: datetime) -> bool:
    return Appointment.objects.active().filter(patient_id=patient_id, start__lt=end, end__gt=start).exists()


def fits(entry: WaitlistEntry, hold: Appointment) -> bool:
    """Whether the held slot fits the entry, by the rules."""
    allowed = set(entry.therapists.values_list("pk", flat=True))
    local = hold.start.astimezone(CLINIC_ZONE)
    before = Offer.objects.filter(
        entry=entry, appointment__therapist=hold.therapist_id, appointment__start__lt=hold.end
    ).filter(appointment__end__gt=hold.start)
    return (
        entry.massage_type_id == hold.massage_type_id
        and (not allowed or hold.therapist_id in allowed)
        and entry.date_from <= local.date() <= entry.date_to
        and local.weekday() in entry.weekdays
        and entry.time_from <= local.time().replace(tzinfo=None) <= entry.time_to
        and not before.exists()
        and not patient_busy(entry.patient_id, hold.start, hold.end)
    )


def double_booked_patients() -> list[tuple[int, int]]:
    rows = list(Appointment.objects.active().values_list("pk", "patient_id", "start", "end"))
    return [(a[0], b[0]) for a in rows for b in rows if a[0] < b[0] and a[1] == b[1] and a[2] < b[3] and b[2] < a[3]]


def check_order(new_offers: list[Offer], waiting_before: list[WaitlistEntry]) -> None:
    offered_now = {offer.entry_id for offer in new_offers}
    for offer in new_offers:
        entry = offer.entry
        for earlier in waiting_before:
            if (earlier.joined_at, earlier.pk) >= (entry.joined_at, entry.pk) or earlier.pk in offered_now:
                continue
            assert not fits(earlier, offer.appointment), (
                f"entry {earlier.pk} joined before {entry.pk} and fits the slot offered to it"
            )


@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=steps)
@pytest.mark.django_db
def test_random_sequences_never_hold_twice_and_offer_in_joining_order(
    clock, therapist: Therapist, other_therapist: Therapist, massage_type, script
) -> None:
    with transaction.atomic():
        now = PINNED_NOW
        therapists = [therapist, other_therapist]
        # Both therapists' Wednesday full: Carol 09-12 and 13-17, Dan 10-18.
        carol = [at(9), at(10, 15), at(13), at(14, 15), at(15, 30)]
        dan = [at(10), at(11, 15), at(12, 30), at(13, 45), at(15), at(16, 15)]
        for who, starts in ((therapist, carol), (other_therapist, dan)):
            for start in starts:
                booking.book(
                    patient=UserFactory.create(), therapist=who, massage_type=massage_type, start=start, now=now
                )
        waiting: list[User] = []
        for step in script:
            now += timedelta(minutes=7)
            if isinstance(step, Join):
                patient = UserFactory.create()
                waiting.append(patient)
                earliest, latest = WINDOWS[step.window]
                services.join(
                    patient=patient,
                    massage_type=massage_type,
                    date_from=WEDNESDAY,
                    date_to=WEDNESDAY,
                    time_from=earliest,
                    time_to=latest,
                    therapists=[therapists[step.therapist]] if step.therapist is not None else [],
                    now=now,
                )
            elif isinstance(step, Cancel):
                confirmed = list(Appointment.objects.filter(status=Status.CONFIRMED).order_by("pk"))
                if confirmed:
                    session = confirmed[step.pick % len(confirmed)]
                    booking.cancel(appointment=session, by=session.patient, now=now)
            elif isinstance(step, Answer):
                open_offers = list(Offer.objects.filter(state=OfferState.OPEN).select_related("entry__patient"))
                if open_offers:
                    chosen = open_offers[step.pick % len(open_offers)]
                    try:
                        if step.accept:
                            services.accept(offer=chosen, by=chosen.entry.patient, now=now)
                        else:
                            services.decline(offer=chosen, by=chosen.entry.patient, now=now)
                    except HoldGone:
                        pass
            elif isinstance(step, Expire):
                now += timedelta(minutes=31)
                services.expire_due(now=now)
            before = set(Offer.objects.values_list("pk", flat=True))
            waiting_before = list(WaitlistEntry.objects.filter(state=EntryState.ACTIVE).prefetch_related("therapists"))
            if isinstance(step, Consider | Cancel | Expire | Answer):
                consider_all(now)
            new_offers = list(
                Offer.objects.exclude(pk__in=before).select_related("entry", "appointment").order_by("pk")
            )
            assert overlapping_active_pairs() == []
            assert double_booked_patients() == []
            check_order(new_offers, waiting_before)
            assert all(offer.appointment.status == Status.HELD for offer in new_offers)
        transaction.set_rollback(True)
