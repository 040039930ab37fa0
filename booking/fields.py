"""A list of choices kept in one JSON column: ticked as checkboxes in forms, checked against its choices."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.deconstruct import deconstructible


@deconstructible
class ChoiceListValidator:
    """Refuse anything but a list of distinct values of the given choices."""

    def __init__(self, choices: type[models.TextChoices]) -> None:
        self.choices = choices

    def __call__(self, value: Any) -> None:
        if not isinstance(value, list):
            raise ValidationError("Enter a list of choices.", code="not_a_list")
        allowed = ", ".join(self.choices.values)
        for item in value:
            if item not in self.choices.values:
                raise ValidationError(
                    "“%(value)s” is not one of the choices (%(allowed)s).",
                    code="unknown_choice",
                    params={"value": item, "allowed": allowed},
                )
        if len(set(value)) != len(value):
            raise ValidationError("Each choice may be given once.", code="duplicate")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChoiceListValidator) and other.choices is self.choices


class ChoiceListField(models.JSONField):  # type: ignore[type-arg]
    """A JSON list of values of one TextChoices class, edited as a row of checkboxes.

    JSON rather than an array column so the same migration serves PostgreSQL and the SQLite
    of `make run`. Django's own `choices` would test the whole list as one value, hence a
    validator of each item instead.
    """

    def __init__(self, *args: Any, choice_class: type[models.TextChoices], **kwargs: Any) -> None:
        self.choice_class = choice_class
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)
        self.validators.append(ChoiceListValidator(choice_class))

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["choice_class"] = self.choice_class
        return name, path, args, kwargs

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        defaults: dict[str, Any] = {
            "form_class": forms.TypedMultipleChoiceField,
            "choices": self.choice_class.choices,
            "widget": forms.CheckboxSelectMultiple,
        }
        # Skip JSONField.formfield, which would offer a text box of raw JSON.
        return models.Field.formfield(self, **{**defaults, **kwargs})
