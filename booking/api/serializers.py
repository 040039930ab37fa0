"""Serializers of the REST API v1: what goes in and what comes out, never a booking rule."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from knox.models import AuthToken
from rest_framework import exceptions, serializers

from booking.api import payment_fields
from booking.intake import INTAKE_FIELDS, RED_FLAGS, IntakeData, Pressure
from booking.models import Appointment, MassageType, Status
from booking.policy import ChangePolicy, change_policy
from clinic import login_throttle
from clinic.accounts import NewPatient
from clinic.models import User, canonical_email, normalize_phone, validate_plain_email
from clinic.plain_text import validate_single_line
from clinic.two_factor import services as two_factor
from locations.models import Location
from therapists.models import Therapist

MAX_AVAILABILITY_DAYS = 62
MASSAGE_TYPE_ERRORS: dict[str, Any] = {
    "does_not_exist": "No massage type {pk_value} is offered.",
    "incorrect_type": "Give the massage type's id, a number.",
}
THERAPIST_ERRORS: dict[str, Any] = {
    "does_not_exist": "No therapist {pk_value} takes bookings.",
    "incorrect_type": "Give the therapist's id, a number.",
}
LOCATION_ERRORS: dict[str, Any] = {
    "does_not_exist": "No location {pk_value} takes bookings.",
    "incorrect_type": "Give the location's id, a number.",
}


def in_zone(moment: datetime | None, zone: tzinfo) -> str | None:
    """Return an instant as ISO 8601 with the zone's offset, or None."""
    return moment.astimezone(zone).isoformat() if moment is not None else None


# --- Accounts -------------------------------------------------------------------------


class UserSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "phone"]
        read_only_fields = fields


class RegisterSerializer(serializers.Serializer[User]):
    email = serializers.EmailField(max_length=254, validators=[validate_plain_email])
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    first_name = serializers.CharField(max_length=150, validators=[validate_single_line])
    last_name = serializers.CharField(max_length=150, validators=[validate_single_line])
    phone = serializers.CharField(max_length=30)

    def validate_email(self, value: str) -> str:
        # No "already exists" error: sign-up must not tell who has an account (clinic.accounts).
        return canonical_email(value)

    def validate_phone(self, value: str) -> str:
        try:
            return normalize_phone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages[0]) from exc

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        candidate = User(email=attrs["email"], first_name=attrs["first_name"], last_name=attrs["last_name"])
        try:
            password_validation.validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": " ".join(exc.messages)}) from exc
        return attrs

    def person(self) -> NewPatient:
        """Return the validated sign-up as the account service's value."""
        return NewPatient(**self.validated_data)


class SignUpAcceptedSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField(read_only=True)


class TokenRequestSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    otp = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=32,
        help_text=(
            "Staff and therapists, when the clinic requires two-factor sign-in: the 6-digit code "
            "of their authenticator app, or one of their recovery codes."
        ),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        request = self.context.get("request")
        # The same failed sign-in limit as the page's form, so the API is no way around it:
        # the attempt is counted first, and refused past the limit before the password is checked.
        try:
            attempt = login_throttle.begin_attempt(request, attrs["email"])
        except login_throttle.SignInLocked as locked:
            raise exceptions.Throttled(wait=locked.seconds, detail=login_throttle.MESSAGE) from locked
        user = authenticate(request, email=attrs["email"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError("Unable to sign in with that e-mail address and password.")
        if settings.TWO_FACTOR_REQUIRED and two_factor.requires_second_factor(user):
            # Whoever can read health data signs in to the API with the second factor too; a
            # wrong code leaves the attempt counted as a failure.
            if not two_factor.has_confirmed_device(user):
                raise SecondFactorMissing()
            if not two_factor.verify_code(user, attrs.get("otp", "")):
                raise serializers.ValidationError(
                    {"otp": "Enter the current 6-digit code of your authenticator app, or a recovery code."}
                )
        login_throttle.succeeded(attempt)
        attrs["user"] = user
        return attrs


class SecondFactorMissing(exceptions.APIException):
    status_code = 403
    default_detail = (
        "This account must sign in with a second factor: set up an authenticator app at /accounts/two-factor/ first."
    )
    default_code = "second_factor_required"


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(read_only=True, help_text="The secret: shown once, stored only as a digest.")
    expiry = serializers.DateTimeField(
        read_only=True, help_text="When the token ends unless used before: each use moves it on."
    )


class ApiTokenSerializer(serializers.ModelSerializer[AuthToken]):
    """One of the caller's tokens, named by its non-secret id, never by its secret or digest."""

    id = serializers.CharField(source="token_key", read_only=True, help_text="The token's id (not the secret).")
    current = serializers.SerializerMethodField(help_text="Whether this request was signed with this token.")

    class Meta:
        model = AuthToken
        fields = ["id", "created", "expiry", "current"]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_current(self, token: AuthToken) -> bool:
        used = self.context.get("current")
        return isinstance(used, AuthToken) and used.digest == token.digest


# --- Catalogue ------------------------------------------------------------------------


class MassageTypeSerializer(serializers.ModelSerializer[MassageType]):
    good_for = serializers.ListField(child=serializers.CharField(), source="good_for_list", read_only=True)

    class Meta:
        model = MassageType
        fields = ["id", "slug", "name", "description", "good_for", "duration_minutes", "buffer_minutes", "price"]
        read_only_fields = fields


class TherapistSerializer(serializers.ModelSerializer[Therapist]):
    massage_types: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Therapist
        fields = ["id", "display_name", "bio", "massage_types"]
        read_only_fields = fields


class LocationSerializer(serializers.ModelSerializer[Location]):
    # The clinic's number when the location has none of its own: a patient always has one to call.
    phone = serializers.CharField(source="phone_number", read_only=True)
    time_zone = serializers.CharField(read_only=True, help_text="The location's IANA time zone.")

    class Meta:
        model = Location
        fields = ["id", "name", "address", "phone", "time_zone"]
        read_only_fields = fields


# --- Availability ---------------------------------------------------------------------


class AvailabilityQuerySerializer(serializers.Serializer[Any]):
    massage_type = serializers.PrimaryKeyRelatedField(
        queryset=MassageType.objects.active(),
        error_messages=MASSAGE_TYPE_ERRORS,
    )
    date_from = serializers.DateField(input_formats=["iso-8601"])
    date_to = serializers.DateField(input_formats=["iso-8601"])
    therapist = serializers.PrimaryKeyRelatedField(
        queryset=Therapist.objects.active(),
        required=False,
        error_messages=THERAPIST_ERRORS,
    )
    location = serializers.PrimaryKeyRelatedField(
        queryset=Location.objects.active(),
        required=False,
        error_messages=LOCATION_ERRORS,
        help_text="Only slots at this location (id); dates are then the location's. Any location if left out.",
    )
    ignoring = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=(
            "The id of one of the caller's own appointments (sign-in needed): its time counts as free, "
            "so a reschedule may overlap the old slot. Anyone else's appointment answers 404."
        ),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": "date_to must be on or after date_from."})
        if attrs["date_to"] - attrs["date_from"] >= timedelta(days=MAX_AVAILABILITY_DAYS):
            raise serializers.ValidationError({"date_to": f"Ask for at most {MAX_AVAILABILITY_DAYS} days at a time."})
        therapist = attrs.get("therapist")
        if therapist is not None and not therapist.massage_types.filter(pk=attrs["massage_type"].pk).exists():
            raise serializers.ValidationError({"therapist": f"{therapist} does not offer {attrs['massage_type']}."})
        return attrs


class SlotSerializer(serializers.Serializer[Any]):
    """One free slot, its times at its location's offset; the context's `zones` maps location ids to zones."""

    start = serializers.DateTimeField(read_only=True, help_text="At the location's UTC offset.")
    end = serializers.DateTimeField(read_only=True, help_text="At the location's UTC offset.")
    therapist = serializers.IntegerField(source="therapist_id", read_only=True)
    location = serializers.IntegerField(source="location_id", read_only=True, help_text="Where the session would be.")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        # Thousands of slots per answer: skip the generic field machinery.
        zones = self.context.get("zones") or {}
        zone = zones.get(instance.location_id) or timezone.get_default_timezone()
        return {
            "start": instance.start.astimezone(zone).isoformat(),
            "end": instance.end.astimezone(zone).isoformat(),
            "therapist": instance.therapist_id,
            "location": instance.location_id,
        }


class DayOpeningSerializer(serializers.Serializer[Any]):
    date = serializers.DateField(read_only=True)
    open = serializers.BooleanField(
        read_only=True,
        help_text="Whether the therapist (or any who offers the massage) works that day; open without slots is full.",
    )


class AvailabilitySerializer(serializers.Serializer[Any]):
    time_zone = serializers.CharField(
        read_only=True, help_text="The IANA time zone of the location asked for, else the clinic's."
    )
    slots = SlotSerializer(many=True, read_only=True)
    days = DayOpeningSerializer(
        many=True, read_only=True, help_text="Every date of the range asked for, in order, open or closed."
    )


def availability_json(
    *, time_zone: str, slots: Sequence[Any], days: Sequence[Any], zones: Mapping[int, tzinfo]
) -> bytes:
    """Return AvailabilitySerializer's JSON for the answer, built directly: no serializer object per slot.

    An answer holds hundreds of slots whose starts repeat across therapists (and each end is
    another slot's start): each instant is written once per location. ISO 8601 strings and
    ids need no JSON escaping.
    """
    default_zone = timezone.get_default_timezone()
    written: dict[tuple[datetime, int], str] = {}

    def iso(moment: datetime, location_id: int) -> str:
        key = (moment, location_id)
        text = written.get(key)
        if text is None:
            text = written[key] = moment.astimezone(zones.get(location_id) or default_zone).isoformat()
        return text

    slot_parts = [
        f'{{"start":"{iso(slot.start, slot.location_id)}","end":"{iso(slot.end, slot.location_id)}",'
        f'"therapist":{int(slot.therapist_id)},"location":{int(slot.location_id)}}}'
        for slot in slots
    ]
    day_parts = [f'{{"date":"{day.date.isoformat()}","open":{"true" if day.open else "false"}}}' for day in days]
    return (
        f'{{"time_zone":{json.dumps(time_zone)},"slots":[{",".join(slot_parts)}],"days":[{",".join(day_parts)}]}}'
    ).encode()


# --- Appointments ---------------------------------------------------------------------


class MassageTypeRefSerializer(serializers.ModelSerializer[MassageType]):
    class Meta:
        model = MassageType
        fields = ["id", "name"]
        read_only_fields = fields


class TherapistRefSerializer(serializers.ModelSerializer[Therapist]):
    class Meta:
        model = Therapist
        fields = ["id", "display_name"]
        read_only_fields = fields


class IntakeSerializer(serializers.Serializer[Any]):
    """The intake answers, each optional; the rules between them live in IntakeData.errors()."""

    focus_areas = serializers.CharField(max_length=300, required=False, allow_blank=True)
    pain_level = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)
    pressure = serializers.ChoiceField(choices=Pressure.choices, required=False, allow_blank=True)
    health_notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    red_flags = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(RED_FLAGS)), required=False, max_length=len(RED_FLAGS)
    )
    provider_consulted = serializers.BooleanField(required=False)

    def intake(self, base: IntakeData | None = None) -> IntakeData:
        """Return the validated answers laid over `base` (the answers already recorded)."""
        answers = {name: value for name, value in self.validated_data.items() if name in INTAKE_FIELDS}
        data = {**(vars(base) if base is not None else {}), **answers}
        data["red_flags"] = list(dict.fromkeys(data.get("red_flags", [])))
        return IntakeData(**data)


class OffsetDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time that must carry its UTC offset: a wall-clock time alone is ambiguous at DST changes."""

    default_error_messages = {
        **serializers.DateTimeField.default_error_messages,
        "offset": "Give the time with its UTC offset, e.g. 2026-03-09T09:00:00-04:00.",
    }

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None  # well-formed but impossible: the parent's "invalid" message
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("offset")
        try:
            return super().to_internal_value(value)
        except OverflowError:
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss]±hh:mm")


class BookingRequestSerializer(IntakeSerializer):
    massage_type = serializers.PrimaryKeyRelatedField(
        queryset=MassageType.objects.active(), error_messages=MASSAGE_TYPE_ERRORS
    )
    therapist = serializers.PrimaryKeyRelatedField(queryset=Therapist.objects.active(), error_messages=THERAPIST_ERRORS)
    start = OffsetDateTimeField(help_text="ISO 8601 with its UTC offset, e.g. 2026-03-09T09:00:00-04:00.")


class CancelRequestSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    accept_late_fee = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Inside the cancellation window: cancel anyway and pay the late-cancellation fee the "
        "appointment's `late_cancellation` states (charged to the saved card). Without it such a cancel is a 409.",
    )


class LateCancellationSerializer(serializers.Serializer[Any]):
    fee = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    currency = serializers.CharField(read_only=True)
    card_last4 = serializers.CharField(read_only=True, help_text="The saved card the fee is charged to.")
    message = serializers.CharField(read_only=True, help_text="What to tell the patient before they confirm.")


class RescheduleRequestSerializer(serializers.Serializer[Any]):
    start = OffsetDateTimeField(help_text="ISO 8601 with its UTC offset, e.g. 2026-03-09T09:00:00-04:00.")
    therapist = serializers.PrimaryKeyRelatedField(
        queryset=Therapist.objects.active(),
        required=False,
        error_messages=THERAPIST_ERRORS,
        help_text="Another therapist who offers the same massage; the current one if left out.",
    )


class AppointmentSerializer(serializers.ModelSerializer[Appointment]):
    """A patient's appointment: where it is, never which room (the clinic assigns rooms).

    Every time is given at the offset of the location's zone, where the patient will be.
    List with select_related("room__location").
    """

    massage_type = MassageTypeRefSerializer(read_only=True)
    therapist = TherapistRefSerializer(read_only=True)
    location = LocationSerializer(source="room.location", read_only=True)
    start = serializers.DateTimeField(read_only=True, help_text="At the location's UTC offset.")
    end = serializers.DateTimeField(read_only=True, help_text="At the location's UTC offset.")
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    # Blank until the patient answers; read-only model fields drop allow_blank, so say it here.
    pressure = serializers.ChoiceField(choices=Pressure.choices, allow_blank=True, read_only=True)
    red_flags = serializers.ListField(child=serializers.CharField(), read_only=True)
    can_change = serializers.SerializerMethodField(
        help_text="Whether the patient may still cancel or reschedule online now (confirmed, and the "
        "clinic's cancellation window not yet reached)."
    )
    change_deadline = serializers.SerializerMethodField(
        help_text="The last moment to cancel or reschedule online, at the location's offset; null once it has "
        "passed or when the appointment is not confirmed (then the patient calls the clinic)."
    )
    change_policy_reason = serializers.SerializerMethodField(
        help_text="Why the appointment cannot be changed online (e.g. the number to call), or '' when it can."
    )
    payment_policy = serializers.SerializerMethodField(
        help_text="The payment policy the appointment was booked under, in sentences (deposit, fees); "
        "empty when the clinic takes no cards online."
    )
    late_cancellation = serializers.SerializerMethodField(
        help_text="Inside the cancellation window, when the patient may still cancel online by paying the "
        "late-cancellation fee (send `accept_late_fee: true`): the fee and the card; null otherwise."
    )

    class Meta:
        model = Appointment
        fields = [
            "id",
            "massage_type",
            "therapist",
            "location",
            "start",
            "end",
            "status",
            "price",
            "focus_areas",
            "pain_level",
            "pressure",
            "health_notes",
            "red_flags",
            "provider_consulted",
            "can_change",
            "change_deadline",
            "change_policy_reason",
            "payment_policy",
            "late_cancellation",
            "cancelled_at",
            "cancellation_reason",
            "created_at",
        ]
        read_only_fields = fields

    def _policy(self, appointment: Appointment) -> ChangePolicy:
        # One "now" per serializer, so a list's rows and an item's fields agree with each other.
        if not hasattr(self, "_now"):
            self._now = self.context.get("now") or timezone.now()
        return change_policy(appointment, now=self._now)

    @extend_schema_field(serializers.BooleanField())
    def get_can_change(self, appointment: Appointment) -> bool:
        return self._policy(appointment).can_change

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_change_deadline(self, appointment: Appointment) -> str | None:
        return in_zone(self._policy(appointment).deadline, appointment.zone)

    @extend_schema_field(serializers.CharField(allow_blank=True))
    def get_change_policy_reason(self, appointment: Appointment) -> str:
        return self._policy(appointment).reason

    def _payment_side(self, appointment: Appointment) -> payment_fields.PaymentSide:
        if not hasattr(self, "_payment_sides"):
            self._payment_sides: dict[int, payment_fields.PaymentSide] = {}
            self._described: set[int] = set()
        if appointment.pk not in self._described:
            # A list's rows are described together on the first row's call: a fixed number of queries.
            self._policy(appointment)
            rows = self.parent.instance if isinstance(self.parent, serializers.ListSerializer) else None
            batch = [row for row in rows or [] if row.pk not in self._described] or [appointment]
            self._payment_sides.update(payment_fields.describe(batch, now=self._now))
            self._described.update(row.pk for row in batch)
            self._described.add(appointment.pk)
        return self._payment_sides.get(appointment.pk, payment_fields.NONE)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_payment_policy(self, appointment: Appointment) -> list[str]:
        return self._payment_side(appointment).policy

    @extend_schema_field(LateCancellationSerializer(allow_null=True))
    def get_late_cancellation(self, appointment: Appointment) -> dict[str, Any] | None:
        offer = self._payment_side(appointment).late_cancellation
        return None if offer is None else LateCancellationSerializer(offer).data

    def to_representation(self, instance: Appointment) -> dict[str, Any]:
        data = super().to_representation(instance)
        zone = instance.zone
        for name in ("start", "end", "cancelled_at", "created_at"):
            data[name] = in_zone(getattr(instance, name), zone)
        return data
