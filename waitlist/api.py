"""The patient's waitlist API under /api/v1/waitlist/: join, list, leave, and answer an offer.

Who may call it: any signed-in person, about their own entries and offers; another
person's entry or offer answers 404. Writes go through `waitlist.services`; their
BookingErrors map to the one JSON error shape (booking.api.errors).
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from booking.api.schema import error_responses
from booking.api.serializers import AppointmentSerializer
from clinic.models import User
from waitlist import serializers as s
from waitlist import services
from waitlist.models import OPEN_ENTRY_STATES, Offer, OfferState, WaitlistEntry

TAGS = ["waitlist"]


def _caller(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _entries(user: User) -> QuerySet[WaitlistEntry]:
    open_offers = Offer.objects.filter(state=OfferState.OPEN).select_related(
        "appointment__therapist", "appointment__room"
    )
    return (
        WaitlistEntry.objects.filter(patient=user)
        .select_related("massage_type")
        .prefetch_related("therapists", Prefetch("offers", queryset=open_offers, to_attr="open_offers"))
    )


def _own_offer(user: User, pk: int) -> Offer:
    return get_object_or_404(
        Offer.objects.filter(entry__patient=user).select_related(
            "entry", "appointment__therapist", "appointment__room"
        ),
        pk=pk,
    )


class ThrottledWrites:
    """Joining and answering share the booking throttle."""

    throttle_scope = "booking"

    def get_throttles(self) -> list[BaseThrottle]:
        if self.request.method in ("POST", "DELETE"):  # type: ignore[attr-defined]
            return [ScopedRateThrottle()]
        return []


class WaitlistView(ThrottledWrites, APIView):
    @extend_schema(
        operation_id="waitlist_list",
        summary="The caller's open waitlist entries",
        responses={200: s.WaitlistEntrySerializer(many=True), **error_responses(401)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        """List the caller's waiting entries (and those with an offer out), oldest first."""
        entries = _entries(_caller(request)).filter(state__in=OPEN_ENTRY_STATES).order_by("joined_at", "pk")
        return Response(s.WaitlistEntrySerializer(entries, many=True).data)

    @extend_schema(
        operation_id="waitlist_join",
        summary="Join the waitlist",
        request=s.JoinSerializer,
        responses={201: s.WaitlistEntrySerializer, **error_responses(400, 401, 409, 429)},
        tags=TAGS,
        description=(
            "Wait for a massage at a location (or any), with some therapists (or any), between two dates "
            "(up to the booking horizon), on some weekdays and between two start times. Freed time is "
            "offered in the order people joined, held for a while and e-mailed with a one-click link. "
            "409 `too_many_waitlist_entries` beyond the number of entries a patient keeps."
        ),
    )
    def post(self, request: Request) -> Response:
        """Put the caller on the waitlist."""
        serializer = s.JoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.join(patient=_caller(request), **serializer.service_arguments())
        return Response(
            s.WaitlistEntrySerializer(_entries(_caller(request)).get(pk=entry.pk)).data, status=status.HTTP_201_CREATED
        )


class WaitlistEntryView(ThrottledWrites, APIView):
    @extend_schema(
        operation_id="waitlist_leave",
        summary="Leave the waitlist",
        request=None,
        responses={204: None, **error_responses(401, 404, 429)},
        tags=TAGS,
        description="Ends the entry; an offer out for it is withdrawn and its slot offered to the next in line.",
    )
    def delete(self, request: Request, pk: int) -> Response:
        """End one of the caller's entries."""
        entry = get_object_or_404(WaitlistEntry.objects.filter(patient=_caller(request)), pk=pk)
        services.leave(entry=entry, by=_caller(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class OfferAcceptView(ThrottledWrites, APIView):
    @extend_schema(
        operation_id="waitlist_offer_accept",
        summary="Book an offered slot",
        request=s.AcceptSerializer,
        responses={200: AppointmentSerializer, **error_responses(400, 401, 404, 409, 429)},
        tags=TAGS,
        description="Books the held slot with the (optional) intake. 409 `offer_gone` once it was answered or ran out.",
    )
    def post(self, request: Request, pk: int) -> Response:
        """Accept one of the caller's offers."""
        offer = _own_offer(_caller(request), pk)
        serializer = s.AcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booked = services.accept(offer=offer, by=_caller(request), intake=serializer.intake())
        return Response(AppointmentSerializer(booked, context={"request": request}).data)


class OfferDeclineView(ThrottledWrites, APIView):
    @extend_schema(
        operation_id="waitlist_offer_decline",
        summary="Let an offered slot go",
        request=None,
        responses={200: s.OfferSerializer, **error_responses(401, 404, 409, 429)},
        tags=TAGS,
        description="The slot goes to the next in line; the entry keeps waiting. 409 `offer_gone` once answered.",
    )
    def post(self, request: Request, pk: int) -> Response:
        """Decline one of the caller's offers."""
        offer = services.decline(offer=_own_offer(_caller(request), pk), by=_caller(request))
        return Response(s.OfferSerializer(offer).data)
