"""What is recorded about a course's sessions: the short back-pain measures and the home-care plan.

The patient answers the measures before a session (their intake); the therapist may record
or correct them at the session, and sets the home plan after it. Each write is one
transaction with its audit event, which names what changed, never the answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from audit import log as history
from audit.models import Kind
from booking import checks, locks
from booking.exceptions import InvalidBooking, InvalidTransition, NotAllowed
from booking.models import Appointment, Status
from clinic.models import User
from courses.followups import owe_follow_up
from courses.models import Course, FollowUpKind, HomeCareItem, HomePlan, Measure, MeasureSource
from courses.planning import INTERVALS, MIN_SESSIONS

MEASURE_FIELDS = ("pain_now", "pain_worst_week", "interference")


@dataclass(frozen=True)
class Scores:
    """The three answers, 0 to 10 each (the README names the measures and their sources)."""

    pain_now: int
    pain_worst_week: int
    interference: int

    def errors(self) -> dict[str, str]:
        """Return a message for each answer outside 0 to 10."""
        return {
            name: "Choose a number from 0 to 10."
            for name in MEASURE_FIELDS
            if not isinstance(getattr(self, name), int) or not 0 <= getattr(self, name) <= 10
        }


@transaction.atomic
def record_measures(*, appointment: Appointment, by: User, scores: Scores, now: datetime | None = None) -> Measure:
    """Record the session's measures: its patient before it starts, its therapist or staff once it has."""
    now = now or timezone.now()
    locked = locks.lock_appointment(appointment.pk)
    errors = scores.errors()
    if errors:
        raise InvalidBooking("Please check the answers.", fields=errors)
    if locked.status == Status.CANCELLED:
        raise InvalidTransition("A cancelled session has no measures.")
    if locked.patient_id == by.pk:
        source = MeasureSource.PATIENT
        if locked.start <= now:
            raise InvalidTransition("The session has started: your therapist records how you are today.")
    elif checks.is_staff(by) or checks.is_therapist_of(by, locked):
        source = MeasureSource.THERAPIST
        if locked.start > now:
            raise InvalidTransition("The session has not started yet; the patient answers before it.")
    else:
        raise NotAllowed("Only the patient, their therapist or the clinic's staff record these measures.")
    measure, created = Measure.objects.update_or_create(
        appointment=locked,
        defaults={
            "pain_now": scores.pain_now,
            "pain_worst_week": scores.pain_worst_week,
            "interference": scores.interference,
            "source": source,
            "recorded_at": now,
            "recorded_by": by,
        },
    )
    # That they were recorded, and by whom; never the numbers (health details stay off the record).
    history.record(
        Kind.INTAKE_CHANGED,
        summary=f"Back-pain measures {'recorded' if created else 'updated'} "
        + ("by the patient" if source == MeasureSource.PATIENT else "at the session"),
        by=by,
        appointment_id=locked.pk,
        patient_id=locked.patient_id,
        therapist_id=locked.therapist_id,
        data={"fields": list(MEASURE_FIELDS), "source": source},
        at=now,
    )
    return measure


@dataclass(frozen=True)
class PlanData:
    """What the therapist sets after a session: home-care items, a note, and optionally a course to book next."""

    item_ids: Sequence[int]
    note: str = ""
    recommend_interval_weeks: int | None = None
    recommend_sessions: int | None = None


@transaction.atomic
def set_home_plan(*, appointment: Appointment, by: User, data: PlanData, now: datetime | None = None) -> HomePlan:
    """Set the session's home-care plan (its therapist or staff, once it has started); the first owes the e-mail."""
    now = now or timezone.now()
    locked = locks.lock_appointment(appointment.pk)
    if not (checks.is_staff(by) or checks.is_therapist_of(by, locked)):
        raise NotAllowed("Only the session's therapist or the clinic's staff set its home plan.")
    if locked.status == Status.CANCELLED:
        raise InvalidTransition("A cancelled session has no home plan.")
    if locked.start > now:
        raise InvalidTransition("The home plan is set after the session has started.")
    items = list(HomeCareItem.objects.active().filter(pk__in=list(data.item_ids)))
    errors: dict[str, str] = {}
    if len(items) != len(set(data.item_ids)):
        errors["items"] = "Choose items from the clinic's home-care library."
    if not items and not data.note.strip():
        errors["items"] = "Choose at least one item, or write a note."
    recommends = (data.recommend_interval_weeks, data.recommend_sessions)
    if any(value is not None for value in recommends) and not (
        data.recommend_interval_weeks in INTERVALS
        and data.recommend_sessions is not None
        and data.recommend_sessions >= MIN_SESSIONS
    ):
        errors["recommend_sessions"] = "A course is every 1 or 2 weeks, with 2 sessions or more; or leave both blank."
    if errors:
        raise InvalidBooking("Please check the home plan.", fields=errors)
    plan = HomePlan.objects.filter(appointment=locked).first()
    created = plan is None
    if plan is None:
        plan = HomePlan(appointment=locked, created_at=now)
    plan.note = data.note.strip()[:2000]
    plan.recommend_interval_weeks = data.recommend_interval_weeks
    plan.recommend_sessions = data.recommend_sessions
    plan.updated_at = now
    plan.updated_by = by
    plan.save()
    plan.items.set(items)
    if created:
        # Once per session: a later change shows in the account, and in the e-mail if still unsent.
        owe_follow_up(kind=FollowUpKind.SESSION, appointment=locked, course=None, now=now)
    history.record(
        Kind.HOME_PLAN,
        summary=f"Home-care plan {'set' if created else 'changed'}: {len(items)} item(s)"
        + (", a note" if plan.note else "")
        + (f", a course of {plan.recommend_sessions} recommended" if plan.recommends_course else ""),
        by=by,
        appointment_id=locked.pk,
        patient_id=locked.patient_id,
        therapist_id=locked.therapist_id,
        data={"items": [item.pk for item in items], "note_given": bool(plan.note)},
        at=now,
    )
    return plan


def course_of(appointment: Appointment) -> Course | None:
    """Return the course the session belongs to, if any."""
    if appointment.series is None:
        return None
    return Course.objects.filter(series=appointment.series).first()
