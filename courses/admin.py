"""Admin for the home-care library: the clinic writes and reviews each item in its own words."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from clinic.admin_lookups import AllowListedLookups
from courses.models import HomeCareItem

DISCLAIMER = (
    "Patients see every item with the guidance's disclaimer: this is general information, not medical "
    "advice, and does not replace an examination or advice from their doctor or health provider; with the "
    "item's review date. Write the steps in the clinic's own words, one short step per line, and say who "
    "should not do it (or should ask their provider first). A patient who reported a red flag is told to "
    "see a doctor first, whatever their plan says."
)


@admin.register(HomeCareItem)
class HomeCareItemAdmin(AllowListedLookups):
    list_display = ["title", "how_often", "reviewed_on", "is_active", "display_order"]
    list_filter = ["is_active"]
    search_fields = ["title", "summary"]
    list_editable = ["display_order"]
    fieldsets = [
        (None, {"fields": ["title", "summary", "steps", "how_often", "not_for"], "description": DISCLAIMER}),
        ("Review", {"fields": ["reviewed_on", "is_active", "display_order"]}),
    ]

    def has_delete_permission(self, request: HttpRequest, obj: HomeCareItem | None = None) -> bool:
        # Plans keep the items they gave: take an item out of use instead.
        return False
