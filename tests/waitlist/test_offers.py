"""Freed time goes to the first waiting entry it fits, held for them; accept books it, decline or expiry pass it on."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from booking import services as booking
from booking.availability import find_slots
from booking.exceptions import PolicyRefused, SlotTaken
from booking.holds import HoldGone
from booking.intake import IntakeData
from booking.models import Appointment, Notification, NotificationKind, Status
from tests.factories import UserFactory
from tests.waitlist.conftest import WEDNESDAY, at, book, consider_all, fill_day, join
from waitlist import services
from waitlist.models import EntryState, FreedTime, Offer, OfferState

pytestmark = pytest.mark.django_db


@pytest.fixture
def now(clock):
    from django.utils import timezone

    return timezone.now()


@pytest.fixture
def full_day(therapist, massage_type, now):
    return fill_day(therapist, massage_type, now)


def cancel_ten_fifteen(full_day, now):
    session = full_day[1]
    return booking.cancel(appointment=session, by=session.patient, now=now)


def test_cancelling_records_freed_time_in_the_same_transaction(full_day, now):
    cancel_ten_fifteen(full_day, now)

    freed = FreedTime.objects.get()
    assert (freed.start, freed.end) == (at(10, 15), at(11, 30))
    assert freed.therapist_ids == [full_day[1].therapist_id]


def test_the_first_to_join_gets_the_offer_held_for_them(patient, other_patient, massage_type, therapist, full_day, now):
    first = join(patient, massage_type, now)
    join(other_patient, massage_type, now + timedelta(minutes=1))
    cancel_ten_fifteen(full_day, now)

    made = consider_all(now)

    offer = Offer.objects.get(pk__in=made)
    assert offer.entry == first
    assert len(made) == 1
    hold = offer.appointment
    assert (hold.status, hold.patient, hold.start) == (Status.HELD, patient, at(10, 15))
    assert hold.hold_expires_at == now + timedelta(minutes=30)
    first.refresh_from_db()
    assert first.state == EntryState.OFFERED
    # Taken for everyone else: the engine shows nothing that morning.
    assert [s.start for s in find_slots(massage_type, WEDNESDAY, WEDNESDAY, now=now)] == []
    with pytest.raises(SlotTaken):
        book(UserFactory.create(), therapist, massage_type, at(10, 15), now)


def test_the_offer_is_emailed_once_through_the_outbox(patient, massage_type, full_day, now):
    join(patient, massage_type, now)
    cancel_ten_fifteen(full_day, now)
    offer = Offer.objects.get(pk__in=consider_all(now))

    notice = Notification.objects.get(kind=NotificationKind.WAITLIST_OFFER)
    assert (notice.subject_id, notice.appointment_id, notice.recipient) == (
        offer.pk,
        offer.appointment_id,
        patient.email,
    )


def test_accepting_books_the_held_slot_with_the_intake(patient, massage_type, full_day, now):
    join(patient, massage_type, now)
    cancel_ten_fifteen(full_day, now)
    offer = Offer.objects.get(pk__in=consider_all(now))

    booked = services.accept(offer=offer, by=patient, intake=IntakeData(focus_areas="lower back"), now=now)

    assert (booked.pk, booked.status, booked.focus_areas) == (offer.appointment_id, Status.CONFIRMED, "lower back")
    assert booked.hold_expires_at is None
    offer.refresh_from_db()
    assert offer.state == OfferState.ACCEPTED
    assert offer.entry.state == EntryState.BOOKED
    assert Notification.objects.filter(appointment=booked, kind=NotificationKind.CONFIRMATION).exists()


def test_an_offer_is_accepted_once(patient, massage_type, full_day, now):
    join(patient, massage_type, now)
    cancel_ten_fifteen(full_day, now)
    offer = Offer.objects.get(pk__in=consider_all(now))
    services.accept(offer=offer, by=patient, now=now)

    with pytest.raises(HoldGone):
        services.accept(offer=Offer.objects.get(pk=offer.pk), by=patient, now=now)
    assert Appointment.objects.filter(patient=patient, status=Status.CONFIRMED).count() == 1


def test_someone_else_cannot_accept_the_offer(patient, other_patient, massage_type, full_day, now):
    from booking.exceptions import NotAllowed

    join(patient, massage_type, now)
    cancel_ten_fifteen(full_day, now)
    offer = Offer.objects.get(pk__in=consider_all(now))

    with pytest.raises(NotAllowed):
        services.accept(offer=offer, by=other_patient, now=now)


def test_declining_offers_the_slot_to_the_next_in_line(patient, other_patient, massage_type, full_day, now):
    first = join(patient, massage_type, now)
    second = join(other_patient, massage_type, now + timedelta(minutes=1))
    cancel_ten_fifteen(full_day, now)
    offer = Offer.objects.get(pk__in=consider_all(now))

    services.decline(offer=offer, by=patient, now=now)
    made = consider_all(now)

    next_offer = Offer.objects.get(pk__in=made)
    assert next_offer.entry == second
    assert next_offer.appointment.start == at(10, 15)
    assert Appointment.objects.get(pk=offer.appointment_id).status == Status.RELEASED
    first.refresh_from_db()
    assert first.state == EntryState.ACTIVE  # still waiting, but never offered the time it declined


def test_an_expired_offer_goes_to_the_next_in_line(patient, other_patient, massage_type, full_day, now):
    join(patient, massage_type, now)
    second = join(other_patient, massage_type, now + timedelta(minutes=1))
    cancel_ten_fifteen(full_day, now)
    offer = Offer.objects.get(pk__in=consider_all(now))

    assert services.expire_due(now=now + timedelta(minutes=29)) == []
    later = now + timedelta(minutes=30)
    assert services.expire_due(now=later) == [offer.pk]
    made = consider_all(later)

    assert Offer.objects.get(pk__in=made).entry == second
    offer.refresh_from_db()
    assert offer.state == OfferState.EXPIRED
    with pytest.raises(HoldGone):
        services.accept(offer=offer, by=patient, now=later)


def test_a_hold_that_ran_out_cannot_be_accepted_before_the_sweep(patient, massage_type, full_day, now):
    join(patient, massage_type, now)
    cancel_ten_fifteen(full_day, now)
    offer = Offer.objects.get(pk__in=consider_all(now))

    with pytest.raises(HoldGone):
        services.accept(offer=offer, by=patient, now=offer.expires_at)


def test_entries_that_do_not_fit_are_passed_over(patient, other_patient, massage_type, full_day, now):
    join(patient, massage_type, now, time_from=time(13), time_to=time(17))  # afternoons only
    join(UserFactory.create(), massage_type, now, weekdays=[0, 1])  # Mondays and Tuesdays
    fitting = join(other_patient, massage_type, now + timedelta(minutes=5), time_from=time(9), time_to=time(11))
    cancel_ten_fifteen(full_day, now)

    assert Offer.objects.get(pk__in=consider_all(now)).entry == fitting


def test_a_patient_busy_at_that_time_is_passed_over(
    patient, other_patient, therapist, other_therapist, massage_type, full_day, now
):
    join(patient, massage_type, now, therapists=[therapist])
    second = join(other_patient, massage_type, now + timedelta(minutes=1))
    book(patient, other_therapist, massage_type, at(10, 30), now)  # with Dan, meeting the freed hour
    cancel_ten_fifteen(full_day, now)

    offer = Offer.objects.get(pk__in=consider_all(now))
    assert offer.entry == second


def test_no_offer_inside_the_minimum_notice(patient, massage_type, full_day, now, settings):
    join(patient, massage_type, now)
    session = full_day[1]
    late = at(9)  # 75 minutes before the freed 10:15: inside the two hours' notice
    booking.cancel(appointment=session, by=session.therapist.user, now=late)

    assert consider_all(late) == []
    with pytest.raises(PolicyRefused):
        services.offer(
            entry=services.WaitlistEntry.objects.get(), therapist=session.therapist, start=at(10, 15), now=late
        )


def test_a_hold_is_shorter_when_the_slot_is_soon(patient, massage_type, full_day, now):
    join(patient, massage_type, now)
    soon = at(8)  # 2 h 15 min before 10:15: the hold ends at the notice, 15 minutes on
    session = full_day[1]
    booking.cancel(appointment=session, by=session.therapist.user, now=soon)

    offer = Offer.objects.get(pk__in=consider_all(soon))
    assert offer.expires_at == at(8, 15)


def test_leaving_withdraws_the_offer_and_frees_the_slot(patient, other_patient, massage_type, full_day, now):
    entry = join(patient, massage_type, now)
    second = join(other_patient, massage_type, now + timedelta(minutes=1))
    cancel_ten_fifteen(full_day, now)
    offer = Offer.objects.get(pk__in=consider_all(now))

    services.leave(entry=entry, by=patient, now=now)

    offer.refresh_from_db()
    assert offer.state == OfferState.WITHDRAWN
    assert Offer.objects.get(pk__in=consider_all(now)).entry == second


def test_a_patient_keeps_a_bounded_number_of_entries(patient, massage_type, now, settings):
    settings.WAITLIST_MAX_ENTRIES = 2
    join(patient, massage_type, now)
    join(patient, massage_type, now)

    with pytest.raises(PolicyRefused) as refused:
        join(patient, massage_type, now)
    assert refused.value.code == "too_many_waitlist_entries"


def test_an_entry_reaches_no_further_than_the_horizon(patient, massage_type, now):
    from booking.exceptions import InvalidBooking

    with pytest.raises(InvalidBooking) as refused:
        join(patient, massage_type, now, date_to=WEDNESDAY + timedelta(days=90))
    assert "date_to" in refused.value.fields


def test_an_entry_ends_after_its_last_date(patient, massage_type, now):
    entry = join(patient, massage_type, now)

    assert services.end_past_entries(now=at(23, 59)) == 0
    assert services.end_past_entries(now=at(0, 1, WEDNESDAY + timedelta(days=1))) == 1
    entry.refresh_from_db()
    assert entry.state == EntryState.ENDED


def test_staff_offer_a_slot_by_hand(patient, massage_type, therapist, admin_user, now):
    entry = join(patient, massage_type, now)

    made = services.offer(entry=entry, therapist=therapist, start=at(11), by=admin_user, now=now)

    assert (made.offered_by, made.appointment.start, made.appointment.status) == (admin_user, at(11), Status.HELD)


def test_the_patients_own_hold_is_not_in_their_list(patient, massage_type, full_day, now):
    join(patient, massage_type, now)
    cancel_ten_fifteen(full_day, now)
    consider_all(now)

    assert list(Appointment.objects.sessions().for_patient(patient)) == []
    assert Appointment.objects.booked().filter(status=Status.HELD).count() == 0


def test_removed_time_off_is_offered_to_whoever_waits(patient, therapist, massage_type, now):
    from portal.services import remove_time_off
    from tests.factories import TimeOffFactory

    fill_day(therapist, massage_type, now, [at(9), at(13), at(14, 15), at(15, 30)])
    off = TimeOffFactory.create(therapist=therapist, start=at(10, 15), end=at(12))
    join(patient, massage_type, now)

    remove_time_off(time_off=off)

    assert Offer.objects.get(pk__in=consider_all(now)).appointment.start == at(10, 15)


def test_new_working_hours_are_offered_to_whoever_waits(patient, therapist, massage_type, now):
    from portal.services import Span, set_working_hours

    fill_day(therapist, massage_type, now)
    join(patient, massage_type, now, time_from=time(17), time_to=time(20))
    spans = [Span(day, time(9), time(12)) for day in range(7)] + [Span(day, time(13), time(19)) for day in range(7)]

    set_working_hours(therapist=therapist, spans=spans)

    assert Offer.objects.get(pk__in=consider_all(now)).appointment.start == at(17)


def test_a_reopened_room_is_offered_to_whoever_waits(patient, therapist, massage_type, admin_user, now):
    from booking import rooms
    from locations.models import RoomClosure
    from tests.factories import room_of

    fill_day(therapist, massage_type, now, [at(9), at(13), at(14, 15), at(15, 30)])
    closure = RoomClosure.objects.create(room=room_of(therapist), start=at(10, 15), end=at(12))
    join(patient, massage_type, now)
    assert consider_all(now) == []

    rooms.reopen_room(closure=closure, by=admin_user, now=now)

    assert Offer.objects.get(pk__in=consider_all(now)).appointment.start == at(10, 15)
