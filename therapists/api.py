"""The therapist portal's API under /api/v1/therapist/: schedule, working hours, time off, outcome, notes.

Who may call it: a signed-in user with an active therapist profile (anyone else: 403
`permission_denied`). Sessions and time off are the caller's own; another therapist's
answer 404. Writes go through `therapists.services`; their BookingErrors map to the one
JSON error shape in `booking.api.errors`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from booking.api.errors import error_body
from booking.api.schema import ErrorDetailSerializer, error_responses
from booking.models import Appointment
from therapists import services
from therapists.models import SessionNote, Therapist, TimeOff, Weekday
from therapists.permissions import IsTherapist
from therapists.schedule import EARLIEST_DATE, LATEST_DATE, MAX_RANGE_DAYS, red_flags_of, sessions_between

TAGS = ["therapist portal"]


# --- Serializers --------------------------------------------------------------------------


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


class SessionSerializer(serializers.ModelSerializer[Appointment]):
    patient = PortalPatientSerializer(read_only=True)
    massage_type = PortalMassageTypeSerializer(read_only=True)
    intake = serializers.SerializerMethodField()
    has_note = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = ["id", "start", "end", "status", "patient", "massage_type", "intake", "has_note"]
        read_only_fields = fields

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


class SpanSerializer(serializers.Serializer[Any]):
    weekday = serializers.ChoiceField(choices=Weekday.choices, help_text="0 = Monday ... 6 = Sunday.")
    start = serializers.TimeField(help_text="Wall-clock time in the clinic's zone, HH:MM.")
    end = serializers.TimeField(help_text="Wall-clock time in the clinic's zone, HH:MM; after the start.")


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
        choices=services.OnConflict.choices,
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


# --- Views ---------------------------------------------------------------------------------


class TherapistAPIView(APIView):
    permission_classes = [IsAuthenticated, IsTherapist]

    @property
    def therapist(self) -> Therapist:
        return self.request.therapist  # type: ignore[attr-defined, no-any-return]

    def own_session(self, pk: int) -> Appointment:
        return get_object_or_404(
            Appointment.objects.for_therapist(self.therapist).select_related("patient", "massage_type", "session_note"),
            pk=pk,
        )


class ScheduleView(TherapistAPIView):
    @extend_schema(
        operation_id="therapist_schedule",
        summary="The signed-in therapist's sessions with each patient's intake",
        parameters=[
            OpenApiParameter("date_from", str, description="First clinic date, YYYY-MM-DD (default today)."),
            OpenApiParameter("date_to", str, description="Last clinic date, inclusive (default date_from + 6 days)."),
        ],
        responses={200: ScheduleSerializer, **error_responses(400, 401, 403)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        """Return the therapist's sessions (every status) starting between two clinic dates."""
        query = ScheduleQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        date_from, date_to = query.validated_data["date_from"], query.validated_data["date_to"]
        sessions = sessions_between(self.therapist, date_from, date_to)
        body = {"time_zone": settings.TIME_ZONE, "date_from": date_from, "date_to": date_to, "sessions": sessions}
        return Response(ScheduleSerializer(body).data)


class WorkingHoursView(TherapistAPIView):
    def _body(self) -> dict[str, Any]:
        spans = self.therapist.working_hours.order_by("weekday", "start")
        return WorkingHoursSerializer({"time_zone": settings.TIME_ZONE, "spans": spans}).data

    @extend_schema(
        operation_id="therapist_working_hours",
        summary="The therapist's weekly working hours",
        responses={200: WorkingHoursSerializer, **error_responses(401, 403)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        """Return every weekly span of the therapist."""
        return Response(self._body())

    @extend_schema(
        operation_id="therapist_working_hours_replace",
        summary="Replace all weekly spans at once (several a day make breaks)",
        request=WorkingHoursSerializer,
        responses={200: WorkingHoursSerializer, **error_responses(400, 401, 403)},
        tags=TAGS,
    )
    def put(self, request: Request) -> Response:
        """Replace the therapist's weekly spans; nothing changes if any span is invalid or overlaps."""
        serializer = WorkingHoursSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        spans = [services.Span(int(s["weekday"]), s["start"], s["end"]) for s in serializer.validated_data["spans"]]
        services.set_working_hours(therapist=self.therapist, spans=spans)
        return Response(self._body())


class TimeOffListView(TherapistAPIView):
    @extend_schema(
        operation_id="therapist_time_off_list",
        summary="The therapist's time off that has not ended",
        responses={200: TimeOffSerializer(many=True), **error_responses(401, 403)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        """Return the therapist's current and upcoming time off."""
        entries = TimeOff.objects.filter(therapist=self.therapist, end__gt=timezone.now()).order_by("start")
        return Response(TimeOffSerializer(entries, many=True).data)

    @extend_schema(
        operation_id="therapist_time_off_add",
        summary="Add time off; booked sessions inside it must be kept or cancelled explicitly",
        description=(
            "Without `on_conflict`, a range covering confirmed sessions answers 409 `time_off_conflict` with "
            "the sessions in `error.conflicts` and writes nothing. Send the request again with `on_conflict` "
            "(`keep` or `cancel`) and `acknowledged` = their ids: `cancel` cancels them and notifies the "
            "patients. A session booked in between is never changed unseen: it answers 409 again."
        ),
        request=TimeOffRequestSerializer,
        responses={
            201: TimeOffResultSerializer,
            409: OpenApiResponse(TimeOffConflictSerializer, description="Booked sessions inside the range."),
            **error_responses(400, 401, 403),
        },
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        """Add time off, keeping or cancelling the sessions it covers as the therapist chose."""
        serializer = TimeOffRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            result = services.add_time_off(
                therapist=self.therapist,
                start=data["start"],
                end=data["end"],
                reason=data["reason"],
                by=self.therapist.user,
                on_conflict=data["on_conflict"],
                acknowledged=data["acknowledged"],
            )
        except services.TimeOffConflict as exc:
            # The one error shape, plus the sessions to acknowledge.
            body = error_body(exc.code, exc.message, exc.fields)
            body["error"]["conflicts"] = ConflictSessionSerializer(exc.appointments, many=True).data
            return Response(body, status=exc.status)
        body = {
            "time_off": result.time_off,
            "cancelled": [a.pk for a in result.cancelled],
            "kept": [a.pk for a in result.kept],
        }
        return Response(TimeOffResultSerializer(body).data, status=status.HTTP_201_CREATED)


class TimeOffDetailView(TherapistAPIView):
    @extend_schema(
        operation_id="therapist_time_off_remove",
        summary="Remove one of the therapist's time off ranges",
        responses={204: None, **error_responses(401, 403, 404)},
        tags=TAGS,
    )
    def delete(self, request: Request, pk: int) -> Response:
        """Remove the time off; its hours become bookable again."""
        entry = get_object_or_404(TimeOff, pk=pk, therapist=self.therapist)
        services.remove_time_off(time_off=entry)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _OutcomeView(TherapistAPIView):
    outcome: str = ""

    def post(self, request: Request, pk: int) -> Response:
        session = self.own_session(pk)
        services.record_outcome(appointment=session, by=self.therapist.user, outcome=self.outcome)
        return Response(SessionSerializer(self.own_session(pk)).data)


class SessionCompleteView(_OutcomeView):
    outcome = services.Outcome.COMPLETED

    @extend_schema(
        operation_id="therapist_session_complete",
        summary="Mark the session completed (once it has started)",
        request=None,
        responses={200: SessionSerializer, **error_responses(401, 403, 404, 409)},
        tags=TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        """Record that the session took place; 409 `invalid_status` before its start."""
        return super().post(request, pk)


class SessionNoShowView(_OutcomeView):
    outcome = services.Outcome.NO_SHOW

    @extend_schema(
        operation_id="therapist_session_no_show",
        summary="Mark the session a no-show (once it has started)",
        request=None,
        responses={200: SessionSerializer, **error_responses(401, 403, 404, 409)},
        tags=TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        """Record that the patient did not come; 409 `invalid_status` before its start."""
        return super().post(request, pk)


class SessionNoteView(TherapistAPIView):
    def _body(self, note: SessionNote | None) -> dict[str, Any]:
        if note is None:
            return NoteSerializer({"revision": 0, "updated_at": None, "revisions": []}).data
        note.revisions_list = list(note.revisions.select_related("author"))  # type: ignore[attr-defined]
        return NoteSerializer(
            {
                **{name: getattr(note, name) for name in ("subjective", "objective", "assessment", "plan")},
                "pain_after": note.pain_after,
                "revision": note.revision,
                "updated_at": note.updated_at,
                "revisions": note.revisions_list,  # type: ignore[attr-defined]
            }
        ).data

    @extend_schema(
        operation_id="therapist_session_note",
        summary="The session's private treatment note (SOAP) with every revision",
        responses={200: NoteSerializer, **error_responses(401, 403, 404)},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        """Return the note (empty with revision 0 if none yet) and its history, newest first."""
        session = self.own_session(pk)
        return Response(self._body(SessionNote.objects.filter(appointment=session).first()))

    @extend_schema(
        operation_id="therapist_session_note_save",
        summary="Save the session's treatment note as a new revision",
        request=NoteSerializer,
        responses={200: NoteSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=TAGS,
    )
    def put(self, request: Request, pk: int) -> Response:
        """Save the note; 409 `note_changed` if `revision` is stale, `invalid_status` before the session starts."""
        session = self.own_session(pk)
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        note = services.save_session_note(
            appointment=session,
            by=self.therapist.user,
            data=services.NoteData(
                subjective=data["subjective"],
                objective=data["objective"],
                assessment=data["assessment"],
                plan=data["plan"],
                pain_after=data["pain_after"],
            ),
            expected_revision=data["revision"],
        )
        return Response(self._body(note))
