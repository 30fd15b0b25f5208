"""Measures (åtgärder): what is done to lower a risk or reach a goal, their links to risks,
their follow-up per tertial and the organisation's status scale (000: ▲ ● ■ ◆ ◇).

A measure is never deleted: it is finished or cancelled with a reason (``state``), and the
tertial it was closed in (``closed_in``) keeps it counted in the periods before. Follow-ups
are rows per (measure, period), like risk assessments, so history is the table itself.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.periods import Period
from ..extensions import db
from .org import Unit
from .plan import Plan, SuccessFactor
from .risks import Risk
from .types import PeriodType, UTCDateTime, utcnow
from .users import User

MEASURE_STATES = ("active", "finished", "cancelled")


class MeasureStatus(db.Model):
    """One step of an organisation's (root unit's) status scale for measures."""

    __tablename__ = "measure_status"
    __table_args__ = (UniqueConstraint("unit_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    symbol: Mapped[str] = mapped_column(String(8))
    label: Mapped[str] = mapped_column(String(100))
    colour: Mapped[str] = mapped_column(String(7))
    means_finished: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)


class Measure(db.Model):
    __tablename__ = "measure"
    __table_args__ = (
        UniqueConstraint("plan_id", "number"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("state IN ('active', 'finished', 'cancelled')", name="state"),
        CheckConstraint("due_date IS NULL OR start_date IS NULL OR due_date >= start_date",
                        name="due_after_start"),
        CheckConstraint("(state = 'active') = (closed_in IS NULL)", name="closed_in_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    number: Mapped[int]
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"),
                                                       index=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    background: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    # The goal in 000's "Mål" column: a success factor of the plan, or a free text when
    # the source names a goal the plan does not hold.
    success_factor_id: Mapped[int | None] = mapped_column(ForeignKey("success_factor.id"),
                                                          index=True)
    goal_text: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(10), default="active")
    closed_in: Mapped[Period | None] = mapped_column(PeriodType)
    close_reason: Mapped[str | None] = mapped_column(Text)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[Plan] = relationship()
    unit: Mapped[Unit] = relationship()
    responsible: Mapped[User | None] = relationship(foreign_keys=[responsible_id])
    success_factor: Mapped[SuccessFactor | None] = relationship()
    follow_ups: Mapped[list[MeasureFollowUp]] = relationship(
        back_populates="measure", order_by="MeasureFollowUp.period")

    @property
    def active(self) -> bool:
        return self.state == "active"


class MeasureRisk(db.Model):
    """A link between a measure and a risk (many to many; audited on link and unlink)."""

    __tablename__ = "measure_risk"

    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id"), primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id"), primary_key=True, index=True)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    risk: Mapped[Risk] = relationship()


class MeasureFollowUp(db.Model):
    """Status, comment and result of a measure for one tertial."""

    __tablename__ = "measure_follow_up"
    __table_args__ = (UniqueConstraint("measure_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id"))
    period: Mapped[Period] = mapped_column(PeriodType)
    status_id: Mapped[int | None] = mapped_column(ForeignKey("measure_status.id"), index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)
    carried_forward: Mapped[bool] = mapped_column(default=False)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    measure: Mapped[Measure] = relationship(back_populates="follow_ups")
    status: Mapped[MeasureStatus | None] = relationship()
    reported_by: Mapped[User | None] = relationship()
