"""The assessment that counts for a risk in a period, read inside SQL from the stored
state (``risk_state``, kept by riskreg/risks/state.py).

``counts_in(P)`` selects the rows that hold each risk's state in P: with
``in_subtree`` / ``in_reach`` on the copied unit path, "every risk's state in P for this
subtree" is one range read of the index (period, unit_path, …) at ``period IN (P,
OPEN)``, with no per-risk search and no join to the risk or the unit. ``code`` packs
the assessment's period, likelihood and consequence in one integer,
period·10000 + likelihood·100 + consequence (steps are at most 10), for the readers
that carry two periods side by side (the comparison) or one nullable column (the
register); ``unpack`` takes it apart in SQL and ``Counted.from_code`` in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, and_, bindparam, false, or_, select, type_coerce
from sqlalchemy.orm import aliased

from ..domain.matrix import risk_value
from ..domain.periods import Period
from ..models.org import Unit
from ..models.risks import OPEN_PERIOD, Risk, RiskState

PERIOD_FACTOR = 10000
STEP_FACTOR = 100

S = RiskState


def counts_in(period: Period, s=S):
    """SQL: the state row that holds the risk's state in ``period`` (closed rows of that
    tertial, and open rows that started at or before it and were not archived by it)."""
    return and_(s.period.in_((period.key, OPEN_PERIOD)), s.since <= period,
                or_(s.until.is_(None), s.until > period))


def in_subtree(unit: Unit, include_subunits: bool = True, s=S):
    """SQL on the copied path: the risks of ``unit`` (and beneath it)."""
    if include_subunits:
        return Unit.prefix_clause(s.unit_path, unit.path)
    return s.unit_path == unit.path


def in_paths(paths: list[str], s=S):
    """SQL on the copied path: beneath one of ``paths`` (a user's reach, role_paths)."""
    if not paths:
        return false()
    return or_(*(Unit.prefix_clause(s.unit_path, p) for p in paths))


# -- the same conditions over bind parameters: a statement built once per shape serves
# every period, unit and user (building SQLAlchemy constructs anew costs a municipality's
# page more than its SQL does; issue 14). ``*_params`` give the values.
def bound_counts_in(name: str = "period", s=S):
    """``counts_in`` of the period bound as ``name`` (period_params)."""
    period = bindparam(name)
    return and_(s.period.in_(bindparam(f"{name}_keys", expanding=True)), s.since <= period,
                or_(s.until.is_(None), s.until > period))


def period_params(period: Period, name: str = "period") -> dict:
    return {name: period, f"{name}_keys": [period.key, OPEN_PERIOD]}


def bound_reach(paths: int, include_subunits: bool, s=S, column=None):
    """``in_paths`` of ``paths`` bound paths and ``in_subtree`` of a bound unit path
    (reach_params), on the copied path of ``s`` or on ``column`` (e.g. Unit.path)."""
    col = s.unit_path if column is None else column
    reach = (or_(*(and_(col >= bindparam(f"reach_lo{i}"), col < bindparam(f"reach_hi{i}"))
                   for i in range(paths)))
             if paths else false())
    if include_subunits:
        here = and_(col >= bindparam("here_lo"), col < bindparam("here_hi"))
    else:
        here = col == bindparam("here")
    return and_(reach, here)


def reach_params(paths: list[str], unit: Unit, include_subunits: bool
                 ) -> tuple[tuple[int, bool], dict]:
    """The shape of bound_reach (its arguments) and its values."""
    values: dict = {}
    for i, path in enumerate(paths):
        values[f"reach_lo{i}"], values[f"reach_hi{i}"] = path, path[:-1] + "0"
    if include_subunits:
        values["here_lo"], values["here_hi"] = unit.path, unit.path[:-1] + "0"
    else:
        values["here"] = unit.path
    return (len(paths), include_subunits), values


def code(s=S):
    """The packed (period, likelihood, consequence) of a state row."""
    return (type_coerce(s.since, Integer) * PERIOD_FACTOR + s.likelihood * STEP_FACTOR
            + s.consequence)


_RS = aliased(RiskState, name="rs")  # built once: statements hit the compiled cache


def latest_code(period: Period):
    """Correlated scalar subquery for readers that start from Risk rows (the findings,
    measures, KPI links): the packed assessment that counts for the risk in ``period``, from
    the stored state — two point reads of its primary key (risk_id, period) — or NULL."""
    return (select(code(_RS)).where(_RS.risk_id == Risk.id, counts_in(period, _RS))
            .limit(1).correlate(Risk).scalar_subquery())


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
