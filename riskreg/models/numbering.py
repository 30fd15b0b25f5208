"""Per-plan number series (risks now; measures, controls and runs later)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class NumberSeries(db.Model):
    """The last number handed out in one series of one plan. Its row is the lock that
    makes concurrent creations take turns (see riskreg/numbering.py)."""

    __tablename__ = "number_series"

    series: Mapped[str] = mapped_column(String(40), primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)
