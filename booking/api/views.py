"""Views of the REST API v1: validate the input, call one service, serialize the result.

Who may call what: the catalogue, the therapists, the locations, availability, sign-up and
sign-in are open to anyone; appointments and API tokens are the signed-in caller's own (another
person's is 404).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.authentication import BaseAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from booking import records, services, stamps
from booking.api import answers, payment_fields, tokens
from booking.api import serializers as s
from booking.api.filters import AppointmentFilter, TherapistFilter
from booking.api.schema import error_responses
from booking.availability import slots_and_zones
from booking.exceptions import CancellationTooLate
from booking.intake import IntakeData
from booking.models import Appointment, MassageType
from booking.opening import open_days
from clinic import accounts
from clinic.db_router import replica_reads
from clinic.models import User
from clinic.rate_limits import client_ident
from locations.models import Location
from therapists.models import Therapist

# The open endpoints read no credentials: a stale or forged token sent along (an app that
# was signed out) must not turn the catalogue or a fresh sign-in into a 401.
PUBLIC: list[type[BaseAuthentication]] = []


def _caller(request: Request) -> User:
    """Return the signed-in caller (IsAuthenticated has already turned anyone else away)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _answer_conditionally(request: HttpRequest, response: HttpResponse, etag: str | None = None) -> HttpResponse:
    """Tag the rendered answer with a weak ETag (of its body unless given); answer 304 when the caller holds it."""
    if etag is None:
        etag = f'W/"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"'
    # Weak: the tag names the JSON, not its bytes on the wire, so the plain and the gzipped
    # answer (GZipMiddleware would weaken a strong tag anyway) carry the same one.
    response["ETag"] = etag
    # Caches may keep the answer but must ask again (with the tag) before reusing it.
    patch_cache_control(response, no_cache=True)
    # Said here too because a 304 is too short for GZipMiddleware to add it, and must carry
    # the same Vary as the answer it revalidates.
    patch_vary_headers(response, ("Accept-Encoding",))
    return get_conditional_response(request, etag=response["ETag"], response=response) or response


class BodyETagMixin:
    """Open GET answers carry an ETag of their body and answer 304 Not Modified to a matching If-None-Match.

    Only for the public reads (catalogue, therapists, availability): an answer about a
    signed-in person is `Cache-Control: no-store` (clinic.headers) and is never revalidated.
    """

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            # The body exists only once the renderer has run, after the view returns.
            response.add_post_render_callback(lambda rendered: _answer_conditionally(request._request, rendered))
        return response


class RegisterView(APIView):
    """Anyone may open a patient account."""

    permission_classes = [AllowAny]
    authentication_classes = PUBLIC
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(
        operation_id="auth_register",
        request=s.RegisterSerializer,
        responses={202: s.SignUpAcceptedSerializer, **error_responses(400, 429)},
        auth=[],
        tags=["auth"],
        description=(
            "Answers 202 the same way for a new address and for one that already has an account "
            "(that one is told so by e-mail). A new account gets a confirmation e-mail; sign in with "
            "`auth/token/`. Until the address is confirmed the account holds one upcoming booking."
        ),
    )
    def post(self, request: Request) -> Response:
        """Open a patient account and e-mail its confirmation; the answer never tells whether the address was known."""
        serializer = s.RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            accounts.sign_up(person=serializer.person(), client=client_ident(request))
        except accounts.TooManyRequests as exc:
            raise exceptions.Throttled(wait=exc.seconds, detail=exc.message) from exc
        email = serializer.validated_data["email"]
        detail = f"We sent a message to {email}. Open it to confirm the address, then sign in."
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


class TokenView(APIView):
    """Anyone may exchange an e-mail and password for a new API token."""

    permission_classes = [AllowAny]
    authentication_classes = PUBLIC
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        operation_id="auth_token",
        request=s.TokenRequestSerializer,
        responses={200: s.TokenSerializer, **error_responses(400, 403, 429)},
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        """Sign in with this e-mail and password: return a new API token and when it ends."""
        serializer = s.TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        instance, secret = tokens.issue_token(user=serializer.validated_data["user"])
        return Response(s.TokenSerializer({"token": secret, "expiry": instance.expiry}).data)


class LogoutView(APIView):
    """A caller signed in with a token may end it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_logout",
        request=None,
        responses={204: None, **error_responses(400, 401)},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        """End the token this request is signed with."""
        if not isinstance(request.auth, AuthToken):
            # Signed in by the site's session: there is no token to end, and the session stays.
            raise ValidationError("This request carries no API token; sign out of the site at /accounts/logout/.")
        tokens.revoke_token(user=_caller(request), token_id=request.auth.token_key)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """A signed-in caller may end every token of their account."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_logout_all",
        request=None,
        responses={204: None, **error_responses(401)},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        """End every API token of the caller's account."""
        tokens.revoke_all_tokens(user=_caller(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="The caller's API tokens", responses={200: s.ApiTokenSerializer(many=True), **error_responses(401)}
    ),
    destroy=extend_schema(
        summary="End one of the caller's API tokens", responses={204: None, **error_responses(401, 404)}
    ),
)
@extend_schema(tags=["auth"])
class ApiTokenViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[AuthToken]):
    """A signed-in caller's own API tokens, by id; anyone else's answers 404."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.ApiTokenSerializer
    pagination_class = None  # at most TOKEN_LIMIT_PER_USER of them
    filter_backends: list[Any] = []
    lookup_field = "token_key"
    lookup_url_kwarg = "id"

    def get_queryset(self) -> QuerySet[AuthToken]:
        if getattr(self, "swagger_fake_view", False):
            return AuthToken.objects.none()
        return tokens.live_tokens(_caller(self.request))

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "current": self.request.auth}

    def destroy(self, request: Request, id: str) -> Response:
        """End one of the caller's tokens."""
        if not tokens.revoke_token(user=_caller(request), token_id=id):
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="The active catalogue", responses={200: s.MassageTypeSerializer(many=True)}),
    retrieve=extend_schema(
        summary="One massage type", responses={200: s.MassageTypeSerializer, **error_responses(404)}
    ),
)
@extend_schema(auth=[], tags=["catalogue"])
class MassageTypeViewSet(BodyETagMixin, viewsets.ReadOnlyModelViewSet[MassageType]):
    """Anyone may read the active catalogue."""

    permission_classes = [AllowAny]
    authentication_classes = PUBLIC
    serializer_class = s.MassageTypeSerializer
    queryset = MassageType.objects.active()
    pagination_class = None
    filter_backends: list[Any] = []


@extend_schema_view(
    list=extend_schema(summary="The clinic's open locations", responses={200: s.LocationSerializer(many=True)}),
)
@extend_schema(auth=[], tags=["catalogue"])
class LocationViewSet(BodyETagMixin, mixins.ListModelMixin, viewsets.GenericViewSet[Location]):
    """Anyone may read where the clinic takes bookings: name, address, phone and time zone."""

    permission_classes = [AllowAny]
    authentication_classes = PUBLIC
    serializer_class = s.LocationSerializer
    queryset = Location.objects.active()
    pagination_class = None
    filter_backends: list[Any] = []


@extend_schema_view(
    list=extend_schema(
        summary="The active therapists", responses={200: s.TherapistSerializer(many=True), **error_responses(400)}
    ),
    retrieve=extend_schema(summary="One therapist", responses={200: s.TherapistSerializer, **error_responses(404)}),
)
@extend_schema(auth=[], tags=["catalogue"])
class TherapistViewSet(BodyETagMixin, viewsets.ReadOnlyModelViewSet[Therapist]):
    """Anyone may read the active therapists and what they offer."""

    permission_classes = [AllowAny]
    authentication_classes = PUBLIC
    serializer_class = s.TherapistSerializer
    queryset = (
        Therapist.objects.active()
        .prefetch_related(Prefetch("massage_types", queryset=MassageType.objects.active().only("pk")))
        .distinct()
    )
    filterset_class = TherapistFilter
    pagination_class = None

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with replica_reads():
            return super().list(request, *args, **kwargs)


class AvailabilityView(APIView):
    """Anyone may browse the free slots; booking one needs an account.

    The ETag comes from booking.stamps, read before the answer: a caller revalidating an
    answer nothing has changed gets its 304 for one query, before anything is computed, and
    the answer itself is kept under its tag (booking.api.answers) for whoever asks the same next.
    """

    permission_classes = [AllowAny]
    authentication_classes = PUBLIC

    @extend_schema(
        operation_id="availability",
        parameters=[s.AvailabilityQuerySerializer],
        responses={200: s.AvailabilitySerializer, **error_responses(400, 404)},
        auth=[],
        tags=["availability"],
        description=(
            "`days` says which dates of the range anyone works (a day open but without slots is full). "
            "With `location`, only that location's slots and days, in its time zone (`time_zone`); each slot "
            "names its location, and its times carry the offset of that location's zone. "
            "With `ignoring`, the caller's own appointment does not count as busy, so a reschedule may "
            "overlap it; the caller signs in as for the appointments (session or token), and an appointment "
            "that is not theirs answers 404."
        ),
    )
    def get(self, request: Request) -> HttpResponse:
        """Return the free slots of a massage type between two clinic dates (inclusive), and which dates are worked."""
        now = timezone.now()
        with replica_reads():
            etag = stamps.availability_etag(request.query_params, now=now)
        # The tag an answer shared by every caller is kept under (not one that ignores a caller's own session).
        shared_tag = etag if "ignoring" not in request.query_params else None
        if shared_tag is not None:
            # Nothing computed yet: a tag that still matches answers 304 here.
            blank = HttpResponse(content_type="application/json")
            answer = get_conditional_response(request._request, etag=shared_tag, response=blank)
            if answer is not None and answer.status_code == 304:
                return _answer_conditionally(request._request, answer, etag)
            # Any caller asking what someone asked since the last change gets that answer: it
            # was computed after its stamps were read, so it is never older than its tag.
            kept = answers.kept(shared_tag)
            if kept is not None:
                return _answer_conditionally(
                    request._request, HttpResponse(kept, content_type="application/json"), etag
                )
        query = s.AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        therapist = data.get("therapist")
        therapists = None if therapist is None else [therapist]
        location: Location | None = data.get("location")
        ignoring = data.get("ignoring")
        if ignoring is not None:
            self._check_own_appointment(request, ignoring)
        kind, date_from, date_to = data["massage_type"], data["date_from"], data["date_to"]
        # A suggestion only: booking one of these slots checks it again on the primary.
        with replica_reads():
            # Each slot's times carry the offset of its location's zone, read with the hours.
            slots, zones = slots_and_zones(
                kind, date_from, date_to, therapists, ignoring=ignoring, location=location, now=now
            )
            days = open_days(kind, date_from, date_to, therapists, location=location)
        body = s.availability_json(
            time_zone=location.time_zone if location else settings.TIME_ZONE, slots=slots, days=days, zones=zones
        )
        if shared_tag is not None:
            answers.keep(shared_tag, body)
        return _answer_conditionally(request._request, HttpResponse(body, content_type="application/json"), etag)

    def _check_own_appointment(self, request: Request, pk: int) -> None:
        """Raise 404 unless the caller is signed in and the appointment is theirs as a patient."""
        # The view reads no credentials for the open answer (DRF has set an anonymous user);
        # only `ignoring` asks who calls: an API token, else the pages' session.
        try:
            found = TokenAuthentication().authenticate(request)
        except exceptions.AuthenticationFailed:
            found = None
        caller = found[0] if found is not None else auth.get_user(request._request)
        if not caller.is_authenticated:
            raise NotFound("No such appointment.")
        # Also tells clinic.headers that this answer is about a signed-in person (no-store).
        request.user = caller
        if not Appointment.objects.sessions().for_patient(caller).filter(pk=pk).exists():
            raise NotFound("No such appointment.")


@extend_schema_view(
    list=extend_schema(
        summary="The caller's appointments",
        responses={200: s.AppointmentSerializer(many=True), **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary="One of the caller's appointments",
        responses={200: s.AppointmentSerializer, **error_responses(401, 404)},
    ),
    create=extend_schema(
        summary="Book a slot",
        request=s.BookingRequestSerializer,
        responses={201: s.AppointmentSerializer, **error_responses(400, 401, 403, 409, 429)},
    ),
    partial_update=extend_schema(
        summary="Complete or change the intake before the session",
        request=s.IntakeSerializer,
        responses={200: s.AppointmentSerializer, **error_responses(400, 401, 404, 409)},
    ),
    cancel=extend_schema(
        summary="Cancel within the policy",
        request=s.CancelRequestSerializer,
        responses={200: s.AppointmentSerializer, **error_responses(400, 401, 404, 409, 429)},
    ),
    reschedule=extend_schema(
        summary="Move to another free slot within the policy",
        request=s.RescheduleRequestSerializer,
        responses={
            200: OpenApiResponse(s.AppointmentSerializer, description="The appointment at its new time."),
            **error_responses(400, 401, 404, 409, 429),
        },
    ),
)
@extend_schema(tags=["appointments"])
class AppointmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Appointment],
):
    """A signed-in person's own appointments as a patient; anyone else's answer 404."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.AppointmentSerializer
    filterset_class = AppointmentFilter
    throttle_scope = "booking"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Appointment]:
        if getattr(self, "swagger_fake_view", False):
            return Appointment.objects.none()
        return (
            Appointment.objects.sessions()
            .for_patient(self.request.user)
            .select_related("massage_type", "therapist", "room__location")
            .order_by("start", "pk")
        )

    def get_throttles(self) -> list[BaseThrottle]:
        # Only the writes that hold a therapist's time are throttled; reading is free.
        if self.request.method == "POST":
            return [ScopedRateThrottle()]
        return []

    def create(self, request: Request) -> Response:
        """Book the slot for the caller."""
        serializer = s.BookingRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        appointment = services.book(
            patient=_caller(request),
            therapist=data["therapist"],
            massage_type=data["massage_type"],
            start=data["start"],
            intake=serializer.intake(),
        )
        return Response(self._render(appointment), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Replace the given intake answers of one of the caller's appointments."""
        appointment = self.get_object()
        serializer = s.IntakeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        intake = serializer.intake(base=IntakeData.of(appointment))
        appointment = records.update_intake(appointment=appointment, by=_caller(request), intake=intake)
        return Response(self._render(appointment))

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel one of the caller's appointments."""
        appointment = self.get_object()
        serializer = s.CancelRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            appointment = services.cancel(
                appointment=appointment,
                by=_caller(request),
                reason=data["reason"],
                late_fee_accepted=data["accept_late_fee"],
            )
        except CancellationTooLate as refused:
            offer = self._late_fee(appointment)
            if data["accept_late_fee"] or offer is None:
                raise
            # Still possible, at a price: say it, so the patient can accept it.
            raise CancellationTooLate(
                f"{offer.message} Send accept_late_fee: true to cancel with the fee."
            ) from refused
        return Response(self._render(appointment))

    def _late_fee(self, appointment: Appointment) -> payment_fields.LateFee | None:
        side = payment_fields.describe([appointment], now=timezone.now()).get(appointment.pk)
        return side.late_cancellation if side is not None else None

    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, pk: str | None = None) -> Response:
        """Move one of the caller's appointments to another free slot."""
        appointment = self.get_object()
        serializer = s.RescheduleRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        appointment = services.reschedule(
            appointment=appointment, by=_caller(request), start=data["start"], therapist=data.get("therapist")
        )
        return Response(self._render(appointment))

    def _render(self, appointment: Appointment) -> dict[str, Any]:
        return s.AppointmentSerializer(appointment, context=self.get_serializer_context()).data
