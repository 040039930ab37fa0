"""The database itself refuses a double booking."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from booking.models import Status
from tests.conftest import CLINIC_ZONE
from tests.factories import AppointmentFactory

START = datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE)


def _insert(therapist, massage_type, start, **kwargs):
    with transaction.atomic():
        return AppointmentFactory(therapist=therapist, massage_type=massage_type, start=start, **kwargs)


@pytest.mark.django_db
def test_same_slot_is_refused_by_the_database(therapist, massage_type):
    _insert(therapist, massage_type, START)
    with pytest.raises(IntegrityError) as excinfo:
        _insert(therapist, massage_type, START)
    assert getattr(excinfo.value.__cause__, "sqlstate", None) == "23P01"


@pytest.mark.django_db
def test_partial_overlap_is_refused(therapist, massage_type):
    _insert(therapist, massage_type, START)
    with pytest.raises(IntegrityError):
        _insert(therapist, massage_type, START + timedelta(minutes=30))
    with pytest.raises(IntegrityError):
        _insert(therapist, massage_type, START - timedelta(minutes=45))


@pytest.mark.django_db
def test_overlap_with_the_buffer_is_refused(therapist, massage_type):
    # 60 minutes + 15 minutes of room turnover: 11:00 falls inside the buffer.
    _insert(therapist, massage_type, START)
    with pytest.raises(IntegrityError):
        _insert(therapist, massage_type, START + timedelta(minutes=65))


@pytest.mark.django_db
def test_back_to_back_after_the_buffer_is_allowed(therapist, massage_type):
    _insert(therapist, massage_type, START)
    second = _insert(therapist, massage_type, START + timedelta(minutes=75))
    assert second.pk is not None


@pytest.mark.django_db
def test_two_therapists_can_share_a_time(therapist, other_therapist, massage_type):
    _insert(therapist, massage_type, START)
    assert _insert(other_therapist, massage_type, START).pk is not None


@pytest.mark.django_db
def test_cancelling_frees_the_slot(therapist, massage_type):
    first = _insert(therapist, massage_type, START)
    first.status = Status.CANCELLED
    first.save()
    assert _insert(therapist, massage_type, START).status == Status.CONFIRMED


@pytest.mark.django_db
def test_a_cancelled_appointment_cannot_come_back_over_a_new_one(therapist, massage_type):
    first = _insert(therapist, massage_type, START, status=Status.CANCELLED)
    _insert(therapist, massage_type, START)
    first.status = Status.CONFIRMED
    with pytest.raises(IntegrityError), transaction.atomic():
        first.save()
