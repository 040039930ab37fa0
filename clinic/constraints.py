"""Database constraints that only PostgreSQL can enforce, kept in one migration for both vendors."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField
from django.db.models import Func


class PostgresExclusionConstraint(ExclusionConstraint):
    """An ExclusionConstraint that writes no SQL and skips validation off PostgreSQL.

    `make run` uses SQLite, where the booking service's IMMEDIATE transaction serialises
    writers instead; PostgreSQL (production and tests) enforces the constraint itself.
    """

    def constraint_sql(self, model: Any, schema_editor: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model: Any, schema_editor: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model: Any, schema_editor: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model: Any, instance: Any, exclude: Any = None, using: str = "default") -> None:
        from django.db import connections

        if connections[using].vendor != "postgresql":
            return
        super().validate(model, instance, exclude=exclude, using=using)


class TsTzRange(Func):
    """tstzrange(lower, upper, bounds) as an expression."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class WallClockRange(Func):
    """A tsrange over a fixed date built from two time columns, so time spans can be excluded."""

    output_field = DateTimeRangeField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        start_sql, start_params = compiler.compile(self.source_expressions[0])
        end_sql, end_params = compiler.compile(self.source_expressions[1])
        sql = f"tsrange(DATE '2000-01-03' + {start_sql}, DATE '2000-01-03' + {end_sql}, '[)')"
        return sql, [*start_params, *end_params]
