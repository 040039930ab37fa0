"""The admin's appointment forms, and the one path from a valid form to the booking services.

The forms only validate (nothing in clean() writes). `apply_form` calls the services inside
the admin's transaction; a refusal becomes `AppointmentRefused`, which the admin turns into
errors on the page after the whole transaction was rolled back.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from booking import records, rooms, services
from booking.exceptions import BookingError, SlotTaken, SlotUnavailable
from booking.intake import INTAKE_FIELDS, RED_FLAGS, IntakeData
from booking.models import Appointment, MassageType, Status
from clinic import dates
from clinic.models import User
from therapists.models import Therapist, TimeOff, WorkingHours


class AppointmentRefused(Exception):
    """The booking services refused the admin's change; carries what to show on the form."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def _day(moment: datetime) -> str:
    return dates.short_day(_local(moment))


def describe_appointment(appointment: Appointment) -> str:
    """Return e.g. 'Deep tissue with Alice Archer 10:00-11:00 AM (+15 min turnover) on Wed, Mar 4'."""
    patient = appointment.patient.get_full_name() or appointment.patient.email
    span = dates.clock_span(_local(appointment.start), _local(appointment.end))
    turnover = int((appointment.blocked_until - appointment.end).total_seconds() // 60)
    extra = f" (+{turnover} min turnover)" if turnover else ""
    return f"{appointment.massage_type} with {patient} {span}{extra} on {_day(appointment.start)}"


def describe_clash(
    *, therapist: Therapist, massage_type: MassageType, start: datetime, ignoring: int | None = None
) -> str | None:
    """Name the active appointment that holds part of the wanted time, or return None."""
    _, blocked_until = massage_type.span(start)
    clashes = Appointment.objects.active().for_therapist(therapist).overlapping(start, blocked_until)
    if ignoring is not None:
        clashes = clashes.exclude(pk=ignoring)
    clash = clashes.select_related("patient", "massage_type").order_by("start").first()
    if clash is None:
        return None
    return f"{therapist} already has {describe_appointment(clash)}."


def describe_schedule(*, therapist: Therapist, start: datetime) -> str:
    """Return the therapist's working hours and time off on the start's date, to explain an unavailable slot."""
    day = timezone.localdate(start)
    spans = WorkingHours.objects.filter(therapist=therapist, weekday=day.weekday()).order_by("start")
    hours = ", ".join(dates.clock_span(span.start, span.end) for span in spans) or "none"
    text = f"{therapist} works {hours} on {_day(start)}"
    day_start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    away = TimeOff.objects.filter(therapist=therapist).overlapping(day_start, day_start + timedelta(days=1))
    leaves = [f"{dates.short_moment(_local(off.start))} to {dates.short_moment(_local(off.end))}" for off in away]
    if leaves:
        text += f", with time off {'; '.join(leaves)}"
    return text + "."


def refusal_for(
    exc: BookingError,
    *,
    therapist: Therapist,
    massage_type: MassageType,
    start: datetime | None,
    ignoring: int | None = None,
) -> AppointmentRefused:
    """Return the form error for a service refusal, naming the clashing appointment when there is one."""
    message = exc.message
    if isinstance(exc, SlotTaken) and start is not None:
        clash = describe_clash(therapist=therapist, massage_type=massage_type, start=start, ignoring=ignoring)
        message = clash or message
    elif isinstance(exc, SlotUnavailable) and start is not None:
        message = f"{message} {describe_schedule(therapist=therapist, start=start)}"
    return AppointmentRefused(message, dict(exc.fields))


class _AppointmentForm(forms.ModelForm):
    """Shared by the add and change forms: the intake, and a refusal carried from a rolled-back save."""

    red_flags = forms.MultipleChoiceField(
        choices=list(RED_FLAGS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Red-flag questions the patient answered yes.",
    )
    # Set by the admin on a second pass after the services refused the change.
    refusal: ClassVar[AppointmentRefused | None] = None

    def intake(self) -> IntakeData:
        """Return the intake answers of the form."""
        data = self.cleaned_data
        return IntakeData(
            focus_areas=data.get("focus_areas") or "",
            pain_level=data.get("pain_level"),
            pressure=data.get("pressure") or "",
            health_notes=data.get("health_notes") or "",
            red_flags=list(data.get("red_flags") or []),
            provider_consulted=bool(data.get("provider_consulted")),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        for name, message in self.intake().errors().items():
            self.add_error(name if name in self.fields else None, message)
        if self.refusal is not None:
            for name, message in self.refusal.fields.items():
                if name in self.fields:
                    self.add_error(name, message)
            raise ValidationError(self.refusal.message, code="refused")
        return cleaned


class AppointmentAddForm(_AppointmentForm):
    """Book an appointment taken by phone: the services compute end, price, status and (unless chosen) the room."""

    class Meta:
        model = Appointment
        fields = ("patient", "therapist", "massage_type", "start", "room", *INTAKE_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "room" in self.fields:
            self.fields["room"].required = False
            self.fields["room"].help_text = "Leave empty and the clinic's rule chooses a free suitable room."


class AppointmentChangeForm(_AppointmentForm):
    """Move, cancel or record the outcome of an appointment, or correct its intake."""

    class Meta:
        model = Appointment
        fields = ("therapist", "start", "room", "status", "cancellation_reason", *INTAKE_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "room" in self.fields:
            self.fields["room"].required = False
            self.fields[
                "room"
            ].help_text = (
                "Another room at the same location. Left empty, a moved session keeps its room when it is free."
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "room" in self.fields and not cleaned.get("room"):
            # No room chosen: the session keeps its own (or the service finds one for a new time).
            cleaned["room"] = self.instance.room
            if "room" in self.changed_data:
                self.changed_data.remove("room")
        moved = {"start", "therapist", "room"} & set(self.changed_data)
        if "status" in self.changed_data:
            if moved:
                raise ValidationError("Change the time or the status, not both at once.", code="both")
            if cleaned.get("status") == Status.CONFIRMED:
                self.add_error("status", "An appointment cannot be set back to confirmed; book a new one.")
        if "cancellation_reason" in self.changed_data and cleaned.get("status") != Status.CANCELLED:
            self.add_error("cancellation_reason", "A reason is recorded when you set the status to Cancelled.")
        return cleaned


def apply_form(form: _AppointmentForm, *, by: User, now: datetime | None = None) -> Appointment:
    """Carry out the form through the booking services, or raise AppointmentRefused.

    Runs inside the admin's transaction; the caller rolls it back on a refusal, so an
    intake change saved before a refused move is undone with it.
    """
    now = now or timezone.now()
    data = form.cleaned_data
    if isinstance(form, AppointmentAddForm):
        try:
            return services.book(
                patient=data["patient"],
                therapist=data["therapist"],
                massage_type=data["massage_type"],
                start=data["start"],
                intake=form.intake(),
                by=by,
                room=data.get("room"),
                now=now,
            )
        except BookingError as exc:
            raise refusal_for(
                exc, therapist=data["therapist"], massage_type=data["massage_type"], start=data["start"]
            ) from exc

    # The form's instance already carries the new values; the services read the stored row.
    appointment = Appointment.objects.select_related("massage_type", "room__location").get(pk=form.instance.pk)
    changed = set(form.changed_data)
    try:
        if changed & set(INTAKE_FIELDS):
            appointment = records.update_intake(appointment=appointment, by=by, intake=form.intake(), now=now)
        if changed & {"start", "therapist"}:
            appointment = services.reschedule(
                appointment=appointment,
                by=by,
                start=data["start"],
                therapist=data["therapist"],
                room=data["room"] if "room" in changed else None,
                now=now,
            )
        elif "room" in changed:
            appointment = rooms.change_room(appointment=appointment, room=data["room"], by=by, now=now)
        if "status" in changed:
            appointment = _apply_status(
                appointment, data["status"], by=by, reason=data.get("cancellation_reason") or "", now=now
            )
    except BookingError as exc:
        raise refusal_for(
            exc,
            therapist=data.get("therapist") or appointment.therapist,
            massage_type=appointment.massage_type,
            start=data.get("start"),
            ignoring=appointment.pk,
        ) from exc
    return appointment


def _apply_status(appointment: Appointment, status: str, *, by: User, reason: str, now: datetime) -> Appointment:
    if status == Status.CANCELLED:
        return services.cancel(appointment=appointment, by=by, reason=reason, now=now)
    if status == Status.COMPLETED:
        return services.mark_completed(appointment=appointment, by=by, now=now)
    if status == Status.NO_SHOW:
        return services.mark_no_show(appointment=appointment, by=by, now=now)
    raise AppointmentRefused("An appointment cannot be set back to confirmed; book a new one.")
