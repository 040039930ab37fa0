"""Admin for the clinic's locations, rooms and room features (the owner's to change; the front desk reads)."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.db.models import Count, QuerySet
from django.forms import CheckboxSelectMultiple
from django.http import HttpRequest

from clinic.admin_lookups import AllowListedLookups
from locations.models import Location, Room, RoomFeature


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0
    fields = ["name", "features", "is_active"]
    formfield_overrides = {models.ManyToManyField: {"widget": CheckboxSelectMultiple}}
    show_change_link = True


@admin.register(Location)
class LocationAdmin(AllowListedLookups):
    list_display = ["name", "address", "phone", "time_zone", "room_count", "is_active", "display_order"]
    list_filter = ["is_active"]
    search_fields = ["name", "address"]
    list_editable = ["display_order"]
    inlines = [RoomInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Location]:
        return super().get_queryset(request).annotate(rooms_count=Count("rooms"))

    @admin.display(description="rooms", ordering="rooms_count")
    def room_count(self, obj: Location) -> int:
        return obj.rooms_count  # type: ignore[attr-defined]

    def has_delete_permission(self, request: HttpRequest, obj: Location | None = None) -> bool:
        # Working hours and sessions keep their place: take a location out of use instead.
        return False


@admin.register(Room)
class RoomAdmin(AllowListedLookups):
    list_display = ["name", "location", "feature_list", "is_active"]
    list_filter = ["location", "is_active", "features"]
    search_fields = ["name", "location__name"]
    list_select_related = ["location"]
    formfield_overrides = {models.ManyToManyField: {"widget": CheckboxSelectMultiple}}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Room]:
        return super().get_queryset(request).prefetch_related("features")

    @admin.display(description="features")
    def feature_list(self, obj: Room) -> str:
        return ", ".join(feature.name for feature in obj.features.all()) or "—"

    def has_delete_permission(self, request: HttpRequest, obj: Room | None = None) -> bool:
        # Sessions keep their room: take it out of use instead.
        return False


@admin.register(RoomFeature)
class RoomFeatureAdmin(AllowListedLookups):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
