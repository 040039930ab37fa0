"""Admin for room closures: closing a room moves the sessions it covers through booking.rooms.

The add form plans the moves when it is validated (nothing is written in clean()); the
first post of a closure over booked sessions shows them, each with the room it will move
to or "no room free", and asks what happens to those no room can take. The save then runs
`close_room` with the sessions the staff member saw, so one booked meanwhile is never
moved or cancelled unseen.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from booking import rooms
from booking.admin_forms import AppointmentRefused, describe_appointment
from booking.exceptions import BookingError
from clinic.admin_lookups import AllowListedLookups
from clinic.models import User
from locations.models import RoomClosure


class RoomClosureForm(forms.ModelForm):
    unmovable = forms.ChoiceField(
        choices=rooms.Unmovable.choices,
        widget=forms.RadioSelect,
        required=False,
        label="Sessions no other room can take",
    )
    acknowledged = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = RoomClosure
        fields = ("room", "start", "end", "reason")

    def acknowledged_ids(self) -> list[int]:
        raw = self.cleaned_data.get("acknowledged") or ""
        return [int(part) for part in raw.split(",") if part.strip().isdigit()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        room, start, end = cleaned.get("room"), cleaned.get("start"), cleaned.get("end")
        if room is None or start is None or end is None or start >= end:
            return cleaned
        moves = rooms.plan_moves(room=room, start=start, end=end, now=timezone.now())
        seen = set(self.acknowledged_ids())
        ids = [move.appointment.pk for move in moves]
        stuck = [move for move in moves if move.to is None]
        if moves and (set(ids) - seen or (stuck and not cleaned.get("unmovable"))):
            # Show the plan and carry the ids of what was shown into the next post.
            data = cast(QueryDict, self.data).copy()
            data[self.add_prefix("acknowledged")] = ",".join(str(pk) for pk in ids)
            self.data = data
            lines = format_html_join(
                "",
                "<li>{}: {} — {}</li>",
                (
                    (
                        move.appointment.therapist,
                        describe_appointment(move.appointment),
                        f"moves to {move.to.name}" if move.to else "no other suitable room is free",
                    )
                    for move in moves
                ),
            )
            advice = (
                "Choose what happens to the sessions no room can take, and save again."
                if stuck
                else "Save again to close the room and move them."
            )
            raise ValidationError(
                format_html("This closure covers {} booked session(s):<ul>{}</ul>{}", len(moves), lines, advice),
                code="covers_sessions",
            )
        return cleaned


@admin.register(RoomClosure)
class RoomClosureAdmin(AllowListedLookups):
    form = RoomClosureForm
    list_display = ["room", "start", "end", "reason", "created_at"]
    list_filter = ["room__location", "room"]
    search_fields = ["room__name", "reason"]
    date_hierarchy = "start"
    list_select_related = ["room__location"]
    ordering = ["-start"]

    def get_fields(self, request: HttpRequest, obj: RoomClosure | None = None) -> Any:
        if obj is None:
            return ["room", "start", "end", "reason", "unmovable", "acknowledged"]
        return ["room", "start", "end", "reason", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: RoomClosure | None = None) -> Any:
        return [] if obj is None else ["room", "start", "end", "reason", "created_at"]

    def delete_model(self, request: HttpRequest, obj: RoomClosure) -> None:
        rooms.reopen_room(closure=obj, by=cast(User, request.user))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoomClosure]) -> None:
        for closure in queryset:
            rooms.reopen_room(closure=closure, by=cast(User, request.user))

    def has_change_permission(self, request: HttpRequest, obj: RoomClosure | None = None) -> bool:
        # A closure is added (with its moves) or removed, never stretched in place.
        return False

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except AppointmentRefused as refusal:
            # The admin's transaction rolled back whole: nothing was closed or moved.
            self.message_user(request, f"The room was not closed: {refusal.message}", messages.ERROR)
            return HttpResponseRedirect(request.path)

    def save_model(self, request: HttpRequest, obj: RoomClosure, form: Any, change: bool) -> None:
        data = form.cleaned_data
        try:
            result = rooms.close_room(
                room=data["room"],
                start=data["start"],
                end=data["end"],
                reason=data.get("reason") or "",
                by=cast(User, request.user),
                unmovable=data.get("unmovable") or None,
                acknowledged=form.acknowledged_ids(),
            )
        except BookingError as exc:
            # Something changed since the plan was shown: roll back and show the page again.
            raise AppointmentRefused(exc.message, dict(exc.fields)) from exc
        obj.pk = result.closure.pk
        obj.created_at = result.closure.created_at
        obj._state.adding = False
        summary = f"{len(result.moved)} session(s) moved to another room"
        if result.kept:
            summary += f", {len(result.kept)} kept"
        if result.cancelled:
            summary += f", {len(result.cancelled)} cancelled and the patients notified"
        if result.moved or result.kept or result.cancelled:
            self.message_user(request, summary + ".", messages.INFO)
