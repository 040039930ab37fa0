"""The patient's payment API under /api/v1/: saved cards, their charges and refunds, paying an owed charge.

Who may call it: any signed-in person, about their own card and their own charges as a
patient; another person's card or charge answers 404. Card numbers never come here: the
browser gives them to Stripe.js, and these endpoints pass only Stripe's ids. Writes go
through `payments.cards` and `payments.pay_now`; their BookingErrors map to the one JSON
error shape (booking.api.errors).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from booking.api.schema import error_responses
from clinic.models import User
from payments import cards, pay_now
from payments import serializers as s
from payments.models import Card, Charge

TAGS = ["payments"]


def _caller(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class ThrottledWrites:
    """Writes that reach Stripe share the booking throttle: nobody tries card after card."""

    throttle_scope = "booking"

    def get_throttles(self) -> list[BaseThrottle]:
        if self.request.method == "POST":  # type: ignore[attr-defined]
            return [ScopedRateThrottle()]
        return []


def own_charge(user: User, pk: int) -> Charge:
    """Return the caller's charge as a patient, or 404 for anyone else's."""
    return get_object_or_404(Charge.objects.for_patient(user.pk).select_related("appointment"), pk=pk)


class PaymentMethodSetupView(ThrottledWrites, APIView):
    @extend_schema(
        operation_id="payment_methods_setup",
        summary="Start saving a card",
        request=None,
        responses={200: s.SetupSerializer, **error_responses(401, 403, 409, 429)},
        tags=TAGS,
        description=(
            "Answers the client secret of a SetupIntent (off-session use) and the publishable key: confirm it "
            "with Stripe.js (`confirmCardSetup`) in Stripe's own card field, then send its id to "
            "`POST payment-methods/`. 409 `payments_off` when the clinic takes no cards online; 403 for the "
            "clinic's staff (cards are saved by patients)."
        ),
    )
    def post(self, request: Request) -> Response:
        """Start saving a card for the caller."""
        setup = cards.start_setup(user=_caller(request))
        return Response(
            s.SetupSerializer({"client_secret": setup.client_secret, "publishable_key": setup.publishable_key}).data
        )


class PaymentMethodListView(ThrottledWrites, APIView):
    @extend_schema(
        operation_id="payment_methods_list",
        summary="The caller's saved card",
        responses={200: s.CardSerializer(many=True), **error_responses(401)},
        tags=TAGS,
        description="At most one card is in use: a list of none or one.",
    )
    def get(self, request: Request) -> Response:
        """Return the caller's card in use (none or one)."""
        found = Card.objects.filter(user=_caller(request), removed_at__isnull=True)
        return Response(s.CardSerializer(found, many=True).data)

    @extend_schema(
        operation_id="payment_methods_save",
        summary="Keep the card the caller confirmed with Stripe.js",
        request=s.SaveCardRequestSerializer,
        responses={201: s.CardSerializer, **error_responses(400, 401, 429)},
        tags=TAGS,
        description=(
            "It replaces the card saved before. 400 when the SetupIntent is unknown, another's, or unconfirmed."
        ),
    )
    def post(self, request: Request) -> Response:
        """Save the card of a confirmed SetupIntent for the caller."""
        body = s.SaveCardRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        card = cards.save_card(user=_caller(request), setup_intent=body.validated_data["setup_intent"])
        return Response(s.CardSerializer(card).data, status=status.HTTP_201_CREATED)


class PaymentMethodDetailView(APIView):
    @extend_schema(
        operation_id="payment_methods_remove",
        summary="Remove the caller's saved card",
        responses={204: None, **error_responses(401, 404)},
        tags=TAGS,
        description="Stripe forgets it too. Another person's card, or one already removed, answers 404.",
    )
    def delete(self, request: Request, pk: int) -> Response:
        """Stop using one of the caller's cards."""
        user = _caller(request)
        card = get_object_or_404(Card, pk=pk, user=user, removed_at__isnull=True)
        cards.remove_card(user=user, card=card)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChargeListView(generics.ListAPIView[Charge]):
    serializer_class = s.ChargeSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Charge]:
        if getattr(self, "swagger_fake_view", False):
            return Charge.objects.none()
        return Charge.objects.for_patient(_caller(self.request).pk).prefetch_related("refunds")

    @extend_schema(
        operation_id="payments_list",
        summary="The caller's charges and their refunds",
        # 404: a page past the end (the list is paginated like the appointments).
        responses={200: s.ChargeSerializer(many=True), **error_responses(401, 404)},
        tags=TAGS,
        description=(
            "Every sum the caller's appointments owe or paid, newest first: deposits, fees and balances, in the "
            "currency's major unit as decimal strings. State `failed` is a declined charge still owed: pay it "
            "with `POST payments/{id}/pay/`."
        ),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Return the caller's charges, newest first."""
        return super().get(request, *args, **kwargs)


class PayNowView(ThrottledWrites, APIView):
    @extend_schema(
        operation_id="payments_pay",
        summary="Start paying an owed charge online",
        request=None,
        responses={200: s.PaymentStartSerializer, **error_responses(401, 403, 404, 409, 429)},
        tags=TAGS,
        description=(
            "For a declined charge (state `failed`): answers the client secret of a PaymentIntent to confirm with "
            "Stripe.js (`confirmCardPayment`), then call `payments/{id}/pay/finish/`. Asked again during the same "
            "attempt, it answers the same PaymentIntent. 409 when nothing is to be paid online (paid, waived, "
            "waiting for the clinic, being charged) or the clinic takes no cards online (`payments_off`)."
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        """Open the online payment of one of the caller's owed charges."""
        user = _caller(request)
        payment = pay_now.begin(user=user, charge=own_charge(user, pk))
        answer = {
            "client_secret": payment.client_secret,
            "publishable_key": payment.publishable_key,
            "amount": payment.amount,
            "currency": payment.currency,
        }
        return Response(s.PaymentStartSerializer(answer).data)


class PayNowFinishView(APIView):
    @extend_schema(
        operation_id="payments_pay_finish",
        summary="Settle an online payment after Stripe.js confirmed it",
        request=None,
        responses={200: s.ChargeSerializer, **error_responses(401, 403, 404, 409)},
        tags=TAGS,
        description=(
            "The server asks Stripe how the payment went and answers the charge: `succeeded` (paid), "
            "`failed` (declined: start again with another card, the message says why) or `sending` (still "
            "being confirmed)."
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        """Settle one of the caller's online payments from what Stripe says of it."""
        user = _caller(request)
        charge = pay_now.finish(user=user, charge=own_charge(user, pk))
        return Response(s.ChargeSerializer(Charge.objects.prefetch_related("refunds").get(pk=charge.pk)).data)
