"""Bulk inserts for the data generator: COPY on PostgreSQL, one executemany elsewhere.

Rows arrive as tuples of database-ready values (enum *values*, not members: psycopg would
write a member's name; timezone-aware UTC datetimes, as every model column takes them). Ids
are assigned by the generator before insertion, because ciphertext is bound to its row's id
and sealing before the insert avoids a second pass; `fix_sequences` then moves PostgreSQL's
id sequences past them, so that the app's own inserts continue after the generated rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    LargeBinary,
    Table,
    func,
    insert,
    select,
    text,
)


class Bulk:
    """Writes rows into the tables of one connection's open transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        #: Rows written, by table name (the summary's counts).
        self.counts: dict[str, int] = {}
        self._touched: set[str] = set()

    def next_id(self, table: Table) -> int:
        """The first free id of `table` (its largest id plus one)."""
        return int(self.conn.scalar(select(func.max(table.c.id))) or 0) + 1

    def insert(self, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)
        if "id" in columns:
            self._touched.add(table.name)
        if self.postgres:
            self._copy(table, columns, rows)
        else:
            self._executemany(table, columns, rows)

    def _executemany(
        self, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        """One executemany on the driver's cursor, each value converted by its column type's
        own bind processor (as SQLAlchemy would for the ORM, so rows read back exactly as the
        app's own), but without SQLAlchemy's per-row statement machinery, which costs more
        than the insert. Datetimes take a shortcut, checked against the processor once."""
        dialect = self.conn.dialect
        fast = [
            _fast_processor(
                table.c[c].type, table.c[c].type._cached_bind_processor(dialect), dialect
            )
            for c in columns
        ]
        converting = [(i, f) for i, f in enumerate(fast) if f is not None]
        converted: Sequence[Sequence[Any]] = rows
        if converting:
            converted = []
            for row in rows:
                values = list(row)
                for i, f in converting:
                    if values[i] is not None:
                        values[i] = f(values[i])
                converted.append(values)
        sql = str(insert(table).compile(dialect=dialect, column_keys=list(columns)))
        cursor = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(sql, converted)
        finally:
            cursor.close()

    def _copy(self, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        # The same connection and transaction as everything else: the driver's own COPY.
        raw: Any = self.conn.connection.driver_connection
        quoted = ", ".join(f'"{c}"' for c in columns)
        with (
            raw.cursor() as cursor,
            cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as cp,
        ):
            # Only the columns that need it are converted (most values go as they are).
            converting = [i for i, c in enumerate(columns) if _converted(table.c[c].type)]
            if not converting:
                for row in rows:
                    cp.write_row(row)
                return
            for row in rows:
                values = list(row)
                for i in converting:
                    values[i] = _pg_value(values[i])
                cp.write_row(values)

    def fix_sequences(self) -> None:
        """On PostgreSQL, move each id sequence past the ids written explicitly."""
        if not self.postgres:
            return
        for name in sorted(self._touched):
            self.conn.execute(
                text(
                    # Reviewed (bandit B608): `name` is one of our own tables' names, never input.
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "  # nosec B608
                    f'(SELECT COALESCE(MAX(id), 1) FROM "{name}"))'
                )
            )


@contextmanager
def roomy_cache(conn: Connection, mebibytes: int = 256) -> Iterator[None]:
    """On SQLite, a page cache big enough for the indexes being filled (the default 2 MB makes
    each insert into a large index read its pages from disk again), restored afterwards: the
    connection goes back to the app's pool."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = {-1024 * int(mebibytes)}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


def _converted(column_type: Any) -> bool:
    """Whether COPY needs `_pg_value` for this column: datetimes (`UTCDateTime` decorates a
    DateTime) and JSON."""
    return isinstance(getattr(column_type, "impl", column_type), (DateTime, JSON))


def _pg_value(value: Any) -> Any:
    # Timestamp columns are `timestamp without time zone` holding UTC (`peernotes.db`): give
    # COPY the naive UTC value, as the column type's bind processing does for the ORM.
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, list):
        return json.dumps(value)
    return value


_PROBE = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def _sqlite_datetime(value: datetime) -> str:
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # "2026-01-02 03:04:05.678901+00:00" without its zone: twice as fast as strftime.
    return value.isoformat(" ", "microseconds")[:26]


def _fast_processor(
    column_type: Any, processor: Callable[[Any], Any] | None, dialect: Any
) -> Callable[[Any], Any] | None:
    """The column's bind processor, or a faster equivalent for UTC datetimes on SQLite, used
    only when it gives exactly what the processor gives."""
    if processor is None or dialect.name != "sqlite":
        return processor
    if isinstance(column_type, LargeBinary):
        return None  # sqlite3 stores bytes as a BLOB as they are (SQLAlchemy wraps them)
    try:
        same = processor(_PROBE) == _sqlite_datetime(_PROBE)
    except Exception:  # any other type refuses a datetime in its own way
        same = False
    return _sqlite_datetime if same else processor
