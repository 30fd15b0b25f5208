"""The risk register: risks of two kinds, their assessments per tertial, goal marks.

One table holds both kinds (success-factor risks and unit risks): they share the
owner, unit, number, assessments and every list, matrix and API, and differ in a
handful of optional texts. A CHECK constraint keeps each kind's required fields.
Assessments are rows per (risk, period), never overwritten by a later tertial, so
history is the table itself; the value is stored (for SQL filtering and the
heat-map aggregate) and a CHECK constraint ties it to likelihood × consequence.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.periods import Period
from ..extensions import db
from .org import Unit
from .plan import Plan, SuccessFactor
from .types import PeriodType, UTCDateTime, utcnow
from .users import User

RISK_KINDS = ("success_factor", "unit")
HANDLING_TYPES = ("control", "measure")


class Risk(db.Model):
    __tablename__ = "risk"
    __table_args__ = (
        UniqueConstraint("plan_id", "number"),
        CheckConstraint("kind IN ('success_factor', 'unit')", name="kind"),
        CheckConstraint("kind <> 'success_factor' OR success_factor_id IS NOT NULL",
                        name="sf_has_factor"),
        CheckConstraint("handling_type IS NULL OR handling_type IN ('control', 'measure')",
                        name="handling_type"),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("(archived_at IS NULL) = (archived_in IS NULL)", name="archived_both"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    number: Mapped[int]
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    success_factor_id: Mapped[int | None] = mapped_column(
        ForeignKey("success_factor.id"), index=True
    )
    # A short name for lists, matrix tooltips and the API (the source tables have none).
    title: Mapped[str] = mapped_column(String(200))
    # "Vad kan hända …?" for success-factor risks; the "Risk" text for unit risks.
    event: Mapped[str] = mapped_column(Text)
    consequence_text: Mapped[str | None] = mapped_column(Text)
    cause: Mapped[str | None] = mapped_column(Text)
    mitigation: Mapped[str | None] = mapped_column(Text)
    control_method: Mapped[str | None] = mapped_column(Text)
    handling_question: Mapped[str | None] = mapped_column(Text)
    handling_type: Mapped[str | None] = mapped_column(String(10))
    method: Mapped[str | None] = mapped_column(Text)

    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The tertial it was archived in: it counts in the periods before, not from this one.
    archived_in: Mapped[Period | None] = mapped_column(PeriodType)
    archived_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    archive_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[Plan] = relationship()
    unit: Mapped[Unit] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    success_factor: Mapped[SuccessFactor | None] = relationship()
    assessments: Mapped[list[RiskAssessment]] = relationship(
        back_populates="risk", order_by="RiskAssessment.period", cascade="all, delete-orphan"
    )

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


class RiskAssessment(db.Model):
    __tablename__ = "risk_assessment"
    __table_args__ = (
        UniqueConstraint("risk_id", "period"),
        CheckConstraint("likelihood >= 1 AND consequence >= 1", name="steps_positive"),
        CheckConstraint("value = likelihood * consequence", name="value_is_product"),
        # Covers "the latest assessment at or before P" (heat maps): an index-only
        # backward scan per risk, no visit to the table.
        Index("ix_risk_assessment_latest", "risk_id", "period", "likelihood", "consequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id"))
    period: Mapped[Period] = mapped_column(PeriodType)
    likelihood: Mapped[int]
    consequence: Mapped[int]
    value: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    # Invented by the demo (``python -m riskreg.demo``), not taken from a source document:
    # shown as demo data wherever the assessment is listed.
    demo: Mapped[bool] = mapped_column(default=False, server_default=false())
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    risk: Mapped[Risk] = relationship(back_populates="assessments")
    assessed_by: Mapped[User | None] = relationship()


OPEN_PERIOD = 0  # RiskState.period of the open row: "from ``since`` on"


class RiskState(db.Model):
    """The state of a risk in a period, stored (issue 14): which assessment counts.

    Derived from ``risk_assessment`` and ``risk.archived_in`` by riskreg/risks/state.py,
    rewritten for the risk in the transaction of every write that changes it, and
    checked by ``flask check-state``. One row per closed tertial a risk counts in
    (``period`` = that tertial, up to the one before its latest assessment) and one
    *open* row (``period`` = OPEN_PERIOD) for its latest assessment, counting from
    ``since`` on until ``until`` (the tertial it was archived in; NULL: still counts).
    So "every risk's state in P for this subtree" reads the index below at
    ``period IN (P, OPEN)`` within the subtree's path range, the condition being
    ``since <= P AND (until IS NULL OR until > P)``, true by construction for closed rows.
    The unit path and number are copied from the risk (a risk does not change unit or
    number; a unit does not move) so that the read needs neither the risk nor the unit.

    ``prev`` is the packed assessment (riskreg/risks/latest.py ``code``) that counted in
    the tertial before ``since``, so a comparison of P with the tertial before reads P's
    rows alone: the risk's state before was ``prev`` if ``since`` = P, else this one.
    The risks that stop counting in P (archived in it) are the rows of P's previous
    tertial with ``until`` = P: every row of an archived risk carries ``until``, and
    ``ix_risk_state_gone`` holds those rows only.
    """

    __tablename__ = "risk_state"
    __table_args__ = (
        Index("ix_risk_state_read", "period", "unit_path", "since", "until", "likelihood",
              "consequence", "risk_id", "number", "prev"),
        Index("ix_risk_state_gone", "until", "period", "unit_path", "since", "likelihood",
              "consequence", "risk_id", "number",
              postgresql_where=text("until IS NOT NULL"), sqlite_where=text("until IS NOT NULL")),
    )

    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id"), primary_key=True)
    period: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # the assessment that counts: its own tertial, likelihood and consequence
    since: Mapped[Period] = mapped_column(PeriodType)
    until: Mapped[Period | None] = mapped_column(PeriodType)
    likelihood: Mapped[int]
    consequence: Mapped[int]
    unit_path: Mapped[str] = mapped_column(
        String(400).with_variant(String(400, collation="C"), "postgresql"))
    number: Mapped[int]
    prev: Mapped[int | None]


class RiskGoalMark(db.Model):
    """The goal-fulfilment mark (Måluppfyllelse) shown beside a risk for a period."""

    __tablename__ = "risk_goal_mark"
    __table_args__ = (UniqueConstraint("risk_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id"), index=True)
    period: Mapped[Period] = mapped_column(PeriodType)
    mark: Mapped[str] = mapped_column(String(200))


class ApiToken(db.Model):
    """A personal read-only API token; only its SHA-256 digest is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
