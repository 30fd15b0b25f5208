"""The planning structure: plan → perspective → strategic goal → success factor → KPI."""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.periods import Period
from ..extensions import db
from .org import Unit
from .types import PeriodType


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

    goal: Mapped[StrategicGoal] = relationship(back_populates="success_factors")
    kpis: Mapped[list[Kpi]] = relationship(back_populates="success_factor", order_by="Kpi.id")


class Kpi(db.Model):
    """A styrmått (target-driving) or kontrollmått (followed only)."""

    __tablename__ = "kpi"
    __table_args__ = (CheckConstraint("kind IN ('styrmatt', 'kontrollmatt')", name="kind"),)

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
    targets: Mapped[dict] = mapped_column(JSON, default=dict)

    success_factor: Mapped[SuccessFactor | None] = relationship(back_populates="kpis")
    outcomes: Mapped[list[KpiOutcome]] = relationship(
        back_populates="kpi", order_by="KpiOutcome.period", cascade="all, delete-orphan"
    )


class KpiOutcome(db.Model):
    __tablename__ = "kpi_outcome"
    __table_args__ = (
        UniqueConstraint("kpi_id", "period"),
        CheckConstraint("trend IS NULL OR trend IN ('up', 'down', 'flat')", name="trend"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpi.id"), index=True)
    period: Mapped[Period] = mapped_column(PeriodType)
    total: Mapped[float | None] = mapped_column(Float)
    women: Mapped[float | None] = mapped_column(Float)
    men: Mapped[float | None] = mapped_column(Float)
    fulfilment: Mapped[str | None] = mapped_column(String(100))
    trend: Mapped[str | None] = mapped_column(String(10))

    kpi: Mapped[Kpi] = relationship(back_populates="outcomes")
