"""Admin list filtering as an allow-list: only what the admin's own filters offer.

Django's `ModelAdmin.lookup_allowed` lets any lookup on a local field through, and any on a
related model's primary key, so `?auth_token__key__startswith=a` or
`?calendar_token__startswith=a` read a secret character by character from the result count.
Here a query-string lookup is allowed only when one of the admin's own `list_filter` entries,
its `date_hierarchy` or the links the project builds to it (`linked_lookups`) produce it, and
never when its path touches a secret field (passwords, tokens and keys, health data). The
clinic's admin site (clinic.admin_site) gives every ModelAdmin registered on it this mixin.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.contrib.admin.filters import EmptyFieldListFilter, ListFilter, SimpleListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest

# Credentials: the password hash, every token (DRF's `key`, knox's `digest` and
# `token_key`, a therapist's `calendar_token`, a claim token), one-time-password keys.
CREDENTIAL_NAMES = frozenset({"password", "key", "digest", "secret", "salt"})
# Health data: the intake's health answers and the SOAP text of session notes.
HEALTH_NAMES = frozenset(
    {
        "health_notes",
        "focus_areas",
        "pain_level",
        "pressure",
        "red_flags",
        "provider_consulted",
        "subjective",
        "objective",
        "assessment",
        "plan",
        "pain_after",
    }
)


def is_secret_field(model: type[models.Model], name: str) -> bool:
    """Return whether a lookup through this field of the model could read a secret."""
    # Anything named for a token (a field, or a reverse relation such as `auth_token`), and
    # every field of a token model, whatever the library calls its columns.
    if "token" in name or "token" in (model._meta.model_name or ""):
        return True
    return name in CREDENTIAL_NAMES or name in HEALTH_NAMES


def touches_secret(model: type[models.Model], lookup: str) -> bool:
    """Return whether the lookup path (`a__b__startswith`) passes through a secret field."""
    for part in lookup.split(LOOKUP_SEP):
        if is_secret_field(model, part):
            return True
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # the rest are transforms and lookups (`startswith`, `year`)
        related = field.related_model
        if not field.is_relation or not isinstance(related, type):
            return False
        model = related
    return False


def field_filter_parameters(model: type[models.Model], path: str, filter_class: Any = None) -> set[str]:
    """Return the query parameters that Django's field list filter on `path` reads."""
    field: Any = get_fields_from_path(model, path)[-1]
    if isinstance(filter_class, type) and issubclass(filter_class, EmptyFieldListFilter):
        return {f"{path}__isempty"}
    # The same order of tests as FieldListFilter.create (django/contrib/admin/filters.py).
    if field.remote_field:
        return {f"{path}__{field.target_field.name}__exact", f"{path}__isnull"}
    if isinstance(field, models.BooleanField) or field.choices:
        return {f"{path}__exact", f"{path}__isnull"}
    if isinstance(field, models.DateField):
        return {f"{path}__gte", f"{path}__lt", f"{path}__isnull"}
    return {path, f"{path}__isnull"}


def filter_parameters(model: type[models.Model], list_filter: Iterable[Any], date_hierarchy: str | None) -> set[str]:
    """Return every query parameter the list filters and the date hierarchy produce."""
    allowed: set[str] = set()
    for item in list_filter:
        if isinstance(item, type) and issubclass(item, SimpleListFilter):
            allowed.add(str(item.parameter_name))
        elif isinstance(item, type) and issubclass(item, ListFilter):
            continue  # a hand-written filter class states no parameters: it gets none
        elif isinstance(item, (list, tuple)):
            allowed |= field_filter_parameters(model, item[0], item[1])
        else:
            allowed |= field_filter_parameters(model, item)
    if date_hierarchy:
        allowed |= {f"{date_hierarchy}__year", f"{date_hierarchy}__month", f"{date_hierarchy}__day"}
    return allowed


class AllowListedLookups(admin.ModelAdmin):
    """A ModelAdmin whose changelist accepts only the lookups of its own filters and links."""

    # Lookups of links the project builds to this changelist beyond its filters.
    linked_lookups: tuple[str, ...] = ()

    def allowed_lookups(self, request: HttpRequest) -> set[str]:
        """Return the query-string lookups this changelist accepts for this request."""
        wanted = filter_parameters(self.model, self.get_list_filter(request), self.date_hierarchy)
        wanted |= set(self.linked_lookups)
        return {lookup for lookup in wanted if not touches_secret(self.model, lookup)}

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        if request is None or lookup not in self.allowed_lookups(request):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_fields(self, request: HttpRequest) -> Any:
        # A search is a lookup too (`icontains`): a secret field never joins it, even when a
        # library's admin lists one.
        return [
            name for name in super().get_search_fields(request) if not touches_secret(self.model, name.lstrip("^=@"))
        ]


def with_allow_listed_lookups(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """Return the admin class, given AllowListedLookups first if it lacks it."""
    if issubclass(admin_class, AllowListedLookups):
        return admin_class
    return type(admin_class.__name__, (AllowListedLookups, admin_class), {"__module__": admin_class.__module__})
