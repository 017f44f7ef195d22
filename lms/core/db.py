"""Database settings that the ORM does not cover: SQLite pragmas and timezone-aware datetimes."""

import enum
import sqlite3
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import DateTime, Enum, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A datetime stored as UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use lms.core.clock.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum_cls: type[enum.Enum], length: int = 30) -> Enum:
    """A portable enum column that stores the members' values (no native type)."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def taken(column, value: str | None, *, other_than=None) -> bool:
    """Whether another row already holds `value` in `column`, ignoring case."""
    if not value:
        return False
    from lms.extensions import db

    model = column.class_
    q = select(model.id).where(func.lower(column) == value.lower())
    if other_than is not None and other_than.id is not None:
        q = q.where(model.id != other_than.id)
    return db.session.scalar(q) is not None


def insert_if_absent(model, **values) -> int | None:
    """Insert a row unless a unique constraint already holds one; the new id, or None.

    One statement (INSERT ... ON CONFLICT DO NOTHING RETURNING id), so a double click or two
    requests at once never raise an IntegrityError nor leave the session failed. RETURNING, not
    rowcount: drivers disagree on the rowcount of ON CONFLICT DO NOTHING.
    """
    from lms.extensions import db

    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(model).values(**values).on_conflict_do_nothing().returning(model.id)
    row = db.session.execute(statement).first()
    return row[0] if row else None


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=15000")
    # FULL: an acknowledged write survives a power cut, not only a crashed process.
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def init_app(app: Flask) -> None:
    """Nothing to bind per app: the pragmas hook is process-wide and checks the driver."""
