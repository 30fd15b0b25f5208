"""The planning structure: plan → perspective → strategic goal → success factor → KPI,
and the KPIs' outcomes per unit and period.

Nothing of the structure is deleted once in use: perspectives, goals, success factors and
KPIs are *retired* (hidden from new work, kept for the risks and outcomes that refer to
them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.periods import Period
from ..extensions import db
from .org import Unit
from .types import PeriodType, UTCDateTime, utcnow
from .users import User

KPI_KINDS = ("styrmatt", "kontrollmatt")
DIRECTIONS = ("higher", "lower")
FULFILMENTS = ("met", "partly", "not_met")


class Plan(db.Model):
    __tablename__ = "plan"
    __table_args__ = (CheckConstraint("start_year <= end_year", name="years"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    start_year: Mapped[int]
    end_year: Mapped[int]

    unit: Mapped[Unit] = relationship()
    perspectives: Mapped[list[Perspective]] = relationship(
        back_populates="plan", order_by="Perspective.position", cascade="all, delete-orphan"
    )


class Perspective(db.Model):
    __tablename__ = "perspective"
    __table_args__ = (UniqueConstraint("plan_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    plan: Mapped[Plan] = relationship(back_populates="perspectives")
    goals: Mapped[list[StrategicGoal]] = relationship(
        back_populates="perspective", order_by="StrategicGoal.position",
        cascade="all, delete-orphan",
    )


class StrategicGoal(db.Model):
    __tablename__ = "strategic_goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    perspective_id: Mapped[int] = mapped_column(ForeignKey("perspective.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    perspective: Mapped[Perspective] = relationship(back_populates="goals")
    success_factors: Mapped[list[SuccessFactor]] = relationship(
        back_populates="goal", order_by="SuccessFactor.position", cascade="all, delete-orphan"
    )


class SuccessFactor(db.Model):
    __tablename__ = "success_factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("strategic_goal.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    goal: Mapped[StrategicGoal] = relationship(back_populates="success_factors")
    kpis: Mapped[list[Kpi]] = relationship(back_populates="success_factor",
                                           order_by="[Kpi.position, Kpi.id]")


class Kpi(db.Model):
    """A styrmått (target-driving) or kontrollmått (followed only)."""

    __tablename__ = "kpi"
    __table_args__ = (
        CheckConstraint("kind IN ('styrmatt', 'kontrollmatt')", name="kind"),
        CheckConstraint("direction IS NULL OR direction IN ('higher', 'lower')",
                        name="direction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    success_factor_id: Mapped[int | None] = mapped_column(
        ForeignKey("success_factor.id"), index=True
    )
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), default="styrmatt")
    baseline: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(200))
    follow_up: Mapped[list] = mapped_column(JSON, default=list)
    # year (as text) → the target as the plan prints it ("70 %", "Öka", "Minska med …")
    targets: Mapped[dict] = mapped_column(JSON, default=dict)
    # Which way is better for a number target (None: not said; fulfilment set by hand).
    direction: Mapped[str | None] = mapped_column(String(10))
    split_by_sex: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    plan: Mapped[Plan] = relationship()
    success_factor: Mapped[SuccessFactor | None] = relationship(back_populates="kpis")
    outcomes: Mapped[list[KpiOutcome]] = relationship(
        back_populates="kpi", order_by="KpiOutcome.period", cascade="all, delete-orphan"
    )
    risk_links: Mapped[list[KpiRiskLink]] = relationship(cascade="all, delete-orphan")


class KpiOutcome(db.Model):
    """A KPI's outcome for one unit and one period (Periodens utfall), with its goal
    fulfilment. ``status`` is computed from the target when it allows it
    (``status_by_hand`` False) or set by a person with a comment. ``fulfilment`` and
    ``trend`` keep the marks a source document printed (demo data); the trend shown is
    computed from the previous outcome wherever there is one."""

    __tablename__ = "kpi_outcome"
    __table_args__ = (
        UniqueConstraint("kpi_id", "unit_id", "period"),
        CheckConstraint("trend IS NULL OR trend IN ('up', 'down', 'flat')", name="trend"),
        CheckConstraint("status IS NULL OR status IN ('met', 'partly', 'not_met')",
                        name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpi.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    period: Mapped[Period] = mapped_column(PeriodType)
    total: Mapped[float | None] = mapped_column(Float)
    women: Mapped[float | None] = mapped_column(Float)
    men: Mapped[float | None] = mapped_column(Float)
    fulfilment: Mapped[str | None] = mapped_column(String(100))  # as printed in a source
    trend: Mapped[str | None] = mapped_column(String(10))  # as printed in a source
    status: Mapped[str | None] = mapped_column(String(10))
    status_by_hand: Mapped[bool] = mapped_column(Boolean, default=False,
                                                 server_default=false())
    status_comment: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    kpi: Mapped[Kpi] = relationship(back_populates="outcomes")
    unit: Mapped[Unit] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class KpiRiskLink(db.Model):
    """A KPI linked to a risk that threatens it (many-to-many, within one organisation)."""

    __tablename__ = "kpi_risk"

    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpi.id"), primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id"), primary_key=True, index=True)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
