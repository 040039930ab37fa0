"""`manage.py seed_demo`: a demo clinic that loads twice without change, and never with DEBUG off."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import timezone

from booking.checks import upcoming_bookings
from booking.models import Appointment, MassageType, Status
from clinic.models import User
from therapists.models import Therapist, TimeOff

DEMO_PASSWORD = "demo-pass-2026"


@pytest.fixture
def demo_settings(settings: object) -> object:
    settings.DEBUG = True  # type: ignore[attr-defined]
    return settings


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.mark.django_db
def test_seeding_twice_changes_nothing(demo_settings: object, clock: time_machine.Traveller) -> None:
    _seed()
    first = _counts()
    appointments = set(Appointment.objects.values_list("therapist_id", "start", "status", "patient_id"))
    _seed()
    assert _counts() == first
    assert set(Appointment.objects.values_list("therapist_id", "start", "status", "patient_id")) == appointments


@pytest.mark.django_db
def test_seeding_refuses_to_run_with_debug_off(settings: object) -> None:
    settings.DEBUG = False  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="DEBUG"):
        _seed()
    assert not User.objects.exists()
    assert not MassageType.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["admin@clinic.test", "therapist@clinic.test", "patient@clinic.test"])
def test_demo_logins_sign_in_with_the_demo_password(demo_settings: object, email: str) -> None:
    _seed()
    user = authenticate(email=email, password=DEMO_PASSWORD)
    assert user is not None
    assert user.email == email
    assert authenticate(email=email, password="wrong-pass-2026") is None


@pytest.mark.django_db
def test_demo_logins_have_their_roles(demo_settings: object) -> None:
    _seed()
    admin = User.objects.get(email="admin@clinic.test")
    assert admin.is_superuser and admin.is_staff
    therapist_user = User.objects.get(email="therapist@clinic.test")
    assert Therapist.objects.get(user=therapist_user).is_active
    assert not therapist_user.is_staff
    patient = User.objects.get(email="patient@clinic.test")
    assert patient.first_name and patient.last_name and patient.phone
    assert not patient.is_staff and not hasattr(patient, "therapist")
    assert User.objects.filter(is_staff=False, therapist__isnull=True).count() >= 3


@pytest.mark.django_db
def test_the_catalogue_suits_back_pain(demo_settings: object) -> None:
    _seed()
    slugs = set(MassageType.objects.values_list("slug", flat=True))
    assert {"swedish", "deep-tissue", "trigger-point", "myofascial-release", "sports", "hot-stone"} <= slugs
    for massage_type in MassageType.objects.all():
        assert massage_type.description
        assert len(massage_type.good_for_list()) >= 2
        assert massage_type.price > 0
    assert any("low back pain" in t.good_for for t in MassageType.objects.all())
    orders = list(MassageType.objects.values_list("display_order", flat=True))
    assert len(set(orders)) == len(orders)


@pytest.mark.django_db
def test_therapists_have_different_weeks_and_specialties(demo_settings: object) -> None:
    _seed()
    therapists = list(Therapist.objects.prefetch_related("working_hours", "massage_types"))
    assert len(therapists) >= 4
    weeks = {frozenset((h.weekday, h.start, h.end) for h in t.working_hours.all()) for t in therapists}
    assert len(weeks) == len(therapists)
    specialties = {frozenset(t.massage_types.all()) for t in therapists}
    assert len(specialties) == len(therapists)
    spans_per_day: defaultdict[tuple[int, int], int] = defaultdict(int)
    for therapist in therapists:
        for hours in therapist.working_hours.all():
            spans_per_day[(therapist.pk, hours.weekday)] += 1
    assert max(spans_per_day.values()) >= 2, "someone takes a lunch break"
    assert any(weekday == 5 for _, weekday in spans_per_day), "someone works Saturdays"


@pytest.mark.django_db
def test_one_therapist_is_off_next_week(demo_settings: object, clock: time_machine.Traveller) -> None:
    _seed()
    today = timezone.localdate()
    time_off = TimeOff.objects.get()
    first_day = timezone.localtime(time_off.start).date()
    assert today + timedelta(days=1) <= first_day <= today + timedelta(days=14)
    assert first_day.isocalendar().week == (today + timedelta(days=7)).isocalendar().week


@pytest.mark.django_db
def test_demo_appointments_fit_working_hours_and_never_overlap(
    demo_settings: object, clock: time_machine.Traveller
) -> None:
    _seed()
    now = timezone.now()
    appointments = list(Appointment.objects.select_related("massage_type", "therapist"))
    upcoming = [a for a in appointments if a.start >= now]
    assert 20 <= len(upcoming) <= 30
    assert all(a.status == Status.CONFIRMED for a in upcoming)
    assert all(a.start < now + timedelta(days=15) for a in upcoming)
    past = [a for a in appointments if a.start < now]
    assert past and all(a.status == Status.COMPLETED for a in past)

    for appointment in appointments:
        kind = appointment.massage_type
        assert appointment.end == appointment.start + kind.duration
        assert appointment.blocked_until == appointment.end + kind.buffer
        assert appointment.price == kind.price
        assert appointment.therapist.massage_types.filter(pk=kind.pk).exists()
        day = timezone.localtime(appointment.start).date()
        spans = [h.on(day) for h in appointment.therapist.working_hours.filter(weekday=day.weekday())]
        assert any(start <= appointment.start and appointment.blocked_until <= end for start, end in spans), appointment
        assert not appointment.therapist.time_off.filter(
            start__lt=appointment.blocked_until, end__gt=appointment.start
        ).exists()
        others = Appointment.objects.active().for_therapist(appointment.therapist).exclude(pk=appointment.pk)
        assert not others.overlapping(appointment.start, appointment.blocked_until).exists(), appointment


@pytest.mark.django_db
def test_the_demo_patient_has_bookings(demo_settings: object, clock: time_machine.Traveller) -> None:
    _seed()
    mine = Appointment.objects.filter(patient__email="patient@clinic.test")
    assert mine.filter(start__gte=timezone.now()).exists()
    assert mine.filter(status=Status.COMPLETED).exists()


@pytest.mark.django_db
def test_seeding_prints_a_summary_with_the_logins(demo_settings: object) -> None:
    output = _seed()
    assert "admin@clinic.test" in output
    assert DEMO_PASSWORD in output
    assert f"{MassageType.objects.count()} massage types" in output


@pytest.mark.django_db
def test_the_front_desk_login_is_staff_in_the_front_desk_group(demo_settings: object) -> None:
    _seed()
    user = authenticate(username="frontdesk@clinic.test", password="demo-pass-2026")
    assert user is not None
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["Front desk"]


@pytest.mark.django_db
def test_the_demo_patient_can_book_at_once(demo_settings: object, clock: time_machine.Traveller) -> None:
    from django.conf import settings as django_settings
    from rest_framework.test import APIClient

    from booking.availability import find_slots

    _seed()
    jordan = User.objects.get(email="patient@clinic.test")
    # A course of care counts as one booking (booking.checks.upcoming_bookings).
    held = upcoming_bookings(patient_id=jordan.pk, now=timezone.now())
    assert 0 < held < django_settings.MAX_ACTIVE_APPOINTMENTS

    massage = MassageType.objects.active().order_by("pk").first()
    assert massage is not None
    day = timezone.localdate() + timedelta(days=3)
    slot = next(
        s
        for s in find_slots(massage, day, day + timedelta(days=7))
        if not Appointment.objects.for_patient(jordan).active().overlapping(s.start, s.end).exists()
    )
    api = APIClient()
    api.force_authenticate(jordan)
    response = api.post(
        "/api/v1/appointments/",
        {"massage_type": massage.pk, "therapist": slot.therapist_id, "start": slot.start.isoformat()},
        format="json",
    )

    assert response.status_code == 201, response.json()


@pytest.mark.django_db
def test_seeded_bookings_carry_their_confirmations_and_reminders(
    demo_settings: object, clock: time_machine.Traveller
) -> None:
    from audit.models import Event, Kind
    from booking.models import Notification, NotificationKind

    _seed()
    upcoming = Appointment.objects.filter(status=Status.CONFIRMED, start__gte=timezone.now())
    assert upcoming.exists()
    for appointment in upcoming:
        kinds = set(Notification.objects.filter(appointment=appointment).values_list("kind", flat=True))
        assert {NotificationKind.CONFIRMATION, NotificationKind.REMINDER} <= kinds, appointment
        assert Event.objects.filter(appointment_id=appointment.pk, kind=Kind.BOOKED).exists()
    # Last week's sessions are history: no notice is owed for them, but for the receipts of
    # the demo day's desk payments (website/demo_ledger.py), which the payment service records,
    # and the home plan of the demo course's last held session (website/demo_course.py).
    past = Appointment.objects.filter(start__lt=timezone.now())
    assert past.exists()
    owed = Notification.objects.filter(appointment__in=past)
    assert not owed.exclude(kind__in=[NotificationKind.RECEIPT, NotificationKind.COURSE_FOLLOW_UP]).exists()


# --- Locations and rooms ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_clinic_has_two_locations_in_one_zone_with_rooms_and_their_features(demo_settings: object) -> None:
    from django.conf import settings as django_settings

    from locations.models import Location

    _seed()
    locations = {location.name: location for location in Location.objects.active().prefetch_related("rooms__features")}
    assert set(locations) == {"Downtown", "Uptown"}
    assert locations["Downtown"].address == django_settings.CLINIC_ADDRESS
    assert "Boston" in locations["Uptown"].address and locations["Uptown"].address != django_settings.CLINIC_ADDRESS
    assert {location.time_zone for location in locations.values()} == {django_settings.TIME_ZONE}

    def rooms(name: str) -> dict[str, set[str]]:
        return {room.name: {f.name for f in room.features.all()} for room in locations[name].rooms.all()}

    assert rooms("Downtown") == {"Room 1": {"Heated table"}, "Room 2": set(), "Room 3": {"Accessible"}}
    assert rooms("Uptown") == {"Room A": {"Double room"}, "Room B": {"Heated table"}}
    hot_stone = MassageType.objects.get(slug="hot-stone")
    assert [feature.name for feature in hot_stone.needs_features.all()] == ["Heated table"]
    assert not MassageType.objects.exclude(slug="hot-stone").filter(needs_features__isnull=False).exists()


@pytest.mark.django_db
def test_a_location_made_before_the_demo_becomes_downtown_with_its_hours(demo_settings: object) -> None:
    from locations.models import Location, default_location

    first = default_location()
    _seed()

    assert Location.objects.count() == 2
    first.refresh_from_db()
    assert first.name == "Downtown"


@pytest.mark.django_db
def test_some_therapists_work_downtown_some_days_and_uptown_others(demo_settings: object) -> None:
    _seed()
    places: defaultdict[int, set[str]] = defaultdict(set)
    days: defaultdict[tuple[int, int], set[str]] = defaultdict(set)
    for therapist in Therapist.objects.prefetch_related("working_hours__location"):
        for hours in therapist.working_hours.all():
            places[therapist.pk].add(hours.location.name)
            days[(therapist.pk, hours.weekday)].add(hours.location.name)
    assert any(found == {"Downtown", "Uptown"} for found in places.values())
    assert all(len(found) == 1 for found in days.values()), "one place a day"
    # Hot stone is offered where a heated table is: both locations have one.
    hot_stone = Therapist.objects.filter(massage_types__slug="hot-stone")
    assert {h.location.name for t in hot_stone for h in t.working_hours.all()} == {"Downtown", "Uptown"}


@pytest.mark.django_db
def test_every_seeded_session_has_a_suitable_room_where_its_therapist_works_that_day(
    demo_settings: object, clock: time_machine.Traveller
) -> None:
    _seed()
    appointments = list(Appointment.objects.select_related("room__location", "massage_type", "therapist"))
    assert {a.location.name for a in appointments if a.start >= timezone.now()} == {"Downtown", "Uptown"}
    for appointment in appointments:
        day = timezone.localtime(appointment.start).date()
        worked_at = {h.location_id for h in appointment.therapist.working_hours.filter(weekday=day.weekday())}
        assert appointment.room.location_id in worked_at, appointment
        needed = set(appointment.massage_type.needs_features.values_list("pk", flat=True))
        assert needed <= set(appointment.room.features.values_list("pk", flat=True)), appointment
        same_room = Appointment.objects.active().for_room(appointment.room_id).exclude(pk=appointment.pk)
        assert not same_room.overlapping(appointment.start, appointment.blocked_until).exists(), appointment


@pytest.mark.django_db
def test_the_demo_patient_can_book_uptown_at_once(demo_settings: object, clock: time_machine.Traveller) -> None:
    from rest_framework.test import APIClient

    from locations.models import Location

    _seed()
    jordan = User.objects.get(email="patient@clinic.test")
    uptown = Location.objects.get(name="Uptown")
    massage = MassageType.objects.get(slug="swedish")
    api = APIClient()
    api.force_authenticate(jordan)
    day = timezone.localdate() + timedelta(days=3)
    slots = api.get(
        "/api/v1/availability/",
        {"massage_type": massage.pk, "date_from": day, "date_to": day + timedelta(days=7), "location": uptown.pk},
    ).json()["slots"]
    mine = Appointment.objects.for_patient(jordan).active()
    slot = next(s for s in slots if not mine.overlapping(s["start"], s["end"]).exists())

    response = api.post(
        "/api/v1/appointments/",
        {"massage_type": massage.pk, "therapist": slot["therapist"], "start": slot["start"]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["location"]["name"] == "Uptown"
