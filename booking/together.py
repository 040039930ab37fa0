"""A new session and the rows that point to it, written in one statement: one round trip, not four.

A booking writes its session, the notices it owes, its event and the availability stamps of
its days. On PostgreSQL they go as one statement: the session's INSERT in a WITH whose id
the other INSERTs read (data-modifying common table expressions). The statement succeeds or
fails whole: a constraint's violation (the exclusion constraint's, a race lost) leaves
nothing written, as in the transaction around it. Elsewhere (SQLite, `make run`) the same
INSERTs run one after another. On PostgreSQL the statement is prepared on the connection
(`prepared_cursor`): a booking's is the same every time, its values bound by the server.

The rows are written as `save()` and `bulk_create` would (their fields prepared by Django's
insert compiler, `auto_now_add` set), without their save signals: the caller writes what a
signal would have (the stamps) among the statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

from django.db import connections, router
from django.db.models import Model
from django.db.models.expressions import RawSQL
from django.db.models.sql import InsertQuery

Statement = tuple[str, Sequence[Any]]
_FIRST = "first_row"


def insert_together(first: Model, rows: Sequence[Model], *, link: str, also: Sequence[Statement] = ()) -> None:
    """Insert `first`, then `rows` with their `link` field (an attname) set to its new id, then `also`.

    Rows of one model are one multi-row INSERT, in the order given. Every instance gets its
    primary key and counts as saved.
    """
    using = router.db_for_write(type(first))
    connection = connections[using]
    groups: list[tuple[type[Model], list[Model]]] = [(model, list(group)) for model, group in groupby(rows, key=type)]
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        first_column = quote(first._meta.pk.column)
        first_id = RawSQL(f"SELECT {first_column} FROM {_FIRST}", ())  # noqa: S608, S611
        for row in rows:
            setattr(row, link, first_id)
        ctes: list[str] = []
        params: list[Any] = []
        for name, (model, objs) in [(_FIRST, (type(first), [first]))] + [
            (f"rows_{n}", group) for n, group in enumerate(groups)
        ]:
            sql, values = _insert(model, objs, using)
            ctes.append(f"{name} AS ({sql})")
            params.extend(values)
        for n, (sql, values) in enumerate(also):
            ctes.append(f"also_{n} AS ({sql})")
            params.extend(values)
        # Each group's ids in the order of its rows: a sequence numbers a multi-row INSERT in order.
        ids = "".join(
            f", ARRAY(SELECT {quote(model._meta.pk.column)} FROM rows_{n} ORDER BY 1)"  # noqa: S608
            for n, (model, _) in enumerate(groups)
        )
        with connection.prepared_cursor() as cursor:  # type: ignore[attr-defined]  # clinic.postgresql's
            cursor.execute(f"WITH {', '.join(ctes)} SELECT {first_column}{ids} FROM {_FIRST}", params)  # noqa: S608
            first_pk, *group_pks = cursor.fetchone()
    else:
        first_pk = _insert_one_by_one(type(first), [first], using)[0]
        for row in rows:
            setattr(row, link, first_pk)
        group_pks = [_insert_one_by_one(model, objs, using) for model, objs in groups]
        with connection.cursor() as cursor:
            for sql, values in also:
                cursor.execute(sql, values)
    _saved(first, first_pk, using)
    for (_, objs), pks in zip(groups, group_pks, strict=True):
        for obj, obj_pk in zip(objs, pks, strict=True):
            setattr(obj, link, first_pk)
            _saved(obj, obj_pk, using)


def _query(model: type[Model], objs: list[Model]) -> InsertQuery:
    meta = model._meta
    query = InsertQuery(model)
    fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field and not field.generated]
    query.insert_values(fields, objs)
    return query


def _insert(model: type[Model], objs: list[Model], using: str) -> Statement:
    """Return one INSERT of the rows, returning their ids."""
    compiler = _query(model, objs).get_compiler(using=using)
    compiler.returning_fields = [model._meta.pk]
    ((sql, params),) = compiler.as_sql()
    return sql, params


def _insert_one_by_one(model: type[Model], objs: list[Model], using: str) -> list[Any]:
    return [
        row[0]
        for obj in objs
        for row in _query(model, [obj]).get_compiler(using=using).execute_sql(returning_fields=[model._meta.pk])
    ]


def _saved(obj: Model, pk: Any, using: str) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = using
