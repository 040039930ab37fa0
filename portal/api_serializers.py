"""Serializers of the therapist portal's API (see therapists/api.py for who may call what)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from booking.api.schema import ErrorDetailSerializer
from booking.models import Appointment
from portal.schedule import EARLIEST_DATE, LATEST_DATE, MAX_RANGE_DAYS, red_flags_of
from portal.services import OnConflict
from therapists.models import TimeOff, Weekday


class RedFlagSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    label = serializers.CharField(help_text="The question the patient answered yes.")  # type: ignore[assignment]


class IntakeSerializer(serializers.Serializer[Any]):
    focus_areas = serializers.CharField()
    pain_level = serializers.IntegerField(allow_null=True, help_text="0 (none) to 10 (worst imaginable).")
    pressure = serializers.CharField()
    health_notes = serializers.CharField()
    red_flags = RedFlagSerializer(many=True)
    provider_consulted = serializers.BooleanField()


class PortalPatientSerializer(serializers.Serializer[Any]):
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    phone = serializers.CharField()


class PortalMassageTypeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    duration_minutes = serializers.IntegerField()


class LocationRefSerializer(serializers.Serializer[Any]):
    """Where: a location of the clinic, by id; its name and zone are answered, never written."""

    id = serializers.IntegerField(help_text="One of the clinic's active locations.")
    name = serializers.CharField(read_only=True)
    time_zone = serializers.CharField(read_only=True, help_text="The IANA zone its wall-clock times are in.")


class RoomRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SessionSerializer(serializers.ModelSerializer[Appointment]):
    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    patient = PortalPatientSerializer(read_only=True)
    massage_type = PortalMassageTypeSerializer(read_only=True)
    location = LocationRefSerializer(source="room.location", read_only=True)
    room = RoomRefSerializer(read_only=True)
    intake = serializers.SerializerMethodField()
    has_note = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = ["id", "start", "end", "status", "patient", "massage_type", "location", "room", "intake", "has_note"]
        read_only_fields = fields

    # With the offset of the session's location, so the wall-clock time reads as it does there.
    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_start(self, appointment: Appointment) -> str:
        return appointment.start.astimezone(appointment.zone).isoformat()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_end(self, appointment: Appointment) -> str:
        return appointment.end.astimezone(appointment.zone).isoformat()

    @extend_schema_field(IntakeSerializer)
    def get_intake(self, appointment: Appointment) -> dict[str, Any]:
        return {
            "focus_areas": appointment.focus_areas,
            "pain_level": appointment.pain_level,
            "pressure": appointment.pressure,
            "health_notes": appointment.health_notes,
            "red_flags": [{"key": flag.key, "label": flag.label} for flag in red_flags_of(appointment)],
            "provider_consulted": appointment.provider_consulted,
        }

    def get_has_note(self, appointment: Appointment) -> bool:
        return hasattr(appointment, "session_note")


class ScheduleSerializer(serializers.Serializer[Any]):
    time_zone = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    sessions = SessionSerializer(many=True)
    calendar_feed_url = serializers.URLField(
        help_text="The therapist's personal iCalendar feed (a secret link: anyone who has it sees the sessions)."
    )


class ScheduleQuerySerializer(serializers.Serializer[Any]):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        outside = f"Ask for dates from {EARLIEST_DATE} to {LATEST_DATE}."
        date_from = attrs.get("date_from") or timezone.localdate()
        if not EARLIEST_DATE <= date_from <= LATEST_DATE:
            raise serializers.ValidationError({"date_from": outside})
        date_to = attrs.get("date_to") or date_from + timedelta(days=6)
        if not EARLIEST_DATE <= date_to <= LATEST_DATE:
            raise serializers.ValidationError({"date_to": outside})
        if date_to < date_from:
            raise serializers.ValidationError({"date_to": "date_to must not be before date_from."})
        if (date_to - date_from).days >= MAX_RANGE_DAYS:
            raise serializers.ValidationError({"date_to": f"Ask for at most {MAX_RANGE_DAYS} days at a time."})
        return {"date_from": date_from, "date_to": date_to}


# JSON Schema's "time" format (RFC 3339) demands an offset; working hours are wall-clock times without one.
@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$", "example": "09:00"})
class WallClockTimeField(serializers.TimeField):
    """A time of day on the clinic's clock, HH:MM (answered as HH:MM:SS), with no offset."""


class SpanSerializer(serializers.Serializer[Any]):
    weekday = serializers.ChoiceField(choices=Weekday.choices, help_text="0 = Monday ... 6 = Sunday.")
    start = WallClockTimeField(help_text="Wall-clock time in the location's zone, HH:MM.")
    end = WallClockTimeField(help_text="Wall-clock time in the location's zone, HH:MM; after the start.")
    location = LocationRefSerializer(
        required=False,
        help_text='Where the span is worked (send {"id": ...}); the clinic\'s first location if left out.',
    )


class WorkingHoursSerializer(serializers.Serializer[Any]):
    time_zone = serializers.CharField(read_only=True)
    spans = SpanSerializer(many=True, help_text="Every span of the week; the request replaces them all.")


class TimeOffSerializer(serializers.ModelSerializer[TimeOff]):
    class Meta:
        model = TimeOff
        fields = ["id", "start", "end", "reason"]
        read_only_fields = ["id"]


class TimeOffRequestSerializer(serializers.Serializer[Any]):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    reason = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    on_conflict = serializers.ChoiceField(
        choices=OnConflict.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="What to do with booked sessions the range covers; without it a conflict answers 409.",
    )
    acknowledged = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="Ids of the conflicting sessions the therapist was shown (from the 409 answer).",
    )


class TimeOffResultSerializer(serializers.Serializer[Any]):
    time_off = TimeOffSerializer()
    cancelled = serializers.ListField(child=serializers.IntegerField(), help_text="Sessions cancelled (patients told).")
    kept = serializers.ListField(child=serializers.IntegerField(), help_text="Sessions kept inside the time off.")


class ConflictSessionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    massage_type = serializers.CharField(source="massage_type.name")
    patient = serializers.CharField(source="patient.get_full_name")


class TimeOffConflictDetailSerializer(ErrorDetailSerializer):
    conflicts = ConflictSessionSerializer(many=True)


class TimeOffConflictSerializer(serializers.Serializer[Any]):
    error = TimeOffConflictDetailSerializer()


class NoteRevisionSerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    subjective = serializers.CharField()
    objective = serializers.CharField()
    assessment = serializers.CharField()
    plan = serializers.CharField()
    pain_after = serializers.IntegerField(allow_null=True)
    author = serializers.CharField(source="author.email")
    created_at = serializers.DateTimeField()


class NoteSerializer(serializers.Serializer[Any]):
    subjective = serializers.CharField(allow_blank=True, required=False, default="")
    objective = serializers.CharField(allow_blank=True, required=False, default="")
    assessment = serializers.CharField(allow_blank=True, required=False, default="")
    plan = serializers.CharField(allow_blank=True, required=False, default="")
    pain_after = serializers.IntegerField(min_value=0, max_value=10, allow_null=True, required=False, default=None)
    revision = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="The revision this edit is based on (0 for a new note); a stale one answers 409 note_changed.",
    )
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    revisions = NoteRevisionSerializer(many=True, read_only=True)
