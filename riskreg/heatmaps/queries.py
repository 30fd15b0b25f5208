"""The heat-map aggregates, in SQL over the unit subtree.

A risk counts in period P with its latest assessment at or before P (carried
forward when not re-assessed), unless it was archived before P ended. The latest
assessment is found by a correlated MAX over the (risk_id, period) index, so the
cost follows the number of risks and assessments in the subtree, not the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import String, and_, cast, func, literal, or_, select
from sqlalchemy.orm import aliased

from ..auth.permissions import units_clause
from ..domain.matrix import Band, Scale
from ..domain.periods import Period
from ..extensions import db
from ..i18n import STOCKHOLM
from ..models.org import Unit
from ..models.risks import Risk, RiskAssessment

MAX_LISTED = 40  # risk numbers listed in one cell before "and N more"

# Aliases built once: statements made from them hit SQLAlchemy's compiled cache.
_LA = aliased(RiskAssessment, name="la")  # the assessment counted in the period
_N = aliased(RiskAssessment, name="n")  # … in the period (comparisons)
_O = aliased(RiskAssessment, name="o")  # … in the period compared with
_RA = aliased(RiskAssessment, name="ra")  # inside the correlated MAX


@dataclass
class Cell:
    likelihood: int
    consequence: int
    value: int
    band: Band
    count: int = 0
    risks: list[tuple[int, int]] = field(default_factory=list)  # (id, number), by number
    moved_in: list[tuple[int, int, int]] = field(default_factory=list)  # (from L, from C, n)

    @property
    def risk_ids(self) -> list[int]:
        return [rid for rid, _n in self.risks]


@dataclass
class Matrix:
    unit: Unit
    period: Period
    include_subunits: bool
    scale: Scale
    cells: dict[tuple[int, int], Cell]
    outside_scale: int = 0

    @property
    def total(self) -> int:
        return sum(c.count for c in self.cells.values())

    def count_at_or_above(self, threshold: int) -> int:
        return sum(c.count for c in self.cells.values() if c.value >= threshold)

    def cell(self, likelihood: int, consequence: int) -> Cell:
        return self.cells[(likelihood, consequence)]

    def band_totals(self) -> list[tuple[Band, int]]:
        totals = {b.name: 0 for b in self.scale.bands}
        for c in self.cells.values():
            totals[c.band.name] += c.count
        return [(b, totals[b.name]) for b in sorted(self.scale.bands, key=lambda b: -b.low)]

    def rows(self) -> list[list[Cell]]:
        """Likelihood from high to low (rows), consequence from low to high (columns)."""
        n = self.scale.size
        return [[self.cells[(lk, c)] for c in range(1, n + 1)] for lk in range(n, 0, -1)]


def period_end_utc(period: Period) -> datetime:
    """The moment a period ends, Stockholm midnight, as an aware datetime."""
    return datetime.combine(period.end_date, time(0), tzinfo=STOCKHOLM)


def latest_period(period: Period):
    """Correlated scalar subquery: the risk's latest assessed period at or before ``period``."""
    ra = _RA
    return (select(func.max(ra.period)).where(ra.risk_id == Risk.id, ra.period <= period)
            .correlate(Risk).scalar_subquery())


def alive_in(period: Period):
    return or_(Risk.archived_at.is_(None), Risk.archived_at >= period_end_utc(period))


def subtree_filter(user, unit: Unit, include_subunits: bool):
    where = [units_clause(user)]
    where.append(Unit.subtree_clause(unit.path) if include_subunits else Risk.unit_id == unit.id)
    return and_(*where)


def _counted(user, unit: Unit, period: Period, include_subunits: bool, la):
    """FROM/WHERE of the risks counted in ``period`` joined to their assessment ``la``."""
    return (
        lambda stmt: stmt.select_from(Risk)
        .join(Unit, Unit.id == Risk.unit_id)
        .join(la, and_(la.risk_id == Risk.id, la.period == latest_period(period)))
        .where(subtree_filter(user, unit, include_subunits), alive_in(period))
    )


def matrix(user, unit: Unit, period: Period, scale: Scale, include_subunits: bool = True
           ) -> Matrix:
    """Counts and risk numbers per cell: one aggregate statement."""
    la = _LA
    pair = cast(Risk.id, String) + literal(":") + cast(Risk.number, String)
    stmt = _counted(user, unit, period, include_subunits, la)(
        select(la.likelihood, la.consequence, func.count(),
               func.aggregate_strings(pair, ","))
    ).group_by(la.likelihood, la.consequence)
    cells = {
        (lk, c): Cell(lk, c, lk * c, scale.band(lk * c))
        for lk in range(1, scale.size + 1) for c in range(1, scale.size + 1)
    }
    outside = 0
    for lk, c, count, pairs in db.session.execute(stmt):
        if (lk, c) not in cells:
            outside += count
            continue
        cell = cells[(lk, c)]
        cell.count = count
        parsed = [tuple(int(x) for x in p.split(":")) for p in (pairs or "").split(",") if p]
        cell.risks = sorted(parsed, key=lambda t: (t[1], t[0]))
    return Matrix(unit, period, include_subunits, scale, cells, outside)


# -- comparison -------------------------------------------------------------------
@dataclass
class Change:
    risk_id: int
    number: int
    title: str
    unit_name: str
    old_value: int | None
    new_value: int | None
    old_cell: tuple[int, int] | None
    new_cell: tuple[int, int] | None

    @property
    def direction(self) -> str:
        if self.old_value is None:
            return "new"
        if self.new_value is None:
            return "archived"
        if self.new_value > self.old_value:
            return "up"
        if self.new_value < self.old_value:
            return "down"
        return "same"


@dataclass
class Comparison:
    period: Period
    against: Period
    counts: dict[str, int]
    changes: list[Change]  # capped list, biggest changes first
    listed_limit: int


def _pairs(user, unit: Unit, period: Period, against: Period, include_subunits: bool):
    """Per risk in reach: its assessment counted in ``period`` (n) and in ``against`` (o),
    each found by one correlated MAX; a side is NULL when the risk did not count then."""
    n, o = _N, _O
    new_on = and_(n.risk_id == Risk.id, n.period == latest_period(period), alive_in(period))
    old_on = and_(o.risk_id == Risk.id, o.period == latest_period(against), alive_in(against))
    return n, o, (
        lambda stmt: stmt.select_from(Risk).join(Unit, Unit.id == Risk.unit_id)
        .outerjoin(n, new_on).outerjoin(o, old_on)
        .where(subtree_filter(user, unit, include_subunits),
               or_(n.id.is_not(None), o.id.is_not(None)))
    )


def transitions(user, unit: Unit, period: Period, against: Period,
                include_subunits: bool = True) -> list[tuple]:
    """(old L, old C, new L, new C, count) over the subtree, NULL where a risk did not
    count: one aggregate from which both the direction counts and the moves follow."""
    n, o, frm = _pairs(user, unit, period, against, include_subunits)
    stmt = frm(select(o.likelihood, o.consequence, n.likelihood, n.consequence, func.count())
               ).group_by(o.likelihood, o.consequence, n.likelihood, n.consequence)
    return [tuple(r) for r in db.session.execute(stmt)]


def direction_counts(rows: list[tuple]) -> dict[str, int]:
    counts = {k: 0 for k in ("up", "down", "same", "new", "archived")}
    for ol, oc, nl, nc, count in rows:
        if ol is None:
            counts["new"] += count
        elif nl is None:
            counts["archived"] += count
        elif nl * nc > ol * oc:
            counts["up"] += count
        elif nl * nc < ol * oc:
            counts["down"] += count
        else:
            counts["same"] += count
    return counts


def moves(rows: list[tuple]) -> list[tuple[int, int, int, int, int]]:
    """The transitions where a risk changed cell (both sides present)."""
    return [(ol, oc, nl, nc, k) for ol, oc, nl, nc, k in rows
            if ol is not None and nl is not None and (ol, oc) != (nl, nc)]


def comparison(user, unit: Unit, period: Period, against: Period,
               include_subunits: bool = True, limit: int = 200,
               rows: list[tuple] | None = None) -> Comparison:
    """Direction counts (from the transitions aggregate) and the biggest changes (capped)."""
    if rows is None:
        rows = transitions(user, unit, period, against, include_subunits)
    n, o, frm = _pairs(user, unit, period, against, include_subunits)
    delta = func.abs(func.coalesce(n.value, 0) - func.coalesce(o.value, 0))
    listed = db.session.execute(
        frm(select(Risk.id, Risk.number, Risk.event, Unit.name, o.value, n.value,
                   o.likelihood, o.consequence, n.likelihood, n.consequence))
        .where(or_(o.id.is_(None), n.id.is_(None), o.likelihood != n.likelihood,
                   o.consequence != n.consequence))
        .order_by(delta.desc(), Risk.number, Risk.id).limit(limit)
    ).all()
    changes = [Change(rid, num, title, uname, ov, nv,
                      (ol, oc) if ov is not None else None,
                      (nl, nc) if nv is not None else None)
               for rid, num, title, uname, ov, nv, ol, oc, nl, nc in listed]
    return Comparison(period, against, direction_counts(rows), changes, limit)


def attach_flows(m: Matrix, moved: list[tuple[int, int, int, int, int]]) -> None:
    for ol, oc, nl, nc, n in moved:
        if (nl, nc) in m.cells:
            m.cells[(nl, nc)].moved_in.append((ol, oc, n))


# -- lists under the matrix -----------------------------------------------------------
@dataclass
class ListedRisk:
    id: int
    number: int
    title: str
    unit_name: str
    likelihood: int
    consequence: int
    value: int
    period: Period


def at_or_above(user, unit: Unit, period: Period, threshold: int, include_subunits: bool = True,
                limit: int = 100) -> list[ListedRisk]:
    """Risks at or above ``threshold``, highest first, capped (the matrix has the count)."""
    la = _LA
    counted = _counted(user, unit, period, include_subunits, la)
    rows = db.session.execute(
        counted(select(Risk.id, Risk.number, Risk.event, Unit.name, la.likelihood,
                       la.consequence, la.value, la.period))
        .where(la.value >= threshold)
        .order_by(la.value.desc(), Risk.number, Risk.id).limit(limit)
    ).all()
    return [ListedRisk(*r) for r in rows]


def divisions(user, unit: Unit) -> list[Unit]:
    """The readable units directly beneath ``unit`` (one matrix each on the board view)."""
    return list(db.session.scalars(
        select(Unit).where(Unit.parent_id == unit.id, units_clause(user)).order_by(Unit.name)))
