"""The demo patient's course of care: four weekly sessions with Maya, two of them held, with measures and a home plan.

The upcoming sessions are planned with the course planner and booked through booking's own
book() with the course's series, as the course service books them; the two held last weeks
are history, written as seed_demo writes its past sessions. Their measures and the home plan
go through courses.records at the time of each session. Once made, a second run adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from booking import rooms
from booking import services as booking
from booking.exceptions import BookingError
from booking.models import Appointment, MassageType, Status
from clinic.models import User
from courses import records
from courses.models import Course, HomeCareItem
from courses.planning import CourseRequest, plan_course
from courses.records import PlanData, Scores
from therapists.models import Therapist

SESSIONS = 4
HELD = 2
CLOCK = time(11, 0)
# Pain now, worst in the past week, interference: a back that is easing.
SCORES = (Scores(7, 8, 6), Scores(5, 7, 4))
NOTE = "Little and often: the stretch morning and evening, the ball when the lower back tightens."


@dataclass(frozen=True)
class DemoCourse:
    course: Course | None
    booked: int
    held: int


def seed_course(*, patient: User, therapist: Therapist, massage_type: MassageType, clinic: User) -> DemoCourse:
    """Give the demo patient their course once; return what it holds."""
    existing = Course.objects.filter(patient=patient).first()
    if existing is not None:
        sessions = list(existing.sessions())
        return DemoCourse(existing, len(sessions), sum(s.status == Status.COMPLETED for s in sessions))
    now = timezone.now()
    zone = timezone.get_default_timezone()
    assert isinstance(zone, ZoneInfo)
    # Tomorrow's weekday: both sessions to come fall within the two weeks the demo books ahead.
    weekday = (timezone.localdate(now) + timedelta(days=1)).weekday()
    request = CourseRequest(
        massage_type=massage_type,
        therapist=therapist,
        weekday=weekday,
        clock=CLOCK,
        interval_weeks=1,
        sessions=SESSIONS - HELD,
    )
    plan = plan_course(request, now=now, zone=zone, patient_id=patient.pk)
    course = Course.objects.create(
        patient=patient,
        massage_type=massage_type,
        therapist=therapist,
        weekday=weekday,
        time=CLOCK,
        time_zone=zone.key,
        interval_weeks=1,
        sessions_planned=SESSIONS,
        created_at=now - timedelta(weeks=HELD + 1),
    )
    proposal = plan.sessions[0].proposal
    if proposal is None or proposal.therapist_id != therapist.pk:
        course.delete()
        return DemoCourse(None, 0, 0)
    # The same wall-clock time in the weeks before, inside the same weekly hours.
    local = proposal.start.astimezone(zone)
    held = [
        session
        for weeks in range(HELD, 0, -1)
        if (
            session := _write_held(
                course,
                therapist,
                massage_type,
                patient,
                datetime.combine(local.date() - timedelta(weeks=weeks), local.time(), tzinfo=zone),
            )
        )
    ]
    for index, session in enumerate(held):
        records.record_measures(
            appointment=session, by=therapist.user, scores=SCORES[index], now=session.start + timedelta(minutes=5)
        )
    if held:
        items = list(HomeCareItem.objects.active()[:2])
        records.set_home_plan(
            appointment=held[-1],
            by=therapist.user,
            data=PlanData([item.pk for item in items], note=NOTE),
            now=held[-1].end + timedelta(minutes=5),
        )
    booked = 0
    for planned in plan.sessions:
        proposal = planned.proposal
        if proposal is None or proposal.therapist_id != therapist.pk:
            continue
        try:
            booking.book(
                patient=patient,
                therapist=therapist,
                massage_type=massage_type,
                start=proposal.start,
                by=clinic,
                series=course.series,
                now=now,
            )
        except BookingError:  # taken since the plan was read: the course has one session fewer
            continue
        booked += 1
    return DemoCourse(course, booked + len(held), len(held))


def _write_held(
    course: Course, therapist: Therapist, massage_type: MassageType, patient: User, start: datetime
) -> Appointment | None:
    """Write one held session of the course as history (the services refuse to book in the past)."""
    end, blocked_until = massage_type.span(start)
    if Appointment.objects.active().for_therapist(therapist).overlapping(start, blocked_until).exists():
        return None
    location_id = therapist.working_hours.values_list("location_id", flat=True).first()
    if location_id is None:
        return None
    room = rooms.choose_room(
        massage_type=massage_type, location_id=location_id, start=start, blocked_until=blocked_until
    )
    if room is None:
        return None
    return Appointment.objects.create(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        room=room,
        start=start,
        end=end,
        blocked_until=blocked_until,
        status=Status.COMPLETED,
        price=massage_type.price,
        series=course.series,
        focus_areas="Lower back",
    )
