"""Reading and writing a few columns of one model row with SQL written once, for the hottest
paths: a worker's metric report (every second from every running job) and the token lookups
that authenticate every worker report and every dashboard poll.

Building a queryset and compiling it to SQL costs more than running it: on this stack the
ORM took 0.2-0.8 ms of CPU per statement of a metric report (0.65 ms for the token lookup with
its join, 0.39 ms for the job lock with a few columns), the SQL below 0.1-0.15 ms. The
statements are built once per field list from the model's own metadata, and values pass
through the same conversions the ORM applies (`get_db_prep_save` on the way in, the backend's
and the field's converters on the way out), so JSON, UUIDs, dates and decimals behave as they
do through the ORM, on PostgreSQL and on SQLite (`make run`). The instances these functions
build are ordinary deferred model instances (`Model.from_db`, as `.only()` makes): reading a
field that was not selected costs a query, so callers name every field they touch.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


@cache
def _fields(model: type[Model], names: tuple[str, ...]) -> tuple[Field[Any, Any], ...]:
    return tuple(model._meta.get_field(name) for name in names)  # type: ignore[misc]


def _column(field: Any) -> str:
    column = field.column
    if not isinstance(column, str):
        raise TypeError(f"{field} has no column")
    return connection.ops.quote_name(column)


def table_sql(model: type[Model]) -> str:
    """The model's quoted table name."""
    return connection.ops.quote_name(model._meta.db_table)


def columns_sql(model: type[Model], names: Sequence[str], *, alias: str = "") -> str:
    """The quoted columns of `names` for a SELECT list, each prefixed with `alias.`."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + _column(f) for f in _fields(model, tuple(names)))


def db_value(model: type[Model], name: str, value: Any) -> Any:
    """`value` of the model's field `name` as a query parameter, as the ORM would send it."""
    return model._meta.get_field(name).get_db_prep_save(value, connection)  # type: ignore[union-attr]


@cache
def _converters(model: type[Model], names: tuple[str, ...]) -> tuple[tuple[Any, list[Any]], ...]:
    """Per column: the expression and its converters (the backend's, then the field's), as
    the ORM's compiler applies them to each row it reads."""
    out = []
    for field in _fields(model, names):
        col = field.get_col(model._meta.db_table)
        out.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
    return tuple(out)


def row_instance(model: type[M], names: Sequence[str], values: Sequence[Any]) -> M:
    """A deferred instance of `model` from column values in `names` order, as the database
    returned them."""
    names = tuple(names)
    converted = []
    for (col, converters), value in zip(_converters(model, names), values, strict=True):
        for convert in converters:
            value = convert(value, col, connection)
        converted.append(value)
    by_name = {f.attname: v for f, v in zip(_fields(model, names), converted, strict=True)}
    # from_db takes a partial row's values in the model's field order.
    ordered = [f.attname for f in model._meta.concrete_fields if f.attname in by_name]
    return model.from_db(DEFAULT_DB_ALIAS, ordered, [by_name[name] for name in ordered])


@cache
def _select_sql(model: type[Model], names: tuple[str, ...], by: str, lock: bool) -> str:
    key = _column(model._meta.get_field(by))
    # SQLite has no row locks (its writes take the whole database): Django drops them too.
    lock_sql = " FOR UPDATE" if lock and connection.features.has_select_for_update else ""
    return f"SELECT {columns_sql(model, names)} FROM {table_sql(model)} WHERE {key} = %s{lock_sql}"


def row_select(
    model: type[M], *, names: Sequence[str], by: str, value: Any, lock: bool = False
) -> M | None:
    """The one row whose `by` column equals `value`, with only `names` loaded (`lock`: FOR
    UPDATE, held until the transaction ends); None when there is none. `by` must be unique.
    The primary key is always loaded."""
    pk = model._meta.pk.name  # type: ignore[union-attr]
    names = tuple(dict.fromkeys([pk, *names]))
    with connection.cursor() as cursor:
        cursor.execute(_select_sql(model, names, by, lock), [db_value(model, by, value)])
        row = cursor.fetchone()
    return None if row is None else row_instance(model, names, row)


def row_update(instance: Model, names: Sequence[str]) -> None:
    """Write the instance's current values of `names` to its row, as `save(update_fields=...)`
    does (`auto_now` fields take the time now) but without the ORM's per-call compilation."""
    assignments, params = [], []
    for field in _fields(type(instance), tuple(dict.fromkeys(names))):
        value = field.pre_save(instance, add=False)  # type: ignore[arg-type]
        assignments.append(f"{_column(field)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    meta = instance._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table_sql(type(instance))} SET {', '.join(assignments)} "
            f"WHERE {_column(meta.pk)} = %s",
            [*params, db_value(type(instance), meta.pk.name, instance.pk)],  # type: ignore[union-attr]
        )
