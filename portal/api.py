"""The therapist portal's API under /api/v1/therapist/: schedule, working hours, time off, outcome, notes.

Who may call it: a signed-in user with an active therapist profile (anyone else: 403
`permission_denied`). Sessions and time off are the caller's own; another therapist's
answer 404. Writes go through `portal.services`; their BookingErrors map to the one
JSON error shape in `booking.api.errors`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from booking.api.errors import error_body
from booking.api.schema import error_responses
from booking.models import Appointment
from portal import services
from portal.api_serializers import (
    ConflictSessionSerializer,
    NoteSerializer,
    ScheduleQuerySerializer,
    ScheduleSerializer,
    SessionSerializer,
    TimeOffConflictSerializer,
    TimeOffRequestSerializer,
    TimeOffResultSerializer,
    TimeOffSerializer,
    WorkingHoursSerializer,
)
from portal.feed import feed_url
from portal.permissions import IsTherapist
from portal.schedule import sessions_between
from therapists.models import SessionNote, Therapist, TimeOff

TAGS = ["therapist portal"]


class TherapistAPIView(APIView):
    permission_classes = [IsAuthenticated, IsTherapist]

    @property
    def therapist(self) -> Therapist:
        return self.request.therapist  # type: ignore[attr-defined, no-any-return]

    def own_session(self, pk: int) -> Appointment:
        return get_object_or_404(
            Appointment.objects.sessions()
            .for_therapist(self.therapist)
            .select_related("patient", "massage_type", "session_note", "room__location"),
            pk=pk,
        )


class ScheduleView(TherapistAPIView):
    @extend_schema(
        operation_id="therapist_schedule",
        summary="The signed-in therapist's sessions with each patient's intake, and their calendar feed's address",
        parameters=[
            OpenApiParameter(
                "date_from", str, description="First date, YYYY-MM-DD (default today), on each location's calendar."
            ),
            OpenApiParameter("date_to", str, description="Last date, inclusive (default date_from + 6 days)."),
        ],
        responses={200: ScheduleSerializer, **error_responses(400, 401, 403)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        """Return the therapist's sessions (every status) starting between two dates where each one happens."""
        query = ScheduleQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        date_from, date_to = query.validated_data["date_from"], query.validated_data["date_to"]
        sessions = sessions_between(self.therapist, date_from, date_to)
        body = {
            "time_zone": settings.TIME_ZONE,
            "date_from": date_from,
            "date_to": date_to,
            "sessions": sessions,
            "calendar_feed_url": feed_url(self.therapist),
        }
        return Response(ScheduleSerializer(body).data)


class WorkingHoursView(TherapistAPIView):
    def _body(self) -> dict[str, Any]:
        spans = self.therapist.working_hours.select_related("location").order_by("weekday", "start")
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
        summary="Replace all weekly spans at once (several a day make breaks), each at a location",
        description=(
            'Each span may name its location as `{"id": ...}` (the clinic\'s first location if left out). '
            "An unknown or inactive location answers 400 `invalid` with a message in `spans[<n>].location`."
        ),
        request=WorkingHoursSerializer,
        responses={200: WorkingHoursSerializer, **error_responses(400, 401, 403)},
        tags=TAGS,
    )
    def put(self, request: Request) -> Response:
        """Replace the therapist's weekly spans; nothing changes if any span is invalid or overlaps."""
        serializer = WorkingHoursSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        spans = [
            services.Span(int(s["weekday"]), s["start"], s["end"], s["location"]["id"] if "location" in s else None)
            for s in serializer.validated_data["spans"]
        ]
        services.set_working_hours(therapist=self.therapist, spans=spans, by=self.therapist.user)
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
        services.remove_time_off(time_off=entry, by=self.therapist.user)
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
