"""Server-side sign-in records: one per sign-in, ended at sign-out or timeout.

The cookie holds a random secret; the table holds only its SHA-256 digest, so a copy of
the table cannot be replayed as cookies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class UserSession(db.Model):
    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the secret
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(20))  # logout, idle, lifetime
    # A form posted after a timeout: its path and fields, filled in again after sign-in.
    stash_path: Mapped[str | None] = mapped_column(String(500))
    stash: Mapped[list | None] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<UserSession user={self.user_id} ended={self.ended_at}>"
