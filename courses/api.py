"""The course API: plan a course, book it, list one's own, cancel one's own (another person's is 404).

Every endpoint is for a signed-in caller, as the patient of the course.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle

from booking.api.schema import error_responses
from clinic.models import User
from courses import serializers as s
from courses import services
from courses.models import Course
from courses.planning import plan_course

extend_schema_field(s.CourseSessionSerializer(many=True))(s.CourseSerializer.get_sessions)


def _caller(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _zone() -> Any:
    return timezone.get_default_timezone()


@extend_schema_view(
    list=extend_schema(
        summary="The caller's courses", responses={200: s.CourseSerializer(many=True), **error_responses(401)}
    ),
    create=extend_schema(
        summary="Book a course: every chosen session, or none",
        request=s.CourseBookingSerializer,
        responses={201: s.CourseSerializer, **error_responses(400, 401, 409, 429)},
    ),
    plan=extend_schema(
        summary="Plan a course: every date, the ones that fit, the nearest alternatives for the rest",
        request=s.PlanRequestSerializer,
        responses={200: s.CoursePlanSerializer, **error_responses(400, 401)},
    ),
    cancel=extend_schema(
        summary="Cancel the sessions of a course not yet held, each under the cancellation policy",
        request=None,
        responses={200: s.CourseSerializer, **error_responses(401, 404, 409, 429)},
    ),
)
@extend_schema(tags=["courses"])
class CourseViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Course]):
    """A signed-in person's own courses of care."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.CourseSerializer
    throttle_scope = "booking"
    pagination_class = None

    def get_queryset(self) -> QuerySet[Course]:
        if getattr(self, "swagger_fake_view", False):
            return Course.objects.none()
        return Course.objects.filter(patient=_caller(self.request)).order_by("-created_at", "-pk")

    def get_throttles(self) -> list[BaseThrottle]:
        # Booking and cancelling hold or free a therapist's time; planning only reads.
        if self.request.method == "POST" and self.action != "plan":
            return [ScopedRateThrottle()]
        return []

    def create(self, request: Request) -> Response:
        """Book the chosen sessions as one course."""
        serializer = s.CourseBookingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        course = services.book_course(
            patient=_caller(request),
            massage_type=data["massage_type"],
            therapist=data.get("therapist"),
            weekday=data["weekday"],
            clock=data["time"],
            time_zone=str(_zone()),
            interval_weeks=int(data["interval_weeks"]),
            sessions=[
                services.ChosenSession(start=chosen["start"], therapist_id=chosen["therapist"].pk)
                for chosen in data["chosen"]
            ],
            intake=serializer.intake(),
        )
        return Response(s.CourseSerializer(course).data, status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["post"])
    def plan(self, request: Request) -> Response:
        """Return every date of the asked course with the alternatives of those that do not fit."""
        serializer = s.PlanRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        now: datetime = timezone.now()
        course_plan = plan_course(serializer.course_request(), now=now, zone=_zone(), patient_id=_caller(request).pk)
        body = {
            "time_zone": course_plan.zone.key,
            "therapist": course_plan.therapist_id,
            "sessions": course_plan.sessions,
        }
        return Response(s.CoursePlanSerializer(body).data)

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel what is left of one of the caller's courses."""
        course = self.get_object()
        result = services.cancel_course(course=course, by=_caller(request))
        return Response(s.CourseSerializer(result.course).data)
