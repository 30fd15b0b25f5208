"""Reported periods: the fact that a period's follow-up for a unit (and everything beneath
it) has been reported to the board, and is therefore locked.

One row per (period, unit). Locking writes it; reopening (a coordinator, with a reason)
sets ``locked`` false and keeps who locked it; locking again sets it true with the new
locker. The history of every lock, reopening and relock is in the audit log.

"Is period p locked for unit u" is one indexed lookup: the unique (period, unit_id) index
with ``unit_id IN (u's ancestors, read from its path)`` — at most a handful of keys, no
recursion, no join.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.periods import Period
from ..extensions import db
from .org import Unit
from .types import PeriodType, UTCDateTime, utcnow
from .users import User

LOCK_SOURCES = ("board", "follow_up")  # reported by hand; by a control plan's follow-up


class PeriodLock(db.Model):
    __tablename__ = "period_lock"
    __table_args__ = (
        UniqueConstraint("period", "unit_id"),
        CheckConstraint("source IN ('board', 'follow_up')", name="source"),
        CheckConstraint("locked OR (reopened_at IS NOT NULL AND reopen_reason IS NOT NULL)",
                        name="reopened_with_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[Period] = mapped_column(PeriodType)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    locked: Mapped[bool] = mapped_column(default=True)
    source: Mapped[str] = mapped_column(String(20), default="board")
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(Text)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reopen_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    unit: Mapped[Unit] = relationship()
    locked_by: Mapped[User | None] = relationship(foreign_keys=[locked_by_id])
    reopened_by: Mapped[User | None] = relationship(foreign_keys=[reopened_by_id])

    def __repr__(self) -> str:
        return f"<PeriodLock {self.period} unit={self.unit_id} locked={self.locked}>"
