"""Who did what, and when: an append-only log written by every service in its own transaction.

An event names its actor, its kind, and what it concerns (an appointment, a patient, a
therapist, by id: this app sits below the ones it records, so it imports none of them).
Its `data` holds times, field names and reasons, never health details: "intake changed:
pain_level, health_notes", not the answers. The product never edits or deletes an event;
on PostgreSQL a trigger refuses both.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    BOOKED = "booked", "Booked"
    MOVED = "moved", "Moved"
    CANCELLED = "cancelled", "Cancelled"
    OUTCOME = "outcome", "Outcome recorded"
    INTAKE_CHANGED = "intake_changed", "Intake changed"
    NOTE_REVISED = "note_revised", "Treatment note revised"
    HOURS_CHANGED = "hours_changed", "Working hours changed"
    TIME_OFF_ADDED = "time_off_added", "Time off added"
    TIME_OFF_REMOVED = "time_off_removed", "Time off removed"
    CONFIRMATION_RESENT = "confirmation_resent", "Confirmation resent"
    ROOM_CHANGED = "room_changed", "Room changed"
    ROOM_CLOSED = "room_closed", "Room closed"
    CARD_SAVED = "card_saved", "Card saved"
    CARD_REMOVED = "card_removed", "Card removed"
    CHARGE_OWED = "charge_owed", "Charge recorded"
    CHARGE_PAID = "charge_paid", "Charge paid"
    CHARGE_FAILED = "charge_failed", "Charge declined"
    CHARGE_WAIVED = "charge_waived", "Charge waived"
    REFUNDED = "refunded", "Refund"
    WAITLIST_JOINED = "waitlist_joined", "Joined the waitlist"
    WAITLIST_OFFERED = "waitlist_offered", "Waitlist offer"
    WAITLIST_ENDED = "waitlist_ended", "Waitlist offer ended"
    COURSE_BOOKED = "course_booked", "Course of care booked"
    COURSE_CANCELLED = "course_cancelled", "Course of care cancelled"
    HOME_PLAN = "home_plan", "Home-care plan set"


class EventQuerySet(models.QuerySet["Event"]):
    def for_appointment(self, appointment_id: int) -> EventQuerySet:
        """Return the appointment's events, oldest first."""
        return self.filter(appointment_id=appointment_id).select_related("actor").order_by("at", "pk")

    def for_patient(self, patient_id: int) -> EventQuerySet:
        """Return the events about the patient's appointments, newest first."""
        return self.filter(patient_id=patient_id).select_related("actor").order_by("-at", "-pk")


class Event(models.Model):
    at = models.DateTimeField(db_index=True)
    # PROTECT: a person who did something is never deleted out of the record.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    appointment_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="history"
    )
    therapist_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["patient", "-at"], name="audit_event_patient_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}: {self.summary}"
