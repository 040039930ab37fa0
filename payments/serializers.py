"""Serializers of the patient's payment API: saved cards, charges and refunds, the pay-now steps."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from payments.models import Card, Charge, ChargeKind, ChargeState, Method, Refund, RefundState


class SetupSerializer(serializers.Serializer[Any]):
    client_secret = serializers.CharField(
        read_only=True, help_text="The SetupIntent's client secret, for Stripe.js' confirmCardSetup."
    )
    publishable_key = serializers.CharField(read_only=True, help_text="The clinic's Stripe publishable key.")


class SaveCardRequestSerializer(serializers.Serializer[Any]):
    setup_intent = serializers.CharField(
        max_length=64, help_text="The id (seti_...) of the SetupIntent Stripe.js confirmed with the card."
    )


class CardSerializer(serializers.ModelSerializer[Card]):
    """A saved card as the patient sees it: Stripe keeps the number, we keep the brand and the last four digits."""

    class Meta:
        model = Card
        fields = ["id", "brand", "last4", "exp_month", "exp_year", "created_at"]
        read_only_fields = fields


class RefundSerializer(serializers.ModelSerializer[Refund]):
    state = serializers.ChoiceField(choices=RefundState.choices, read_only=True)

    class Meta:
        model = Refund
        fields = ["id", "amount", "state", "created_at", "settled_at"]
        read_only_fields = fields


class ChargeSerializer(serializers.ModelSerializer[Charge]):
    """One sum of the patient's ledger; list with prefetch_related("refunds")."""

    kind = serializers.ChoiceField(choices=ChargeKind.choices, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True, help_text="The kind in words.")
    state = serializers.ChoiceField(choices=ChargeState.choices, read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True, help_text="The state in words.")
    method = serializers.ChoiceField(choices=Method.choices, read_only=True)
    last4 = serializers.CharField(
        source="card_last4", read_only=True, help_text="The last four digits of the card charged, or ''."
    )
    appointment = serializers.IntegerField(source="appointment_id", read_only=True)
    total = serializers.DecimalField(max_digits=9, decimal_places=2, read_only=True, help_text="amount + tip.")
    failure_message = serializers.CharField(
        read_only=True, help_text="Why the card was declined, when the charge is owed after a decline; '' otherwise."
    )
    refunds = RefundSerializer(many=True, read_only=True)

    class Meta:
        model = Charge
        fields = [
            "id",
            "kind",
            "kind_display",
            "amount",
            "tip",
            "total",
            "currency",
            "state",
            "state_display",
            "method",
            "last4",
            "appointment",
            "failure_message",
            "created_at",
            "settled_at",
            "refunds",
        ]
        read_only_fields = fields


class PaymentStartSerializer(serializers.Serializer[Any]):
    client_secret = serializers.CharField(
        read_only=True, help_text="The PaymentIntent's client secret, for Stripe.js' confirmCardPayment."
    )
    publishable_key = serializers.CharField(read_only=True, help_text="The clinic's Stripe publishable key.")
    amount = serializers.DecimalField(max_digits=9, decimal_places=2, read_only=True, help_text="What is paid.")
    currency = serializers.CharField(read_only=True)
