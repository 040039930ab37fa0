"""Courses of care: a series of sessions booked together, the measures asked before each, and home care.

The sessions themselves are booking's appointments; a course's `series` is what they share
in `Appointment.series`, so booking counts the course as one towards the limit on upcoming
bookings without knowing this app.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from booking.models import Appointment, MassageType
from clinic.plain_text import validate_single_line
from therapists.models import Therapist

ZERO_TO_TEN = [MinValueValidator(0), MaxValueValidator(10)]


class CourseStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"


class Course(models.Model):
    """A series of sessions of one massage, on one weekday and time, every one or two weeks."""

    # What the course's appointments carry in Appointment.series.
    series = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="courses")
    massage_type = models.ForeignKey(MassageType, on_delete=models.PROTECT, related_name="courses")
    # None: any therapist who offers the massage.
    therapist = models.ForeignKey(
        Therapist, null=True, blank=True, on_delete=models.PROTECT, related_name="courses", help_text="Blank: any."
    )
    weekday = models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)], help_text="0 is Monday.")
    # Wall-clock time in the zone the course was planned in: 10:00 stays 10:00 across DST.
    time = models.TimeField()
    time_zone = models.CharField(max_length=64)
    interval_weeks = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(2)])
    sessions_planned = models.PositiveSmallIntegerField(validators=[MinValueValidator(2)])
    status = models.CharField(max_length=10, choices=CourseStatus.choices, default=CourseStatus.BOOKED)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="course_weekday_range"),
            models.CheckConstraint(condition=Q(interval_weeks__in=[1, 2]), name="course_interval_one_or_two_weeks"),
            models.CheckConstraint(condition=Q(sessions_planned__gte=2), name="course_at_least_two_sessions"),
        ]

    def __str__(self) -> str:
        return f"Course of {self.massage_type} for {self.patient}"

    def sessions(self) -> models.QuerySet[Appointment]:
        """Return the course's appointments, every status, by start."""
        return Appointment.objects.filter(series=self.series).order_by("start", "pk")


class MeasureSource(models.TextChoices):
    PATIENT = "patient", "The patient, before the session"
    THERAPIST = "therapist", "The therapist, at the session"


class Measure(models.Model):
    """The short back-pain measures of one session, 0 to 10 each (see the README for the measures and sources)."""

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="measure")
    pain_now = models.PositiveSmallIntegerField(validators=ZERO_TO_TEN)
    pain_worst_week = models.PositiveSmallIntegerField(validators=ZERO_TO_TEN)
    interference = models.PositiveSmallIntegerField(validators=ZERO_TO_TEN)
    source = models.CharField(max_length=10, choices=MeasureSource.choices)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(pain_now__lte=10, pain_worst_week__lte=10, interference__lte=10),
                name="measure_scores_zero_to_ten",
            ),
        ]

    def __str__(self) -> str:
        return f"Measures of {self.appointment}"


class HomeCareItemQuerySet(models.QuerySet["HomeCareItem"]):
    def active(self) -> HomeCareItemQuerySet:
        return self.filter(is_active=True)


class HomeCareItem(models.Model):
    """One thing a patient can do at home between sessions, in the clinic's own words."""

    title = models.CharField(max_length=120, unique=True, validators=[validate_single_line])
    summary = models.CharField(max_length=200, blank=True, help_text="One line: what it is for.")
    steps = models.TextField(help_text="Short steps, one per line.")
    how_often = models.CharField(max_length=120, help_text="E.g. twice a day, 5 minutes.")
    not_for = models.TextField(help_text="Who should not do it, or should ask their provider first.")
    reviewed_on = models.DateField(help_text="When the clinic last reviewed the wording.")
    is_active = models.BooleanField(default=True)
    display_order = models.PositiveSmallIntegerField(default=0)

    objects = HomeCareItemQuerySet.as_manager()

    class Meta:
        ordering = ["display_order", "title"]
        verbose_name = "home-care item"

    def __str__(self) -> str:
        return self.title

    def step_list(self) -> list[str]:
        return [line.strip() for line in self.steps.splitlines() if line.strip()]


class HomePlan(models.Model):
    """What the therapist asks the patient to do at home after a session, and what course they suggest next."""

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="home_plan")
    items = models.ManyToManyField(HomeCareItem, blank=True, related_name="plans")
    note = models.TextField(blank=True, max_length=2000)
    # A course the therapist recommends (both blank: none).
    recommend_interval_weeks = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(2)]
    )
    recommend_sessions = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MinValueValidator(2)])
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(recommend_interval_weeks__isnull=True, recommend_sessions__isnull=True)
                | Q(recommend_interval_weeks__in=[1, 2], recommend_sessions__gte=2),
                name="home_plan_recommendation_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"Home plan after {self.appointment}"

    @property
    def recommends_course(self) -> bool:
        return self.recommend_sessions is not None


class FollowUpKind(models.TextChoices):
    SESSION = "session", "After a session: the home-care plan"
    COURSE_END = "course_end", "At the end of a course: progress and the next course"


class FollowUp(models.Model):
    """One follow-up e-mail owed to the patient; its id is the outbox row's subject, so it is sent once."""

    kind = models.CharField(max_length=12, choices=FollowUpKind.choices)
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(Course, null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ups")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["appointment"], condition=Q(kind="session"), name="follow_up_once_per_session"
            ),
            models.UniqueConstraint(
                fields=["course"], condition=Q(kind="course_end"), name="follow_up_once_per_course"
            ),
            models.CheckConstraint(
                condition=Q(kind="session") | Q(course__isnull=False), name="follow_up_course_end_has_course"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.appointment_id})"


def reviewed(items: list[HomeCareItem]) -> date | None:
    """Return the oldest review date of the items (what a page of them says it was reviewed on)."""
    return min((item.reviewed_on for item in items), default=None)
