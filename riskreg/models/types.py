"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer
from sqlalchemy.types import TypeDecorator

from ..domain.periods import Period


def utcnow() -> datetime:
    """Callable default: evaluated per row, never once at import."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stored in UTC; always read back as an aware datetime (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class PeriodType(TypeDecorator[Period]):
    """A tertial stored as its integer key, so that ordering is integer ordering."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Period | int | None, dialect) -> int | None:
        if value is None:
            return None
        return value if isinstance(value, int) else value.key

    def process_result_value(self, value: int | None, dialect) -> Period | None:
        return None if value is None else Period.from_key(value)
