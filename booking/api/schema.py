"""OpenAPI pieces shared by the API views: the error document and its responses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

_DESCRIPTIONS = {
    400: "Invalid input: `fields` names each field that is wrong (code `invalid` or `malformed_json`).",
    401: "Not signed in (code `not_authenticated`): send `Authorization: Token <token>`.",
    403: "Not allowed for this caller (code `permission_denied`).",
    404: "Absent, or not yours (code `not_found`).",
    409: "The slot is taken or a clinic policy refuses (codes `slot_taken`, `slot_unavailable`, "
    "`cancellation_too_late`, `too_many_appointments`, `notice_too_short`, `beyond_horizon`, `invalid_status`, "
    "`patient_busy` (the patient has another session then), `email_unconfirmed` (confirm the address first)).",
    429: "Too many requests (code `throttled`); retry after the `Retry-After` header's seconds.",
}


class ErrorDetailSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="A stable, machine-readable code.")
    message = serializers.CharField(help_text="A sentence for people.")
    # Named like the error document's key; DRF's metaclass moves it out of the class attributes.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.CharField(), help_text="One message per invalid field."
    )


class ErrorSerializer(serializers.Serializer[Any]):
    error = ErrorDetailSerializer()


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Return the OpenAPI responses of the given error statuses, all in the one error shape."""
    return {status: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[status]) for status in statuses}
