"""A lean bulk writer: one ``executemany`` (PostgreSQL: ``COPY``) per table and batch, for
generated demo rows and for the customer import.

Django's ``bulk_create`` prepares every value of every model instance through the field
machinery, which costs several times the insert itself at a million rows. Demo rows are
generated already in their database form, so they go straight to the driver; the column list,
the defaults of columns not given and the primary keys come from the models, so the rows are
exactly what the ORM would have written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone

# Module switch, so a benchmark can measure the executemany path too.
COPY_ON_POSTGRESQL = True


class Table:
    """The insert statement of one model, with the given columns first and every other
    concrete column filled with its (prepared) default."""

    def __init__(self, model: type[models.Model], columns: Sequence[str], *, with_id: bool = False):
        self.model = model
        meta = model._meta
        by_attname = {f.attname: f for f in meta.concrete_fields}
        unknown = [c for c in columns if c not in by_attname]
        if unknown:
            raise ValueError(f"{meta.label}: no such columns {unknown}")
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.given = list(columns)
        rest: list[tuple[str, Any]] = []
        for f in meta.concrete_fields:
            if f.attname in columns or (f.primary_key and not with_id):
                continue
            if f.primary_key:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            elif f.has_default():
                value = f.get_db_prep_save(f.get_default(), connection)
            elif f.null:
                value = None
            elif f.empty_strings_allowed:
                value = ""
            else:
                raise ValueError(f"{meta.label}.{f.attname}: no value and no default")
            rest.append((f.column, value))
        pk = [meta.pk.column] if with_id else []
        self.columns = pk + [by_attname[c].column for c in columns] + [c for c, _ in rest]
        self.tail = tuple(v for _, v in rest)
        qn = connection.ops.quote_name
        self.sql = (
            f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(c) for c in self.columns)}) "
            f"VALUES ({', '.join(['%s'] * len(self.columns))})"
        )
        self.copy_sql = (
            f"COPY {qn(meta.db_table)} ({', '.join(qn(c) for c in self.columns)}) FROM STDIN"
        )

    def insert(self, rows: Sequence[tuple]) -> None:
        """Insert rows of the given columns (with the id first when ``with_id``).
        PostgreSQL: one ``COPY … FROM STDIN`` (several times faster than ``executemany``
        there, same rows, same transaction); SQLite: ``executemany``."""
        if not rows:
            return
        tail = self.tail
        with connection.cursor() as cur:
            if connection.vendor == "postgresql" and COPY_ON_POSTGRESQL:
                with cur.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row + tail)
                return
            cur.executemany(self.sql, [row + tail for row in rows])


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys nobody else will use. Call inside the transaction that inserts
    them. PostgreSQL: taken from the table's own sequence. SQLite: above the highest id ever
    issued (AUTOINCREMENT keeps its high-water mark), safe because the transaction already
    holds the database's single write lock (``BEGIN IMMEDIATE``)."""
    if count <= 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return [r[0] for r in cur.fetchall()]
        cur.execute(f"SELECT max({pk}) FROM {table}")
        high = cur.fetchone()[0] or 0
        cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cur.fetchone()
        high = max(high, row[0] if row else 0)
        return list(range(high + 1, high + count + 1))


def insert_instances(model: type[models.Model], instances: Sequence[models.Model]) -> None:
    """Insert unsaved model instances as :meth:`QuerySet.bulk_create` would — ids reserved
    and set on them, ``auto_now`` fields filled, every value prepared by its own field —
    without the SQL compiler's per-value work. Call inside the inserting transaction."""
    if not instances:
        return
    conn = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not the thread-local proxy
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    table = Table(model, [f.attname for f in fields], with_id=True)
    plain = [
        (f.attname, not (f.is_relation or getattr(f, "auto_now", False)
                         or getattr(f, "auto_now_add", False))
         and f.get_internal_type() in ("CharField", "TextField", "BooleanField",
                                       "PositiveIntegerField", "BigIntegerField",
                                       "IntegerField", "PositiveSmallIntegerField"),
         f)
        for f in fields
    ]  # fmt: skip
    rows = []
    for obj, pk in zip(instances, reserve_ids(model, len(instances)), strict=True):
        obj.pk = pk
        values = [pk]
        for attname, is_plain, f in plain:
            # text and numbers go to the driver as they are; the rest through the field
            values.append(
                getattr(obj, attname)
                if is_plain
                else f.get_db_prep_save(f.pre_save(obj, True), conn)
            )
        rows.append(tuple(values))
        obj._state.adding = False
        obj._state.db = conn.alias
    for start in range(0, len(rows), 5000):
        table.insert(rows[start : start + 5000])
