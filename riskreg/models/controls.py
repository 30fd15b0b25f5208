"""Internal control (internkontroll): the plan a board or committee adopts for a year, its
controls, and the control runs (spot checks, stickprov) recorded per period and unit.

* ``ControlPlan``: one per unit and year; draft → adopted (decision date, § and dnr) →
  followed up (a row per reported period: DÅ04, DÅ08, ÅR) → closed. After adoption a change
  is an ``PlanAmendment`` with a reason (and audited).
* ``Control``: what is checked, how (method), how often (frequency), by whom, on which
  units, against which risks (and optionally a measure), with a default sample size.
* ``ControlRun``: one control on one unit in one period (``occasion`` numbers the months
  of a tertial for a monthly control). Its population is kept as the list it was drawn
  from, and the drawn items (``ControlRunItem``) in draw order with their result, so the
  draw can be repeated by anyone (riskreg/controls/sampling.py).
* ``Evidence``: files on a run, stored outside the web root; deleting is a soft delete.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.periods import Period
from ..extensions import db
from .measures import Measure
from .org import Unit
from .risks import Risk
from .types import PeriodType, UTCDateTime, utcnow
from .users import User

PLAN_STATES = ("draft", "adopted", "followed_up", "closed")
METHODS = ("stickprov", "styrmatt", "granskning", "verksamhetsuppfoljning", "other")
FREQUENCIES = ("tertial", "yearly", "monthly", "once")
CONCLUSIONS = ("ok", "deviations", "not_performed")
SEVERITIES = ("minor", "significant", "serious")
RESULTS = ("ok", "deviation")


class ControlPlan(db.Model):
    __tablename__ = "control_plan"
    __table_args__ = (
        UniqueConstraint("unit_id", "year"),
        CheckConstraint("state IN ('draft', 'adopted', 'followed_up', 'closed')",
                        name="state"),
        CheckConstraint("state = 'draft' OR decided_on IS NOT NULL", name="adopted_has_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    year: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(12), default="draft")
    decided_on: Mapped[date | None] = mapped_column(Date)
    paragraph: Mapped[str | None] = mapped_column(String(40))  # "§ 123"
    dnr: Mapped[str | None] = mapped_column(String(60))  # diarienummer
    adopted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    close_reason: Mapped[str | None] = mapped_column(Text)
    demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    unit: Mapped[Unit] = relationship()
    risks: Mapped[list[ControlPlanRisk]] = relationship(cascade="all, delete-orphan")
    follow_ups: Mapped[list[PlanFollowUp]] = relationship(order_by="PlanFollowUp.period")
    amendments: Mapped[list[PlanAmendment]] = relationship(order_by="PlanAmendment.id")

    @property
    def locked(self) -> bool:
        """Adopted: a change is an amendment with a reason."""
        return self.state != "draft"


class ControlPlanRisk(db.Model):
    """A risk the plan covers."""

    __tablename__ = "control_plan_risk"

    plan_id: Mapped[int] = mapped_column(ForeignKey("control_plan.id"), primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id"), primary_key=True, index=True)

    risk: Mapped[Risk] = relationship()


class PlanFollowUp(db.Model):
    """The plan's follow-up reported to the board for one period (DÅ04, DÅ08, ÅR)."""

    __tablename__ = "control_plan_follow_up"
    __table_args__ = (UniqueConstraint("plan_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("control_plan.id"))
    period: Mapped[Period] = mapped_column(PeriodType)
    reported_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reported_by: Mapped[User | None] = relationship()


class PlanAmendment(db.Model):
    """A change made to an adopted plan, with its reason."""

    __tablename__ = "control_plan_amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("control_plan.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    made_by: Mapped[User | None] = relationship()


class Control(db.Model):
    __tablename__ = "control"
    __table_args__ = (
        UniqueConstraint("plan_id", "number"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("method IN ('stickprov', 'styrmatt', 'granskning', "
                        "'verksamhetsuppfoljning', 'other')", name="method"),
        CheckConstraint("frequency IN ('tertial', 'yearly', 'monthly', 'once')",
                        name="frequency"),
        CheckConstraint("sample_size IS NULL OR sample_size > 0", name="sample_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("control_plan.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    method: Mapped[str] = mapped_column(String(30))
    method_text: Mapped[str | None] = mapped_column(Text)  # "Metod för riskhantering"
    frequency: Mapped[str] = mapped_column(String(10))
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"),
                                                       index=True)
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measure.id"))
    sample_size: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[ControlPlan] = relationship()
    responsible: Mapped[User | None] = relationship()
    measure: Mapped[Measure | None] = relationship()
    risk_links: Mapped[list[ControlRisk]] = relationship(cascade="all, delete-orphan")
    unit_links: Mapped[list[ControlUnit]] = relationship(cascade="all, delete-orphan")


class ControlRisk(db.Model):
    __tablename__ = "control_risk"

    control_id: Mapped[int] = mapped_column(ForeignKey("control.id"), primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id"), primary_key=True, index=True)

    risk: Mapped[Risk] = relationship()


class ControlUnit(db.Model):
    """A unit the control covers (each gets its own expected runs)."""

    __tablename__ = "control_unit"

    control_id: Mapped[int] = mapped_column(ForeignKey("control.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True, index=True)

    unit: Mapped[Unit] = relationship()


class ControlRun(db.Model):
    __tablename__ = "control_run"
    __table_args__ = (
        UniqueConstraint("control_id", "unit_id", "period", "occasion"),
        CheckConstraint("occasion BETWEEN 1 AND 4", name="occasion"),
        CheckConstraint("conclusion IS NULL OR conclusion IN ('ok', 'deviations', "
                        "'not_performed')", name="conclusion"),
        CheckConstraint("severity IS NULL OR severity IN ('minor', 'significant', "
                        "'serious')", name="severity"),
        CheckConstraint("population_size >= 0 AND sample_size >= 0", name="sizes"),
        CheckConstraint("conclusion IS NULL OR conclusion <> 'not_performed' "
                        "OR not_performed_reason IS NOT NULL", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    control_id: Mapped[int] = mapped_column(ForeignKey("control.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    period: Mapped[Period] = mapped_column(PeriodType, index=True)
    occasion: Mapped[int] = mapped_column(default=1)
    performed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    performed_on: Mapped[date | None] = mapped_column(Date)
    population_description: Mapped[str | None] = mapped_column(Text)
    population_size: Mapped[int] = mapped_column(default=0)
    population: Mapped[list | None] = mapped_column(JSON)  # the items, in input order
    sample_size: Mapped[int] = mapped_column(default=0)
    seed: Mapped[str | None] = mapped_column(String(64))
    algorithm: Mapped[str | None] = mapped_column(String(30))
    deviation_count: Mapped[int] = mapped_column(default=0)
    severity: Mapped[str | None] = mapped_column(String(12))
    conclusion: Mapped[str | None] = mapped_column(String(14))
    not_performed_reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    control: Mapped[Control] = relationship()
    unit: Mapped[Unit] = relationship()
    performed_by: Mapped[User | None] = relationship()
    items: Mapped[list[ControlRunItem]] = relationship(
        order_by="ControlRunItem.position", cascade="all, delete-orphan",
        back_populates="run")
    evidence: Mapped[list[Evidence]] = relationship(order_by="Evidence.id",
                                                    back_populates="run")

    @property
    def deviation_rate(self) -> float | None:
        return self.deviation_count / self.sample_size if self.sample_size else None


class ControlRunItem(db.Model):
    """One drawn item: its place in the draw, its index in the population, its result."""

    __tablename__ = "control_run_item"
    __table_args__ = (
        UniqueConstraint("run_id", "position"),
        CheckConstraint("result IS NULL OR result IN ('ok', 'deviation')", name="result"),
        CheckConstraint("severity IS NULL OR severity IN ('minor', 'significant', "
                        "'serious')", name="severity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("control_run.id"), index=True)
    position: Mapped[int]
    population_index: Mapped[int]
    value: Mapped[str] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(String(10))
    severity: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measure.id"), index=True)

    run: Mapped[ControlRun] = relationship(back_populates="items")
    measure: Mapped[Measure | None] = relationship()


class Evidence(db.Model):
    __tablename__ = "control_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("control_run.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # as uploaded, for the download
    kind: Mapped[str] = mapped_column(String(10))  # decided by content: pdf, xlsx, …
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    stored_as: Mapped[str] = mapped_column(String(80))  # file name in the evidence dir
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    run: Mapped[ControlRun] = relationship(back_populates="evidence")
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])
