"""The heat-map aggregates, in SQL over the unit subtree.

A risk counts in period P with its latest assessment at or before P (carried
forward when not re-assessed), unless it was archived before P ended. How that
assessment is read in SQL, per risk and by index: riskreg/risks/latest.py. The
per-risk rows are a MATERIALIZED CTE, so it runs once per risk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import String, and_, case, cast, func, literal, or_, select

from ..auth.permissions import units_clause
from ..domain.matrix import Band, Scale, risk_value
from ..domain.periods import Period
from ..extensions import db
from ..models.org import Unit
from ..models.risks import Risk
from ..risks.latest import PERIOD_FACTOR, alive_in, latest_code, unpack

MAX_LISTED = 40  # risk numbers listed in one cell before "and N more"
UNIT_SEP, RECORD_SEP = "\x1f", "\x1e"

@dataclass
class Cell:
    likelihood: int
    consequence: int
    value: int
    band: Band
    count: int = 0
    risks: list[tuple[int, int]] = field(default_factory=list)  # (id, number), by number
    titles: dict[int, str] = field(default_factory=dict)  # risk id → title (tooltips)
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


def _steps(code):
    """(likelihood, consequence, value) of a packed code, in SQL."""
    return unpack(code)[:3]


def subtree_filter(user, unit: Unit, include_subunits: bool):
    where = [units_clause(user)]
    where.append(Unit.subtree_clause(unit.path) if include_subunits else Risk.unit_id == unit.id)
    return and_(*where)


def _per_risk(user, unit: Unit, include_subunits: bool, *columns, name: str = "per_risk"):
    """A MATERIALIZED CTE of one row per risk in reach, with the given columns."""
    return (
        select(Risk.id.label("risk_id"), Risk.number.label("number"), *columns)
        .select_from(Risk).join(Unit, Unit.id == Risk.unit_id)
        .where(subtree_filter(user, unit, include_subunits))
        .cte(name).prefix_with("MATERIALIZED")
    )


def _counted(user, unit: Unit, period: Period, include_subunits: bool, *columns):
    """Per risk counted in ``period``: its packed latest assessment as ``code``."""
    return _per_risk(user, unit, include_subunits,
                     case((alive_in(period), latest_code(period)), else_=None).label("code"),
                     *columns, name="counted")


def matrix(user, unit: Unit, period: Period, scale: Scale, include_subunits: bool = True
           ) -> Matrix:
    """Counts and risk numbers per cell: one aggregate statement."""
    k = _counted(user, unit, period, include_subunits, Risk.title.label("title"))
    lk, c, _value = _steps(k.c.code)
    # id, number and title joined by control characters, which no stored text holds
    # (textguard refuses them)
    pair = (cast(k.c.risk_id, String) + literal(UNIT_SEP) + cast(k.c.number, String)
            + literal(UNIT_SEP) + k.c.title)
    stmt = (select(lk, c, func.count(), func.aggregate_strings(pair, RECORD_SEP))
            .where(k.c.code.is_not(None)).group_by(lk, c))
    cells = {
        (lk, c): Cell(lk, c, risk_value(lk, c), scale.band(risk_value(lk, c)))
        for lk in range(1, scale.size + 1) for c in range(1, scale.size + 1)
    }
    outside = 0
    for lk, c, count, pairs in db.session.execute(stmt):
        if (lk, c) not in cells:
            outside += count
            continue
        cell = cells[(lk, c)]
        cell.count = count
        parsed = [p.split(UNIT_SEP, 2) for p in (pairs or "").split(RECORD_SEP) if p]
        cell.risks = sorted(((int(i), int(n)) for i, n, _t in parsed),
                            key=lambda t: (t[1], t[0]))
        cell.titles = {int(i): t for i, _n, t in parsed}
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
    truncated: bool = False  # more changed risks than listed


def _pairs(user, unit: Unit, period: Period, against: Period, include_subunits: bool,
           *columns):
    """Per risk in reach: its packed assessment counted in ``period`` (new) and in
    ``against`` (old), NULL on a side where it did not count."""
    return _per_risk(
        user, unit, include_subunits,
        case((alive_in(period), latest_code(period)), else_=None).label("new"),
        case((alive_in(against), latest_code(against)), else_=None).label("old"),
        *columns, name="pairs",
    )


def transitions(user, unit: Unit, period: Period, against: Period,
                include_subunits: bool = True) -> list[tuple]:
    """(old L, old C, new L, new C, count) over the subtree, NULL where a risk did not
    count: one aggregate from which both the direction counts and the moves follow."""
    k = _pairs(user, unit, period, against, include_subunits)
    ol, oc, _ov = _steps(k.c.old)
    nl, nc, _nv = _steps(k.c.new)
    stmt = (select(ol, oc, nl, nc, func.count())
            .where(or_(k.c.new.is_not(None), k.c.old.is_not(None)))
            .group_by(ol, oc, nl, nc))
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
    k = _pairs(user, unit, period, against, include_subunits,
               Risk.title.label("title"), Unit.name.label("unit_name"))
    ol, oc, ov = _steps(k.c.old)
    nl, nc, nv = _steps(k.c.new)
    delta = func.abs(func.coalesce(nv, 0) - func.coalesce(ov, 0))
    listed = db.session.execute(
        select(k.c.risk_id, k.c.number, k.c.title, k.c.unit_name, ov, nv, ol, oc, nl, nc)
        .where(or_(k.c.new.is_not(None), k.c.old.is_not(None)))
        .where(or_(k.c.old.is_(None), k.c.new.is_(None), ol != nl, oc != nc))
        .order_by(delta.desc(), k.c.number, k.c.risk_id).limit(limit + 1)
    ).all()
    truncated = len(listed) > limit
    listed = listed[:limit]
    changes = [Change(rid, num, title, uname, old_v, new_v,
                      (o_l, o_c) if old_v is not None else None,
                      (n_l, n_c) if new_v is not None else None)
               for rid, num, title, uname, old_v, new_v, o_l, o_c, n_l, n_c in listed]
    return Comparison(period, against, direction_counts(rows), changes, limit, truncated)


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
    k = _counted(user, unit, period, include_subunits, Risk.title.label("title"),
                 Unit.name.label("unit_name"))
    lk, c, value = _steps(k.c.code)
    rows = db.session.execute(
        select(k.c.risk_id, k.c.number, k.c.title, k.c.unit_name, lk, c, value,
               k.c.code // PERIOD_FACTOR)
        .where(k.c.code.is_not(None), value >= threshold)
        .order_by(value.desc(), k.c.number, k.c.risk_id).limit(limit)
    ).all()
    return [ListedRisk(*r[:7], Period.from_key(r[7])) for r in rows]


def divisions(user, unit: Unit) -> list[Unit]:
    """The readable units directly beneath ``unit`` (one matrix each on the board view)."""
    return list(db.session.scalars(
        select(Unit).where(Unit.parent_id == unit.id, units_clause(user)).order_by(Unit.name)))
