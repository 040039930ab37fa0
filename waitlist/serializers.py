"""The waitlist API's shapes: an entry (with its open offer), joining, and an offer."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from booking.api.serializers import IntakeSerializer, MassageTypeRefSerializer, TherapistRefSerializer
from booking.models import MassageType
from locations.models import Location
from therapists.models import Therapist
from waitlist.models import EVERY_WEEKDAY, EntryState, Offer, OfferState, WaitlistEntry


class OfferSerializer(serializers.ModelSerializer[Offer]):
    """A slot held for the patient until `expires_at` (select_related the appointment and its location)."""

    start = serializers.DateTimeField(source="appointment.start", read_only=True)
    end = serializers.DateTimeField(source="appointment.end", read_only=True)
    therapist = TherapistRefSerializer(source="appointment.therapist", read_only=True)
    location = serializers.IntegerField(source="appointment.room.location_id", read_only=True)
    state = serializers.ChoiceField(choices=OfferState.choices, read_only=True)

    class Meta:
        model = Offer
        fields = ["id", "entry", "state", "start", "end", "therapist", "location", "offered_at", "expires_at"]
        read_only_fields = fields


class WaitlistEntrySerializer(serializers.ModelSerializer[WaitlistEntry]):
    massage_type = MassageTypeRefSerializer(read_only=True)
    therapists: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    weekdays = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    state = serializers.ChoiceField(choices=EntryState.choices, read_only=True)
    offer = serializers.SerializerMethodField(help_text="The slot held for this entry now, or null.")

    class Meta:
        model = WaitlistEntry
        fields = [
            "id",
            "massage_type",
            "location",
            "therapists",
            "date_from",
            "date_to",
            "weekdays",
            "time_from",
            "time_to",
            "joined_at",
            "state",
            "offer",
        ]
        read_only_fields = fields

    @extend_schema_field(OfferSerializer(allow_null=True))
    def get_offer(self, entry: WaitlistEntry) -> dict[str, Any] | None:
        offers = getattr(entry, "open_offers", None)
        return OfferSerializer(offers[0]).data if offers else None


class JoinSerializer(serializers.Serializer[Any]):
    massage_type = serializers.PrimaryKeyRelatedField(queryset=MassageType.objects.active())
    location = serializers.PrimaryKeyRelatedField(
        queryset=Location.objects.active(), required=False, allow_null=True, help_text="Omit or null: any location."
    )
    therapists = serializers.PrimaryKeyRelatedField(
        queryset=Therapist.objects.active(), many=True, required=False, help_text="Empty: any therapist."
    )
    date_from = serializers.DateField()
    date_to = serializers.DateField(help_text="At most the booking horizon ahead; the entry ends after it.")
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        required=False,
        allow_empty=False,
        help_text="0 Monday to 6 Sunday; all by default.",
    )
    time_from = serializers.TimeField(required=False, help_text="Earliest start, the location's wall clock.")
    time_to = serializers.TimeField(required=False, help_text="Latest start, the location's wall clock.")

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        data.setdefault("weekdays", list(EVERY_WEEKDAY))
        return data


class AcceptSerializer(IntakeSerializer):
    """The intake answers given on accepting, each optional."""
