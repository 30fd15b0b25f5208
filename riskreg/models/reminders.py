"""Reminder mails: at most one per person and day (``flask send-reminders``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

REMINDER_STATES = ("sending", "sent")


class ReminderSent(db.Model):
    """A person's reminder of one day. The row is the claim: it is committed (``sending``)
    before the mail goes out, so that a second run the same day, or one running beside it,
    finds it and sends nothing; it becomes ``sent`` when the SMTP server has taken the mail,
    and is deleted when sending failed (the next run tries again). A row left ``sending``
    (the run stopped between the two) still counts: at most one mail a day, never two."""

    __tablename__ = "reminder_sent"
    __table_args__ = (
        UniqueConstraint("user_id", "day"),
        CheckConstraint("status IN ('sending', 'sent')", name="status"),
        CheckConstraint("items >= 0", name="items_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    day: Mapped[date] = mapped_column(Date, index=True)
    items: Mapped[int]
    overdue: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="sending")
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
