"""factory_boy factories with fixed, deterministic values."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from booking.models import Appointment, MassageType, Status
from clinic.models import User
from locations.models import Location, Room, RoomClosure, RoomFeature, default_location
from therapists.models import Therapist, TimeOff, WorkingHours

PASSWORD = "correct-horse-2026"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    first_name = factory.Sequence(lambda n: f"Pat{n}")
    last_name = "Example"
    phone = "+16175550100"
    # Patients of the suite have confirmed their address unless a test says otherwise.
    email_confirmed_at = datetime(2026, 1, 1, tzinfo=UTC)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance: User, create: bool, results: Any = None) -> None:
        if create:
            instance.save()


class MassageTypeFactory(factory.django.DjangoModelFactory[MassageType]):
    class Meta:
        model = MassageType

    name = factory.Sequence(lambda n: f"Therapeutic massage {n}")
    slug = factory.Sequence(lambda n: f"therapeutic-massage-{n}")
    description = "A full-back session."
    good_for = "chronic low back pain, stiffness"
    duration_minutes = 60
    price = Decimal("90.00")
    buffer_minutes = 0


class LocationFactory(factory.django.DjangoModelFactory[Location]):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Location {n}")
    address = factory.Sequence(lambda n: f"{n} Harbor Street, Boston, MA 02110")
    phone = "+16175550199"


class RoomFeatureFactory(factory.django.DjangoModelFactory[RoomFeature]):
    class Meta:
        model = RoomFeature
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Feature {n}")
    slug = factory.Sequence(lambda n: f"feature-{n}")


class RoomFactory(factory.django.DjangoModelFactory[Room]):
    class Meta:
        model = Room
        skip_postgeneration_save = True

    location = factory.LazyFunction(default_location)
    name = factory.Sequence(lambda n: f"Room {n}")

    @factory.post_generation
    def features(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.features.set(extracted)


class RoomClosureFactory(factory.django.DjangoModelFactory[RoomClosure]):
    class Meta:
        model = RoomClosure

    room = factory.SubFactory(RoomFactory)
    reason = "Repairs"


def room_of(therapist: Therapist) -> Room:
    """Return the plain room the suite gives each therapist at the first location.

    One room per therapist, so a test about therapists is never refused for want of a room;
    tests about rooms make their own locations and rooms.
    """
    room, _ = Room.objects.get_or_create(location=default_location(), name=f"Room of therapist {therapist.pk}")
    return room


class TherapistFactory(factory.django.DjangoModelFactory[Therapist]):
    class Meta:
        model = Therapist
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Therapist {n}")
    bio = "Licensed massage therapist."

    @factory.post_generation
    def massage_types(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.massage_types.set(extracted)

    @factory.post_generation
    def room(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted is not False:
            room_of(self)


class WorkingHoursFactory(factory.django.DjangoModelFactory[WorkingHours]):
    class Meta:
        model = WorkingHours

    therapist = factory.SubFactory(TherapistFactory)
    weekday = 0
    start = time(9, 0)
    end = time(17, 0)


class TimeOffFactory(factory.django.DjangoModelFactory[TimeOff]):
    class Meta:
        model = TimeOff

    therapist = factory.SubFactory(TherapistFactory)
    reason = "Holiday"


class AppointmentFactory(factory.django.DjangoModelFactory[Appointment]):
    """An appointment written straight to the table (tests of the constraint itself)."""

    class Meta:
        model = Appointment

    patient = factory.SubFactory(UserFactory)
    therapist = factory.SubFactory(TherapistFactory)
    massage_type = factory.SubFactory(MassageTypeFactory)
    room = factory.LazyAttribute(lambda o: room_of(o.therapist))
    start = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(minutes=o.massage_type.duration_minutes))
    blocked_until = factory.LazyAttribute(lambda o: o.end + timedelta(minutes=o.massage_type.buffer_minutes))
    status = Status.CONFIRMED
    price = factory.LazyAttribute(lambda o: o.massage_type.price)


def weekly_hours(therapist: Therapist, start: time = time(9), end: time = time(17), days: range = range(7)) -> None:
    """Give a therapist the same span every day of the given weekdays."""
    WorkingHours.objects.bulk_create(
        [WorkingHours(therapist=therapist, weekday=day, start=start, end=end) for day in days]
    )
