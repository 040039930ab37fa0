"""Therapists, their weekly working hours and their time off."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, tzinfo

from django.conf import settings
from django.contrib.postgres.fields import RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from clinic import dates
from clinic.constraints import PostgresExclusionConstraint, WallClockRange
from clinic.plain_text import validate_single_line
from locations.models import default_location_id


def new_calendar_token() -> str:
    """Return a fresh secret for a therapist's calendar feed URL."""
    return secrets.token_urlsafe(32)


class TherapistQuerySet(models.QuerySet["Therapist"]):
    def active(self) -> TherapistQuerySet:
        return self.filter(is_active=True)

    def offering(self, massage_type: models.Model | int) -> TherapistQuerySet:
        return self.filter(massage_types__pk=massage_type if isinstance(massage_type, int) else massage_type.pk)


class Therapist(models.Model):
    """A massage therapist who works at the clinic."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="therapist")
    # Shown in e-mail and calendar files: one line, no control characters.
    display_name = models.CharField(max_length=100, validators=[validate_single_line])
    bio = models.TextField(blank=True)
    massage_types = models.ManyToManyField("booking.MassageType", related_name="therapists", blank=True)
    is_active = models.BooleanField(default=True)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token, editable=False)

    objects = TherapistQuerySet.as_manager()

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WorkingHours(models.Model):
    """One span of a therapist's week at one location, in wall-clock time of the location's zone.

    A day may hold several spans (a lunch break is two spans, or a morning downtown and an
    afternoon uptown); spans of one day never overlap, wherever they are.
    """

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="working_hours")
    location = models.ForeignKey(
        "locations.Location", on_delete=models.PROTECT, related_name="working_hours", default=default_location_id
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["therapist", "weekday", "start"]
        verbose_name = "working hours"
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="working_hours_start_before_end"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="working_hours_weekday_valid"),
            PostgresExclusionConstraint(
                name="working_hours_no_overlap",
                expressions=[
                    (WallClockRange("start", "end"), RangeOperators.OVERLAPS),
                    ("therapist", RangeOperators.EQUAL),
                    ("weekday", RangeOperators.EQUAL),
                ],
                violation_error_message="This span overlaps another span of the same day.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {dates.clock_span(self.start, self.end)}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValidationError({"end": "The end must be after the start."})
        if self.therapist_id is not None and self.start is not None and self.end is not None:
            clash = (
                WorkingHours.objects.filter(therapist_id=self.therapist_id, weekday=self.weekday)
                .exclude(pk=self.pk)
                .filter(start__lt=self.end, end__gt=self.start)
                .first()
            )
            if clash is not None:
                raise ValidationError(f"This span overlaps {clash} of the same day.")

    def on(self, day: date) -> tuple[datetime, datetime]:
        """Return this span on the given date as aware datetimes in the location's zone."""
        return local_span(day, self.start, self.end, self.location.zone)


def local_span(day: date, start: time, end: time, zone: tzinfo | None = None) -> tuple[datetime, datetime]:
    """Return wall-clock times of a date as aware datetimes in the zone (the clinic's by default).

    Each end is localised on its own, so a span on a DST date keeps its wall-clock hours
    (09:00-17:00 stays 09:00-17:00 and simply lasts an hour more or less in real time).
    """
    zone = zone or timezone.get_default_timezone()
    return (
        datetime.combine(day, start, tzinfo=zone),
        datetime.combine(day, end, tzinfo=zone),
    )


class TimeOffQuerySet(models.QuerySet["TimeOff"]):
    def overlapping(self, start: datetime, end: datetime) -> TimeOffQuerySet:
        return self.filter(start__lt=end, end__gt=start)


class TimeOff(models.Model):
    """A range during which a therapist takes no sessions (holiday, training, sick leave)."""

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="time_off")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TimeOffQuerySet.as_manager()

    class Meta:
        ordering = ["therapist", "start"]
        verbose_name = "time off"
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="time_off_start_before_end"),
        ]
        indexes = [models.Index(fields=["therapist", "start", "end"])]

    def __str__(self) -> str:
        return f"{self.therapist}: {dates.moment(self.start)} to {dates.moment(self.end)}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValidationError({"end": "The end must be after the start."})


class SessionNoteContent(models.Model):
    """The SOAP content shared by a session note and each of its revisions."""

    subjective = models.TextField(blank=True, help_text="What the patient reports.")
    objective = models.TextField(blank=True, help_text="What the therapist found.")
    assessment = models.TextField(blank=True, help_text="The therapist's reading of it.")
    plan = models.TextField(blank=True, help_text="What comes next: home care, next session.")
    pain_after = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text="The patient's pain level after the session (0-10).",
    )

    class Meta:
        abstract = True


class SessionNote(SessionNoteContent):
    """The therapist's private treatment note of one session; every save is kept as a revision."""

    appointment = models.OneToOneField("booking.Appointment", on_delete=models.PROTECT, related_name="session_note")
    revision = models.PositiveIntegerField(default=0, help_text="The number of the latest revision.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(pain_after__isnull=True) | Q(pain_after__gte=0, pain_after__lte=10),
                name="session_note_pain_after_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Note on {self.appointment}"


class SessionNoteRevision(SessionNoteContent):
    """One saved version of a session note: the full content, who wrote it and when."""

    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["note", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["note", "number"], name="session_note_revision_unique_number"),
            models.CheckConstraint(
                condition=Q(pain_after__isnull=True) | Q(pain_after__gte=0, pain_after__lte=10),
                name="session_note_revision_pain_after_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Revision {self.number} of {self.note}"
