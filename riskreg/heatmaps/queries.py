"""The heat-map aggregates, in SQL over the unit subtree.

A risk counts in period P with its latest assessment at or before P (carried
forward when not re-assessed), unless it was archived before P ended. The latest
assessment is found by a correlated MAX over the (risk_id, period) index, so the
cost follows the number of risks and assessments in the subtree, not the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import String, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import aliased

from ..auth.permissions import units_clause
from ..domain.matrix import Band, Scale
from ..domain.periods import Period
from ..extensions import db
from ..i18n import STOCKHOLM
from ..models.org import Unit
from ..models.risks import Risk, RiskAssessment

MAX_LISTED = 40  # risk numbers listed in one cell before "and N more"


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
    ra = aliased(RiskAssessment)
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
    la = aliased(RiskAssessment, name="la")
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


def _state(period: Period):
    """Per risk: (likelihood, consequence, value) counted in ``period`` (or NULLs)."""
    ra = aliased(RiskAssessment)
    lp = latest_period(period)
    alive = alive_in(period)
    return [
        select(ra.likelihood).where(ra.risk_id == Risk.id, ra.period == lp)
        .correlate(Risk).scalar_subquery(),
        select(ra.consequence).where(ra.risk_id == Risk.id, ra.period == lp)
        .correlate(Risk).scalar_subquery(),
        case((alive, select(ra.value).where(ra.risk_id == Risk.id, ra.period == lp)
              .correlate(Risk).scalar_subquery()), else_=None),
    ]


def comparison(user, unit: Unit, period: Period, against: Period,
               include_subunits: bool = True, limit: int = 200) -> Comparison:
    """How each risk moved between ``against`` and ``period``: the counts per direction in
    one aggregate, and the biggest changes (capped) in one more statement."""
    new_l, new_c, new_v = _state(period)
    old_l, old_c, old_v = _state(against)
    base = (
        select(Risk.id.label("risk_id"), Risk.number.label("number"),
               Risk.event.label("title"), Unit.name.label("unit_name"),
               new_l.label("new_l"), new_c.label("new_c"), new_v.label("new_v"),
               old_l.label("old_l"), old_c.label("old_c"), old_v.label("old_v"))
        .select_from(Risk).join(Unit, Unit.id == Risk.unit_id)
        .where(subtree_filter(user, unit, include_subunits))
        .subquery("cmp")
    )
    direction = case(
        (and_(base.c.old_v.is_(None), base.c.new_v.is_(None)), "none"),
        (base.c.old_v.is_(None), "new"),
        (base.c.new_v.is_(None), "archived"),
        (base.c.new_v > base.c.old_v, "up"),
        (base.c.new_v < base.c.old_v, "down"),
        else_="same",
    )
    counts = {k: 0 for k in ("up", "down", "same", "new", "archived")}
    for d, n in db.session.execute(select(direction, func.count()).group_by(direction)):
        if d in counts:
            counts[d] = n
    delta = func.abs(func.coalesce(base.c.new_v, 0) - func.coalesce(base.c.old_v, 0))
    rows = db.session.execute(
        select(base).where(or_(base.c.old_v.is_not(None), base.c.new_v.is_not(None)))
        .where(or_(base.c.old_v.is_(None), base.c.new_v.is_(None),
                   base.c.old_v != base.c.new_v, base.c.old_l != base.c.new_l))
        .order_by(delta.desc(), base.c.number, base.c.risk_id).limit(limit)
    ).all()
    changes = [Change(r.risk_id, r.number, r.title, r.unit_name, r.old_v, r.new_v,
                      (r.old_l, r.old_c) if r.old_v is not None else None,
                      (r.new_l, r.new_c) if r.new_v is not None else None) for r in rows]
    return Comparison(period, against, counts, changes, limit)


def flows(user, unit: Unit, period: Period, against: Period, include_subunits: bool = True
          ) -> list[tuple[int, int, int, int, int]]:
    """(from L, from C, to L, to C, n) for risks whose cell changed: one aggregate."""
    new_l, new_c, new_v = _state(period)
    old_l, old_c, old_v = _state(against)
    base = (
        select(new_l.label("nl"), new_c.label("nc"), new_v.label("nv"),
               old_l.label("ol"), old_c.label("oc"), old_v.label("ov"))
        .select_from(Risk).join(Unit, Unit.id == Risk.unit_id)
        .where(subtree_filter(user, unit, include_subunits)).subquery("f")
    )
    stmt = (
        select(base.c.ol, base.c.oc, base.c.nl, base.c.nc, func.count())
        .where(base.c.nv.is_not(None), base.c.ov.is_not(None),
               or_(base.c.ol != base.c.nl, base.c.oc != base.c.nc))
        .group_by(base.c.ol, base.c.oc, base.c.nl, base.c.nc)
    )
    return [tuple(r) for r in db.session.execute(stmt)]


def attach_flows(m: Matrix, moves: list[tuple[int, int, int, int, int]]) -> None:
    for ol, oc, nl, nc, n in moves:
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
                limit: int = 100) -> tuple[list[ListedRisk], int]:
    """Risks at or above ``threshold`` (highest first, capped) and how many there are."""
    la = aliased(RiskAssessment, name="la")
    counted = _counted(user, unit, period, include_subunits, la)
    total = db.session.scalar(counted(select(func.count())).where(la.value >= threshold)) or 0
    rows = db.session.execute(
        counted(select(Risk.id, Risk.number, Risk.event, Unit.name, la.likelihood,
                       la.consequence, la.value, la.period))
        .where(la.value >= threshold)
        .order_by(la.value.desc(), Risk.number, Risk.id).limit(limit)
    ).all()
    return [ListedRisk(*r) for r in rows], total


def divisions(user, unit: Unit) -> list[Unit]:
    """The readable units directly beneath ``unit`` (one matrix each on the board view)."""
    return list(db.session.scalars(
        select(Unit).where(Unit.parent_id == unit.id, units_clause(user)).order_by(Unit.name)))
