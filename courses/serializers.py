"""The course API's request and answer shapes."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from booking.intake import RED_FLAGS, IntakeData
from booking.models import MassageType
from courses.models import Course
from courses.planning import CourseRequest, Option, PlannedSession
from therapists.models import Therapist


class PlanRequestSerializer(serializers.Serializer[Any]):
    massage_type = serializers.PrimaryKeyRelatedField(queryset=MassageType.objects.active())
    therapist = serializers.PrimaryKeyRelatedField(
        queryset=Therapist.objects.active(), allow_null=True, required=False, help_text="Omit or null: any."
    )
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 is Monday.")
    time = serializers.TimeField(help_text="Wall-clock time in the clinic's zone, e.g. 10:00.")
    interval_weeks = serializers.ChoiceField(choices=[1, 2])
    sessions = serializers.IntegerField(min_value=1)
    starting = serializers.DateField(required=False, help_text="The first date may not be before it.")

    def course_request(self) -> CourseRequest:
        data = self.validated_data
        return CourseRequest(
            massage_type=data["massage_type"],
            therapist=data.get("therapist"),
            weekday=data["weekday"],
            clock=data["time"],
            interval_weeks=int(data["interval_weeks"]),
            sessions=data["sessions"],
            starting=data.get("starting"),
        )


class OptionSerializer(serializers.Serializer[Option]):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    therapist = serializers.IntegerField(source="therapist_id")
    location = serializers.IntegerField(source="location_id")
    kind = serializers.ChoiceField(choices=["asked", "other_time", "other_therapist", "other_day"])


class PlannedSessionSerializer(serializers.Serializer[PlannedSession]):
    number = serializers.IntegerField()
    date = serializers.DateField(source="day")
    wanted = serializers.DateTimeField(help_text="The asked time that date.")
    fits = OptionSerializer(allow_null=True, help_text="The asked time, when it is free.")
    problem = serializers.CharField(help_text="Why the asked time is not free ('' when it fits).")
    alternatives = OptionSerializer(many=True, help_text="Nearest first: same therapist, another, nearby days.")
    proposal = OptionSerializer(allow_null=True, help_text="What booking the plan as is takes for this date.")


class CoursePlanSerializer(serializers.Serializer[Any]):
    time_zone = serializers.CharField()
    therapist = serializers.IntegerField(allow_null=True, help_text="The therapist the plan keeps to.")
    sessions = PlannedSessionSerializer(many=True)


class ChosenSessionSerializer(serializers.Serializer[Any]):
    start = serializers.DateTimeField()
    therapist = serializers.PrimaryKeyRelatedField(queryset=Therapist.objects.all())


class CourseBookingSerializer(PlanRequestSerializer):
    chosen = ChosenSessionSerializer(many=True, help_text="The accepted start and therapist of each session.")
    red_flags = serializers.ListField(child=serializers.ChoiceField(choices=list(RED_FLAGS)), required=False)
    provider_consulted = serializers.BooleanField(required=False, default=False)

    def intake(self) -> IntakeData:
        data = self.validated_data
        return IntakeData(red_flags=list(data.get("red_flags", [])), provider_consulted=data["provider_consulted"])


class CourseSessionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    therapist = serializers.IntegerField(source="therapist_id")
    status = serializers.CharField()


class CourseSerializer(serializers.ModelSerializer[Course]):
    sessions = serializers.SerializerMethodField()
    time_zone = serializers.CharField()
    # Plain text rather than an enum: its own enum would collide with the appointments' "status".
    status = serializers.CharField(help_text="booked or cancelled")

    class Meta:
        model = Course
        fields = [
            "id",
            "massage_type",
            "therapist",
            "weekday",
            "time",
            "time_zone",
            "interval_weeks",
            "sessions_planned",
            "status",
            "created_at",
            "sessions",
        ]

    def get_sessions(self, course: Course) -> list[dict[str, Any]]:
        return list(CourseSessionSerializer(course.sessions(), many=True).data)
