"""Where sessions happen: the clinic's locations, their treatment rooms and what each room has."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from clinic import dates
from clinic.constraints import PostgresExclusionConstraint, TsTzRange
from clinic.plain_text import validate_single_line


def validate_time_zone(value: str) -> None:
    """Refuse a name that is not an IANA time zone."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(f"{value!r} is not a time zone; use an IANA name such as Europe/Berlin.") from error


def default_time_zone() -> str:
    return str(settings.TIME_ZONE)


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_timezones())]


class LocationQuerySet(models.QuerySet["Location"]):
    def active(self) -> LocationQuerySet:
        return self.filter(is_active=True)


class Location(models.Model):
    """One address of the clinic, with its own phone and time zone."""

    # In e-mail, calendar LOCATION and SUMMARY lines: one line each.
    name = models.CharField(max_length=100, unique=True, validators=[validate_single_line])
    address = models.CharField(max_length=200, validators=[validate_single_line])
    phone = models.CharField(max_length=40, blank=True, validators=[validate_single_line])
    time_zone = models.CharField(
        max_length=64, default=default_time_zone, choices=time_zone_choices, validators=[validate_time_zone]
    )
    is_active = models.BooleanField(default=True)
    display_order = models.PositiveSmallIntegerField(default=0)

    objects = LocationQuerySet.as_manager()

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def phone_number(self) -> str:
        """The location's phone, or the clinic's when it has none of its own."""
        return self.phone or str(settings.CLINIC_PHONE)


def default_location() -> Location:
    """Return the clinic's first location, made from the clinic's settings if there is none yet.

    A clinic with one address never has to think about locations: its working hours and
    rooms belong to this one.
    """
    location = Location.objects.order_by("display_order", "pk").first()
    if location is None:
        location = Location.objects.create(
            name=str(settings.CLINIC_NAME)[:100],
            address=str(settings.CLINIC_ADDRESS)[:200],
            phone=str(settings.CLINIC_PHONE)[:40],
        )
    return location


def default_location_id() -> int:
    return default_location().pk


class RoomFeature(models.Model):
    """Something a room has that some massages need (a heated table, space for two, step-free access)."""

    name = models.CharField(max_length=60, unique=True, validators=[validate_single_line])
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RoomQuerySet(models.QuerySet["Room"]):
    def active(self) -> RoomQuerySet:
        return self.filter(is_active=True, location__is_active=True)

    def at(self, location: Location | int) -> RoomQuerySet:
        return self.filter(location_id=location if isinstance(location, int) else location.pk)

    def with_features(self, feature_ids: list[int]) -> RoomQuerySet:
        """Rooms that have every one of the features (each filter is its own join: all, not any)."""
        rooms = self
        for feature_id in feature_ids:
            rooms = rooms.filter(features__pk=feature_id)
        return rooms


class Room(models.Model):
    """A treatment room at a location. Two active sessions never share one at once."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=60, validators=[validate_single_line])
    features = models.ManyToManyField(RoomFeature, blank=True, related_name="rooms")
    is_active = models.BooleanField(default=True)

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering = ["location", "name"]
        constraints = [models.UniqueConstraint(fields=["location", "name"], name="room_name_unique_per_location")]

    def __str__(self) -> str:
        return f"{self.name} ({self.location})"


class RoomClosureQuerySet(models.QuerySet["RoomClosure"]):
    def overlapping(self, start: datetime, end: datetime) -> RoomClosureQuerySet:
        return self.filter(start__lt=end, end__gt=start)


class RoomClosure(models.Model):
    """A span during which a room takes no sessions (repairs, deep cleaning, a private event)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="closures")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True, validators=[validate_single_line])
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoomClosureQuerySet.as_manager()

    class Meta:
        ordering = ["room", "start"]
        indexes = [models.Index(fields=["room", "start", "end"])]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="room_closure_start_before_end"),
            PostgresExclusionConstraint(
                name="room_closure_no_overlap",
                expressions=[
                    (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("room", RangeOperators.EQUAL),
                ],
                violation_error_message="This room is already closed for part of that time.",
            ),
        ]

    def __str__(self) -> str:
        zone = self.room.location.zone
        return f"{self.room} closed {dates.moment(self.start, zone)} to {dates.moment(self.end, zone)}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValidationError({"end": "The end must be after the start."})
