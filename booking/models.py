"""The catalogue of massage types and the appointments booked against it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from booking.fields import ChoiceListField
from booking.intake import Area, Feeling, Pressure, every_pressure
from clinic.constraints import PostgresExclusionConstraint, TsTzRange
from clinic.plain_text import validate_single_line

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from clinic.models import User
    from locations.models import Location
    from therapists.models import Therapist


class MassageTypeQuerySet(models.QuerySet["MassageType"]):
    def active(self) -> MassageTypeQuerySet:
        return self.filter(is_active=True)


class MassageType(models.Model):
    """A kind of session the clinic offers, with its length, price and room turnover."""

    # In every notice's subject and calendar SUMMARY: one line, no control characters.
    name = models.CharField(max_length=100, unique=True, validators=[validate_single_line])
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    good_for = models.TextField(
        blank=True, help_text="What it helps with, e.g. chronic low back pain, stiffness, stress."
    )
    # What the questionnaire ranks by (website/questionnaire.py), so a type added later is
    # suggested as soon as the clinic says what it suits.
    suits_areas = ChoiceListField(
        choice_class=Area, blank=True, verbose_name="suits pain in", help_text="Where it works best."
    )
    suits_feelings = ChoiceListField(
        choice_class=Feeling, blank=True, verbose_name="suits pain that feels", help_text="What it is made for."
    )
    pressures = ChoiceListField(
        choice_class=Pressure,
        default=every_pressure,
        blank=True,
        verbose_name="can be given at",
        help_text="The pressures it can be given at. Leave all unticked if it does not depend on pressure.",
    )
    duration_minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(15), MaxValueValidator(240)])
    price = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    buffer_minutes = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(120)],
        help_text="Minutes kept free after a session to turn the room over.",
    )
    needs_features = models.ManyToManyField(
        "locations.RoomFeature",
        blank=True,
        related_name="massage_types",
        verbose_name="needs a room with",
        help_text="Every feature a room needs for this massage (a heated table for hot stone). Most need none.",
    )
    is_active = models.BooleanField(default=True)
    display_order = models.PositiveSmallIntegerField(default=0)

    objects = MassageTypeQuerySet.as_manager()

    class Meta:
        ordering = ["display_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=15, duration_minutes__lte=240), name="massage_type_duration_range"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="massage_type_price_not_negative"),
            models.CheckConstraint(condition=Q(buffer_minutes__lte=120), name="massage_type_buffer_range"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)

    def span(self, start: datetime) -> tuple[datetime, datetime]:
        """Return (end, blocked_until) of a session of this type starting at `start`: the buffer follows the end."""
        # In UTC: adding a timedelta to a zoned datetime is wall-clock arithmetic, an hour
        # off for a session that crosses a DST change.
        end = start.astimezone(UTC) + self.duration
        return end, end + self.buffer

    def good_for_list(self) -> list[str]:
        return [item.strip() for item in self.good_for.split(",") if item.strip()]


class Status(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"
    # A slot kept for one patient while they answer a waitlist offer, until hold_expires_at.
    HELD = "held", "Held for a waitlist offer"
    # The offer was declined or ran out: the slot is free again and the row is history.
    RELEASED = "released", "Hold released"


# Statuses that hold a therapist's (and a room's) time. A cancelled appointment or a
# released hold frees its slot; a held one is taken for everyone but its patient.
ACTIVE_STATUSES = (Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW, Status.HELD)
# Statuses of a session the patient booked: what lists, counts, agendas and feeds mean.
BOOKED_STATUSES = (Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW)
# Statuses of a waitlist hold, never a session: kept out of every list of sessions.
HOLD_STATUSES = (Status.HELD, Status.RELEASED)


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    def active(self) -> AppointmentQuerySet:
        """Appointments that take time: booked sessions and held offers alike."""
        return self.filter(status__in=ACTIVE_STATUSES)

    def booked(self) -> AppointmentQuerySet:
        """Sessions a patient booked (confirmed, completed or no-show): never a waitlist hold."""
        return self.filter(status__in=BOOKED_STATUSES)

    def sessions(self) -> AppointmentQuerySet:
        """Every appointment but waitlist holds (cancelled ones included): what lists of sessions show."""
        return self.exclude(status__in=HOLD_STATUSES)

    def for_therapist(self, therapist: Therapist | int) -> AppointmentQuerySet:
        return self.filter(therapist=therapist)

    def for_room(self, room: models.Model | int) -> AppointmentQuerySet:
        return self.filter(room_id=room if isinstance(room, int) else room.pk)

    def for_patient(self, patient: User | AnonymousUser | int) -> AppointmentQuerySet:
        # An anonymous user has no pk and so no appointments.
        return self.filter(patient_id=patient if isinstance(patient, int) else patient.pk)

    def overlapping(self, start: datetime, blocked_until: datetime) -> AppointmentQuerySet:
        """Appointments whose blocked span [start, blocked_until) meets the given one."""
        return self.filter(start__lt=blocked_until, blocked_until__gt=start)

    def upcoming(self, now: datetime | None = None) -> AppointmentQuerySet:
        return self.filter(start__gte=now or timezone.now())


class Appointment(models.Model):
    """A booked session: who, with whom, when, and what the patient told us beforehand."""

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    therapist = models.ForeignKey("therapists.Therapist", on_delete=models.PROTECT, related_name="appointments")
    massage_type = models.ForeignKey(MassageType, on_delete=models.PROTECT, related_name="appointments")
    # Chosen by the booking service (the patient never picks a room); its location is where
    # the session happens, and its zone is the one the session is shown in.
    room = models.ForeignKey("locations.Room", on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField()
    end = models.DateTimeField()
    # end + the type's buffer, frozen at booking so a later catalogue change cannot
    # rewrite which time this appointment holds.
    blocked_until = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CONFIRMED)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    # Bumped on every reschedule: the SEQUENCE of the calendar invitation.
    sequence = models.PositiveIntegerField(default=0)
    # Sessions booked together as one course of care share it: the limit on a patient's
    # upcoming bookings counts them as one.
    series = models.UUIDField(null=True, blank=True, db_index=True, editable=False)

    # The intake.
    focus_areas = models.CharField(max_length=300, blank=True, help_text="Areas to focus on.")
    pain_level = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    pressure = models.CharField(max_length=10, choices=Pressure.choices, blank=True)
    health_notes = models.TextField(blank=True)
    red_flags = models.JSONField(default=list, blank=True, help_text="Red-flag questions answered yes.")
    provider_consulted = models.BooleanField(
        default=False, help_text="The patient confirmed a health provider was consulted about the red flags."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancellation_reason = models.CharField(max_length=300, blank=True)
    # Until when a held slot is kept for its patient (status held); empty for every other status.
    hold_expires_at = models.DateTimeField(null=True, blank=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["therapist", "start"]),
            models.Index(fields=["patient", "start"]),
            models.Index(fields=["status", "start"]),
            models.Index(fields=["room", "start"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="appointment_start_before_end"),
            models.CheckConstraint(condition=Q(end__lte=F("blocked_until")), name="appointment_end_within_block"),
            models.CheckConstraint(
                condition=Q(pain_level__isnull=True) | Q(pain_level__gte=0, pain_level__lte=10),
                name="appointment_pain_level_range",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="appointment_price_not_negative"),
            models.CheckConstraint(
                condition=Q(status=Status.HELD, hold_expires_at__isnull=False) | ~Q(status=Status.HELD),
                name="appointment_hold_expires",
            ),
            PostgresExclusionConstraint(
                name="appointment_no_double_booking",
                expressions=[
                    (TsTzRange("start", "blocked_until", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("therapist", RangeOperators.EQUAL),
                ],
                condition=Q(status__in=ACTIVE_STATUSES),
                violation_error_message="The therapist already has an appointment at this time.",
            ),
            # The same promise for rooms: the buffer is the room's turnover, so it counts here too.
            PostgresExclusionConstraint(
                name="appointment_no_double_booked_room",
                expressions=[
                    (TsTzRange("start", "blocked_until", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("room", RangeOperators.EQUAL),
                ],
                condition=Q(status__in=ACTIVE_STATUSES),
                violation_error_message="The room is already taken at this time.",
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.start)
        return f"{self.massage_type} with {self.therapist} on {local:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def has_red_flags(self) -> bool:
        return bool(self.red_flags)

    @property
    def location(self) -> Location:
        """Where the session happens (select_related("room__location") when listing)."""
        return self.room.location

    @property
    def zone(self) -> ZoneInfo:
        """The zone the session is shown in: its location's."""
        return self.room.location.zone


class NotificationKind(models.TextChoices):
    CONFIRMATION = "confirmation", "Booking confirmation (patient)"
    CONFIRMATION_RESEND = "confirmation_resend", "Booking confirmation, resent (patient)"
    THERAPIST_NEW = "therapist_new", "New booking (therapist)"
    REMINDER = "reminder", "Reminder (patient)"
    CANCELLATION = "cancellation", "Cancellation (patient)"
    THERAPIST_CANCELLATION = "therapist_cancellation", "Cancellation (therapist)"
    RESCHEDULE = "reschedule", "Reschedule (patient)"
    THERAPIST_RESCHEDULE = "therapist_reschedule", "Reschedule (therapist)"
    AGENDA = "agenda", "Day's agenda (therapist)"
    RECEIPT = "receipt", "Payment receipt (patient)"
    PAYMENT_DUE = "payment_due", "Payment owed, pay now (patient)"
    WAITLIST_OFFER = "waitlist_offer", "Waitlist offer (patient)"
    COURSE_FOLLOW_UP = "course_follow_up", "Course of care follow-up (patient)"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    VOID = "void", "Void"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def pending(self) -> NotificationQuerySet:
        return self.filter(status=NotificationStatus.PENDING)

    def due(self, now: datetime) -> NotificationQuerySet:
        """Pending rows whose time has come, and whose retry pause (if any) is over."""
        return self.pending().filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            due_at__lte=now,
        )

    def stuck(self, claimed_before: datetime) -> NotificationQuerySet:
        """Rows claimed for sending whose claimer has not finished in time (a worker died)."""
        return self.filter(status=NotificationStatus.SENDING, claimed_at__lt=claimed_before)


class Notification(models.Model):
    """One e-mail the clinic owes someone: the outbox row, written with the change it tells about.

    A row is claimed before it is sent (pending -> sending, with a token) and marked sent with
    the same token, so a retried or redelivered task never sends it twice.
    """

    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    # The therapist it goes to (therapist kinds and agendas) or is about (patient kinds).
    therapist = models.ForeignKey(
        "therapists.Therapist", null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    agenda_date = models.DateField(null=True, blank=True, help_text="The clinic-local day of an agenda.")
    # The appointment's sequence when the row was written: a reminder of an older version is void.
    sequence = models.PositiveIntegerField(default=0)
    previous_start = models.DateTimeField(null=True, blank=True, help_text="The old time of a rescheduled session.")
    # For the kinds of the apps beside booking: the row the notice is about (a charge, an offer).
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    recipient = models.EmailField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-due_at", "-pk"]
        indexes = [models.Index(fields=["status", "due_at"], name="notification_status_due")]
        constraints = [
            # The idempotency guard: one notice of a kind per version of an appointment and due time.
            models.UniqueConstraint(
                fields=["appointment", "kind", "sequence", "due_at"],
                condition=Q(appointment__isnull=False, subject_id__isnull=True),
                name="notification_once_per_appointment",
            ),
            # A receipt per charge, an offer per hold: once each, however often it is asked for.
            models.UniqueConstraint(
                fields=["kind", "subject_id"],
                condition=Q(subject_id__isnull=False),
                name="notification_once_per_subject",
            ),
            models.UniqueConstraint(
                fields=["therapist", "agenda_date", "due_at"],
                condition=Q(kind="agenda"),
                name="notification_agenda_once_per_day",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="agenda", appointment__isnull=True, agenda_date__isnull=False, therapist__isnull=False)
                    | (~Q(kind="agenda") & Q(appointment__isnull=False))
                ),
                name="notification_agenda_or_appointment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient}"


# Availability's version stamps live beside the services that bump them; registered here.
from booking.stamps import AvailabilityStamp  # noqa: E402, F401
