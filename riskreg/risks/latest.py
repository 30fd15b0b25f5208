"""The assessment that counts for a risk in a period, read inside SQL.

A risk counts in period P with its latest assessment at or before P (carried forward
when it was not re-assessed in P). ``latest_code`` reads it with one correlated
subquery per risk that walks the (risk_id, period, likelihood, consequence) index
backwards and stops at the first row (ORDER BY period DESC LIMIT 1): the cost follows
the risks asked about, never the size of the assessment table, on SQLite and
PostgreSQL alike. It returns period, likelihood and consequence packed in one integer,
period·10000 + likelihood·100 + consequence (steps are at most 10), so that no join
back to the assessment table is needed; ``unpack`` takes it apart in SQL. Callers put
it in a MATERIALIZED CTE so that it runs once per risk however often it is referred to.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, or_, select, type_coerce
from sqlalchemy.orm import aliased

from ..domain.matrix import risk_value
from ..domain.periods import Period
from ..models.risks import Risk, RiskAssessment

PERIOD_FACTOR = 10000
STEP_FACTOR = 100

# Built once, so that statements made from it hit SQLAlchemy's compiled-statement cache.
_RA = aliased(RiskAssessment, name="ra")


def latest_code(period: Period):
    """Correlated scalar subquery: the risk's latest assessment at or before ``period``,
    packed (NULL when it has none)."""
    ra = _RA
    packed = (type_coerce(ra.period, Integer) * PERIOD_FACTOR
              + ra.likelihood * STEP_FACTOR + ra.consequence)
    return (select(packed).where(ra.risk_id == Risk.id, ra.period <= period)
            .order_by(ra.period.desc()).limit(1).correlate(Risk).scalar_subquery())


def alive_in(period: Period):
    """SQL: the risk counts in ``period`` (it was not archived in or before it)."""
    return or_(Risk.archived_in.is_(None), Risk.archived_in > period)


def unpack(code):
    """(likelihood, consequence, value, period key) of a packed code, as SQL expressions."""
    likelihood = (code // STEP_FACTOR) % STEP_FACTOR
    consequence = code % STEP_FACTOR
    return likelihood, consequence, risk_value(likelihood, consequence), code // PERIOD_FACTOR


@dataclass(frozen=True)
class Counted:
    """The assessment that counts for a risk in a period (its own or carried forward)."""

    period: Period
    likelihood: int
    consequence: int

    @property
    def value(self) -> int:
        return risk_value(self.likelihood, self.consequence)

    @classmethod
    def from_code(cls, code: int | None) -> Counted | None:
        if code is None:
            return None
        return cls(Period.from_key(code // PERIOD_FACTOR), (code // STEP_FACTOR) % STEP_FACTOR,
                   code % STEP_FACTOR)
