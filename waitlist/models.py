"""The waitlist: who waits for which time, the time that freed up, and the offers that hold it."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from therapists.models import Weekday

EVERY_WEEKDAY = [day.value for day in Weekday]


def every_weekday() -> list[int]:
    return list(EVERY_WEEKDAY)


def validate_weekdays(value: Any) -> None:
    """Refuse anything but a non-empty list of distinct weekday numbers (0 Monday ... 6 Sunday)."""
    if not isinstance(value, list) or not value:
        raise ValidationError("Choose at least one day of the week.", code="no_weekday")
    if len(set(value)) != len(value) or any(day not in EVERY_WEEKDAY for day in value):
        raise ValidationError("Days of the week are numbers 0 (Monday) to 6 (Sunday), each once.", code="bad_weekday")


class EntryState(models.TextChoices):
    ACTIVE = "active", "Waiting"
    OFFERED = "offered", "Offer out"
    BOOKED = "booked", "Booked"
    ENDED = "ended", "Ended"


# An entry that still counts against the patient's bound, and may still be offered time.
OPEN_ENTRY_STATES = (EntryState.ACTIVE, EntryState.OFFERED)


class WaitlistEntryQuerySet(models.QuerySet["WaitlistEntry"]):
    def open(self) -> WaitlistEntryQuerySet:
        return self.filter(state__in=OPEN_ENTRY_STATES)


class WaitlistEntry(models.Model):
    """A patient waiting for a massage at a location (or any), with some therapists (or any), dates and times."""

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="waitlist_entries")
    massage_type = models.ForeignKey("booking.MassageType", on_delete=models.PROTECT, related_name="+")
    # Empty: any location.
    location = models.ForeignKey(
        "locations.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # None chosen: any therapist who offers the massage.
    therapists = models.ManyToManyField("therapists.Therapist", blank=True, related_name="+")
    date_from = models.DateField()
    date_to = models.DateField(help_text="The entry ends after this date.")
    # The time window, on the location's wall clock: the session starts on one of these
    # weekdays, between time_from and time_to (both included).
    weekdays = models.JSONField(default=every_weekday, validators=[validate_weekdays])
    time_from = models.TimeField(default=time(0))
    time_to = models.TimeField(default=time(23, 59))
    # First come, first served: offers follow this order.
    joined_at = models.DateTimeField()
    state = models.CharField(max_length=8, choices=EntryState.choices, default=EntryState.ACTIVE)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = WaitlistEntryQuerySet.as_manager()

    class Meta:
        ordering = ["joined_at", "pk"]
        verbose_name = "waitlist entry"
        verbose_name_plural = "waitlist entries"
        indexes = [
            # The consider task's question: who is waiting for this massage, in order.
            models.Index(fields=["state", "massage_type", "joined_at"], name="waitlist_waiting_in_order"),
            models.Index(fields=["patient", "state"], name="waitlist_patient_state"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(date_from__lte=F("date_to")), name="waitlist_dates_in_order"),
            models.CheckConstraint(condition=Q(time_from__lte=F("time_to")), name="waitlist_times_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.patient} waiting for {self.massage_type}, {self.date_from} to {self.date_to}"

    def fits(self, start: datetime) -> bool:
        """Return whether a session starting at this aware moment (in its location's zone) is in the window."""
        return (
            self.date_from <= start.date() <= self.date_to
            and start.weekday() in self.weekdays
            and self.time_from <= start.time().replace(tzinfo=None) <= self.time_to
        )


class FreedTime(models.Model):
    """Time that may be bookable again, written by the service that freed it in its own transaction.

    The consider task claims rows (FOR UPDATE SKIP LOCKED, so two beats never take one row)
    and offers what is free to the waiting entries in order.
    """

    therapist_ids = models.JSONField()
    # Empty: wherever the therapists work (new hours, time off removed).
    location_id = models.BigIntegerField(null=True, blank=True)
    start = models.DateTimeField()
    end = models.DateTimeField()
    created_at = models.DateTimeField()
    considered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "freed time"
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(considered_at__isnull=True), name="waitlist_freed_to_consider"
            )
        ]

    def __str__(self) -> str:
        return f"Freed {self.start:%Y-%m-%d %H:%M} to {self.end:%H:%M} UTC"


class OfferState(models.TextChoices):
    OPEN = "open", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Offer(models.Model):
    """One slot offered to one entry, held for its patient (the hold is the appointment) until it expires."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.PROTECT, related_name="offers")
    appointment = models.OneToOneField("booking.Appointment", on_delete=models.PROTECT, related_name="waitlist_offer")
    state = models.CharField(max_length=9, choices=OfferState.choices, default=OfferState.OPEN)
    offered_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    # Staff who offered it by hand; empty when the waitlist did.
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-offered_at", "-pk"]
        indexes = [models.Index(fields=["state", "expires_at"], name="waitlist_offer_state_expiry")]
        constraints = [
            # One slot at a time per entry: the patient answers one offer before the next.
            models.UniqueConstraint(
                fields=["entry"], condition=Q(state="open"), name="waitlist_one_open_offer_per_entry"
            ),
        ]

    def __str__(self) -> str:
        return f"Offer to {self.entry.patient} ({self.get_state_display()})"
